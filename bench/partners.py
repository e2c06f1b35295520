"""District partner API benchmark: `.venv/bin/python bench/partners.py` from the repo root.

Prints one line per figure:
  partners.same_request_ms   the same GET /api/v1/public/districts/<slug>/events/ (one key, page 1,
                             20 and 100 per page) repeated on 1,000 published events: p50/p95 in
                             milliseconds through the test client (authentication, throttle, query,
                             serialisation, CORS), and the queries per call
  partners.pages_ms          pages 1..50 in turn (20 per page): p50/p95
  partners.burst_statuses    70 requests with one key under the real limits: 200s, 429s, 5xx
The per-key limits are raised for the timed loops (the counters are still kept, so the throttle's
cost is measured) and restored for the burst. Uses a throwaway SQLite file unless
BENCH_DATABASE_URL names another database; the cache is the local-memory one unless BENCH_CACHE=redis
(then REDIS_URL).
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from datetime import timedelta

from _setup import django_setup

django_setup("partners")

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from volunteers.models import District, Event, EventStatus, School
from volunteers.partners import api
from volunteers.partners.models import DistrictPartner
from volunteers.partners.services import api_key_create

N = 1000
URL = "/api/v1/public/districts/bench/events/"
UNLIMITED = tuple((window, 10**9) for window, _ in api.API_KEY_LIMITS)


def pct(samples, q):
    return sorted(samples)[min(len(samples) - 1, int(len(samples) * q))]


def setup() -> tuple[DistrictPartner, str]:
    district = District.objects.create(name="Bench district")
    partner = DistrictPartner.objects.create(
        district=district, slug="bench", signup_enabled=True, allowed_origins="https://bench.example.org"
    )
    school = School.objects.create(name="Bench High School", district=district)
    start = timezone.now() + timedelta(days=1)
    events = Event.objects.bulk_create(
        Event(
            title=f"Event {i}",
            description="Career day talk. " * 10,
            location="Main hall",
            start=start + timedelta(hours=i),
            status=EventStatus.PUBLISHED,
            volunteers_needed=5,
            school=school if i % 2 else None,
        )
        for i in range(N)
    )
    Event.districts.through.objects.bulk_create(
        Event.districts.through(event_id=e.pk, district_id=district.pk) for e in events
    )
    return partner, api_key_create(partner=partner, name="bench")[1]


def timed(client: APIClient, key: str, params_of, count: int) -> tuple[list[float], int]:
    runs, queries = [], 0
    for i in range(count):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(
                URL, params_of(i), HTTP_X_API_KEY=key, HTTP_ORIGIN="https://bench.example.org", secure=True
            )
            runs.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:200])
        queries = max(queries, len(ctx.captured_queries))
    return runs, queries


def main() -> None:
    call_command("migrate", verbosity=0)
    partner, key = setup()
    client = APIClient()
    limits = api.API_KEY_LIMITS
    api.API_KEY_LIMITS = UNLIMITED
    for per_page in (20, 100):
        timed(client, key, lambda i, size=per_page: {"per_page": size}, 20)  # warm-up
        runs, queries = timed(client, key, lambda i, size=per_page: {"per_page": size}, 300)
        print(
            f"partners.same_request_ms per_page={per_page} p50={statistics.median(runs):.1f} "
            f"p95={pct(runs, 0.95):.1f} events={N} queries={queries}"
        )
    runs, queries = timed(client, key, lambda i: {"page": 1 + i % 50}, 300)
    print(f"partners.pages_ms p50={statistics.median(runs):.1f} p95={pct(runs, 0.95):.1f} queries={queries}")
    api.API_KEY_LIMITS = limits
    burst_key = api_key_create(partner=partner, name="burst")[1]
    statuses = Counter(client.get(URL, HTTP_X_API_KEY=burst_key, secure=True).status_code for _ in range(70))
    fives = sum(n for s, n in statuses.items() if s >= 500)
    print(f"partners.burst_statuses 200={statuses[200]} 429={statuses[429]} 5xx={fives}")


if __name__ == "__main__":
    if os.environ.get("BENCH_CACHE") == "redis":
        cache.clear()
        main()
    else:
        with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
            main()
