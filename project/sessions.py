"""The session engine (settings.SESSION_ENGINE): sessions are rows in the database, read through the
shared cache, so a page costs no session query while Redis is up, and still works while it is down.

Django's `cached_db` engine, with three changes:

- Every cache operation is guarded: with Redis down or hung the session is read from and written to
  the database alone (a warning is logged; a hung Redis costs one socket timeout per request).
- A cache entry lives `CACHE_SECONDS` at most, whatever the session's own expiry (which the row and
  the session data keep, as before).
- The row is written or deleted first. A cache write or delete that failed may leave a stale entry
  (a logged-out session, or data older than the row): its key is remembered by this process and
  deleted before the process reads the cache again, and the entry expires `CACHE_SECONDS` after it
  was written in any case. So a logout during an outage is refused at once (the loads go to the
  database, where the row is gone), and when Redis returns the old entry is deleted before this
  process reads the cache; another process could read it only until then, and never past its expiry.
"""

from __future__ import annotations

import logging
import threading

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from project.cache import OUTAGE

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
STALE_KEYS_KEPT = 10_000  # beyond this many, a missed delete relies on the entry's expiry alone

_stale_keys: set[str] = set()
_stale_lock = threading.Lock()


def _cache_unavailable(exc: Exception) -> None:
    logger.warning("shared cache unavailable for sessions: %s", exc)


def _remember_stale(key: str) -> None:
    with _stale_lock:
        if len(_stale_keys) < STALE_KEYS_KEPT:
            _stale_keys.add(key)


def _delete_stale(cache) -> None:
    """Delete the entries whose write or delete failed earlier; raises OUTAGE if the cache is still down."""
    with _stale_lock:
        keys = list(_stale_keys)
    if keys:
        cache.delete_many(keys)
        with _stale_lock:
            _stale_keys.difference_update(keys)


class SessionStore(cached_db.SessionStore):
    def load(self):
        key = self.cache_key
        try:
            _delete_stale(self._cache)
            data = self._cache.get(key)
        except OUTAGE as exc:
            _cache_unavailable(exc)
            row = self._get_session_from_db()
            return self.decode(row.session_data) if row else {}
        if data is None:
            row = self._get_session_from_db()
            if row is None:
                return {}
            data = self.decode(row.session_data)
            self._cache_set(key, data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key):
        if session_key:
            try:
                if (self.cache_key_prefix + session_key) in self._cache:
                    return True
            except OUTAGE as exc:
                _cache_unavailable(exc)
        return DatabaseStore.exists(self, session_key)

    def save(self, must_create=False):
        DatabaseStore.save(self, must_create)
        self._cache_set(self.cache_key, self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DatabaseStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        try:
            self._cache.delete(key)
        except OUTAGE as exc:
            _remember_stale(key)
            _cache_unavailable(exc)

    def _cache_set(self, key: str, data: dict, expiry_age: int) -> None:
        try:
            self._cache.set(key, data, min(expiry_age, CACHE_SECONDS))
        except OUTAGE as exc:
            _remember_stale(key)  # an older entry may still be there
            _cache_unavailable(exc)
