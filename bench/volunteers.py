"""Benchmark of the volunteers app: directory page and API, reports, recruitment ranking and the
nightly event-count recount.

Run from the repo root: `.venv/bin/python bench/volunteers.py` (a throwaway SQLite file), or set
BENCH_DATABASE_URL=postgres://…/crewbase_volunteers_bench to use PostgreSQL. BENCH_SCALE (default 15)
multiplies the demo data: scale 10 ≈ 3,000 volunteers, 800 events, ~5,000 participations.
Prints one line per figure: `volunteers.<name> p50=…ms p95=…ms`.
"""

from __future__ import annotations

import os
import statistics
import time

from _setup import django_setup

django_setup("volunteers")

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from project.roles import STAFF, sync_roles, user_set_role
from volunteers import demo, reports, rules, selectors, services
from volunteers.models import District, Event, EventStatus, Volunteer, VolunteerParticipation


def measure(name: str, fn, runs: int = 15) -> None:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(f"volunteers.{name} p50={statistics.median(times):.1f}ms p95={p95:.1f}ms", flush=True)


def main() -> None:
    scale = int(os.environ.get("BENCH_SCALE", "10"))
    # Not setup_test_environment(): its instrumented template rendering would distort the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    sync_roles()
    started = time.perf_counter()
    if not Volunteer.objects.exists():
        with transaction.atomic():
            demo.generate(scale=scale, seed=7)
    print(
        f"volunteers.data scale={scale} volunteers={Volunteer.objects.count()} events={Event.objects.count()} "
        f"participations={VolunteerParticipation.objects.count()} built_in={time.perf_counter() - started:.1f}s",
        flush=True,
    )

    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-staff")
    user_set_role(user=user, role=STAFF)
    page_client, api_client = Client(), APIClient()
    page_client.force_login(user)
    api_client.force_login(user)

    def ok(response):
        assert response.status_code == 200, response.status_code
        return response

    def get(client, url, params=None):
        # secure=True: production settings redirect plain HTTP to HTTPS.
        return ok(client.get(url, params or {}, secure=True))

    measure("directory_page", lambda: get(page_client, "/volunteers/directory/"))
    measure(
        "directory_page_search",
        lambda: get(page_client, "/volunteers/directory/", {"q": "engineer robot", "sort": "times"}),
    )
    measure("api_volunteers_list", lambda: get(api_client, "/api/v1/volunteers/volunteers/"))
    measure(
        "api_volunteers_search",
        lambda: get(api_client, "/api/v1/volunteers/volunteers/", {"q": "heartland ada", "sort": "last"}),
    )
    measure("event_list_page", lambda: get(page_client, "/volunteers/events/"))

    year = rules.academic_year_of(timezone.localdate()) - 1
    district = District.objects.order_by("pk").first()
    measure("district_year_end", lambda: reports.district_year_end_report(district=district, year=year))
    start, end = rules.academic_year_bounds(year)
    measure("thank_you", lambda: reports.thank_you_report(start=start, end=end, by="hours", limit=25))
    measure("first_time", lambda: reports.first_time_volunteers_report(start=start, end=end), runs=7)
    measure("organization_report", lambda: reports.organization_report(year=year), runs=7)
    event = (
        Event.objects.filter(status=EventStatus.CONFIRMED).prefetch_related("skills").first() or Event.objects.first()
    )
    pool = selectors.recruitment_candidates_qs().count()
    measure(
        f"ranking_{pool}_candidates", lambda: selectors.recruitment_rank(event=event, extra_keywords="finance"), runs=7
    )
    # The nightly recount over every event (nothing to correct: the cost of finding that out).
    measure("event_counts_recount", services.event_counts_recount, runs=7)


if __name__ == "__main__":
    main()
