"""API throttles (DRF), kept in the shared cache so that they hold across web processes.

Scopes, each with a rate in THROTTLE_RATES ("<n>/<second|minute|hour|day>", or None for no limit):
- `user`: every call of a signed-in user or API token, counted per user;
- `anon`: every anonymous call (public endpoints, failed sign-ins), counted per client IP;
- `writes`: POST/PUT/PATCH/DELETE, per user (or IP);
- `job_starts`: calls that start a background job (POST answering 202), per user (or IP).
A throttled call is a 429 with `Retry-After` (seconds) in the usual error format.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The endpoints that answer 202 with a job (tests/project/test_throttling.py checks the schema's list).
JOB_START_PATHS = re.compile(
    r"^/api/v1/(jobs/|integrations/salesforce/sync/|scheduling/sync/|scheduling/runs/([^/]+/(approve|retry)/)?"
    r"|volunteers/quality/runs/|volunteers/virtual/imports/)$"
)


class SharedCacheThrottle(SimpleRateThrottle):
    """Rates read from settings at each call (so they can be tuned without a restart of tests), and
    the history kept in the `throttle` cache (Redis in production)."""

    @property
    def cache(self):
        return caches[settings.THROTTLE_CACHE_ALIAS]

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def applies(self, request, view) -> bool:
        return True

    def allow_request(self, request, view):
        if not self.applies(request, view):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UserThrottle(SharedCacheThrottle):
    scope = "user"

    def applies(self, request, view):
        return request.user is not None and request.user.is_authenticated


class AnonThrottle(SharedCacheThrottle):
    scope = "anon"

    def applies(self, request, view):
        return not (request.user is not None and request.user.is_authenticated)


class WriteThrottle(SharedCacheThrottle):
    scope = "writes"

    def applies(self, request, view):
        return request.method in UNSAFE_METHODS


class JobStartThrottle(SharedCacheThrottle):
    scope = "job_starts"

    def applies(self, request, view):
        return request.method == "POST" and bool(JOB_START_PATHS.match(request.path_info))
