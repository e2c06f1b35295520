"""Fixed-window request counters in the shared cache (Redis in production), so every web
process counts against the same limit. When the cache is down the request is let through
(with a warning): a rate limit is not worth an outage of the API."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from project.cache import OUTAGE

logger = logging.getLogger(__name__)

# (window seconds, requests allowed in it)
API_KEY_LIMITS = ((60, 60), (3600, 1_000), (86_400, 10_000))
SIGNUP_IP_LIMITS = ((3600, 10),)


def rate_limit_hit(*, scope: str, limits: tuple[tuple[int, int], ...], now: float | None = None) -> int | None:
    """Count one request against each window of `scope`. None if allowed, else the seconds
    until the exhausted window ends (for Retry-After). A refused request does not use up the
    longer windows."""
    now = time.time() if now is None else now
    for window, allowed in limits:
        bucket = int(now // window)
        key = f"ratelimit:{scope}:{window}:{bucket}"
        try:
            cache.add(key, 0, timeout=window + 60)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window + 60)
                count = 1
        except OUTAGE as exc:
            logger.warning("rate limit %s not enforced, shared cache unavailable: %s", scope.split(":", 1)[0], exc)
            return None
        if count > allowed:
            return max(1, int((bucket + 1) * window - now) + 1)
    return None


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT proxies the address the
    outermost trusted proxy saw (the same setting login throttling uses)."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
