"""The shared cache (Redis in production) used as an optimisation: when it is down, reads miss and
writes are skipped, with a warning, so a page or a search still works without it."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.cache.backends import redis as django_redis
from redis import RedisError

logger = logging.getLogger(__name__)

OUTAGE = (RedisError, OSError)  # Redis unreachable or hung; the file cache's disk errors


class _ClientPerPool(django_redis.RedisCacheClient):
    """Django's client builds a `redis.Redis` for every operation (with its table of a few hundred
    response callbacks: about 70 µs each time); this one keeps one per connection pool. A
    `redis.Redis` over a pool is safe to share: each command takes a connection from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(django_redis.RedisCache):
    """The Redis cache backend (settings.CACHES), with one client per connection pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ClientPerPool


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
