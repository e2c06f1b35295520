"""One beat at a time: beat's scheduler holds a lock in the shared cache (Redis in production),
renewed on every tick. A second beat process finds the lock taken and stays idle — sending
nothing, warning once a minute — until the first one stops (it releases the lock) or dies (the
lock expires after BEAT_LOCK_TTL_SECONDS); then it takes over.

The beat holding the lock also sends periodic tasks that missed a tick during an outage, once
each (project/catchup.py): every PERIODIC_CATCH_UP_EVERY_SECONDS, and first right after start,
whenever it has nothing else due at that moment."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler

from .catchup import periodic_catch_up

logger = logging.getLogger(__name__)

LOCK_KEY = "crewbase:beat:lock"
IDLE_TICK_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0


class BeatLock:
    def __init__(self, *, cache, ttl: int):
        self.cache, self.ttl = cache, ttl
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self) -> bool:
        """Take the lock or renew it; False while another beat holds it (or the cache is down)."""
        try:
            if self.cache.add(LOCK_KEY, self.token, self.ttl):
                return True
            if self.cache.get(LOCK_KEY) == self.token:
                self.cache.set(LOCK_KEY, self.token, self.ttl)
                return True
        except Exception:  # Redis unreachable: beat could not send anything anyway
            logger.warning("beat lock: the shared cache is unreachable", exc_info=True)
        return False

    def holder(self) -> str | None:
        try:
            return self.cache.get(LOCK_KEY)
        except Exception:
            return None

    def release(self) -> None:
        try:
            if self.cache.get(LOCK_KEY) == self.token:
                self.cache.delete(LOCK_KEY)
        except Exception:
            logger.warning("beat lock: could not release", exc_info=True)


class SingleBeatMixin:
    """For a celery.beat.Scheduler: tick only while holding the beat lock."""

    beat_lock: BeatLock
    _last_warning = 0.0

    def tick(self, *args, **kwargs):
        if not self.beat_lock.hold():
            now = time.monotonic()
            if now - self._last_warning >= WARN_EVERY_SECONDS:
                self._last_warning = now
                logger.warning(
                    "Another beat (%s) is running: this one stays idle and sends nothing until it stops.",
                    self.beat_lock.holder(),
                )
            return IDLE_TICK_SECONDS
        return super().tick(*args, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            self.beat_lock.release()


class CatchUpMixin:
    """For a celery.beat.Scheduler: after a tick that sent everything due, check now and then for
    periodic tasks that missed a tick (beat's own sends come first, so they are not doubled)."""

    catch_up_every: float = 60.0
    _last_catch_up: float | None = None

    def catch_up(self) -> list[str]:
        close_old_connections()  # beat holds its connection for days: drop a broken or stale one
        return periodic_catch_up()

    def tick(self, *args, **kwargs):
        delay = super().tick(*args, **kwargs)
        now = time.monotonic()
        if delay > 0 and (self._last_catch_up is None or now - self._last_catch_up >= self.catch_up_every):
            self._last_catch_up = now
            try:
                self.catch_up()
            except Exception:  # the database is down: the next check tries again
                logger.warning("periodic catch-up failed; retrying in %ss", self.catch_up_every, exc_info=True)
        return delay


class SingleDatabaseScheduler(SingleBeatMixin, CatchUpMixin, DatabaseScheduler):
    """django-celery-beat's scheduler (schedules edited in the admin), one beat at a time, sending
    periodic tasks that missed a tick once."""

    def __init__(self, *args, **kwargs):
        self.beat_lock = BeatLock(cache=caches["default"], ttl=settings.BEAT_LOCK_TTL_SECONDS)
        self.catch_up_every = settings.PERIODIC_CATCH_UP_EVERY_SECONDS
        super().__init__(*args, **kwargs)
