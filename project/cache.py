"""The shared cache (Redis in production) used as an optimisation: when it is down, reads miss and
writes are skipped, with a warning, so a page or a search still works without it."""

from __future__ import annotations

import logging

from django.core.cache import cache
from redis import RedisError

logger = logging.getLogger(__name__)

OUTAGE = (RedisError, OSError)  # Redis unreachable or hung; the file cache's disk errors


def cache_get(key: str):
    """The cached value, or None (a miss) when the cache is down."""
    try:
        return cache.get(key)
    except OUTAGE as exc:
        logger.warning("shared cache unavailable for %s: %s", key.split(":", 1)[0], exc)
        return None


def cache_set(key: str, value, timeout: int) -> None:
    """Store `value`; skipped when the cache is down."""
    try:
        cache.set(key, value, timeout)
    except OUTAGE as exc:
        logger.warning("shared cache unavailable for %s: %s", key.split(":", 1)[0], exc)
