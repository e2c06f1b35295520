"""On-call benchmark: `.venv/bin/python bench/oncall.py` from the repo root.

Prints one line per figure:
  oncall.generate_52w_20m_ms      rotation + database write of 52 weeks for 20 members
  oncall.rotation_52w_20m_ms      the plain-Python rotation alone
  oncall.now_ms                   GET /api/v1/oncall/now/ (p50/p95, queries per call)
  oncall.dispatch_1000_msgs_per_s 1,000 due pages through the fake gateway
Uses a throwaway SQLite file unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date, timedelta

from _setup import django_setup

os.environ.setdefault("TWILIO_MODE", "fake")
django_setup("oncall")

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from integrations.twilio.fake import FAKE_GATEWAY
from oncall import paging, services
from oncall.models import Assignment, Member, ShiftPattern, SmsMessage, Team
from oncall.rotation import ShiftSpec, rotation_plan
from project.roles import VIEWER, user_set_role

PATTERN = [(0, 24), (1, 48), (3, 24), (4, 24), (5, 24), (6, 24)]
START = date(2030, 1, 7)


def pct(samples, q):
    return sorted(samples)[min(len(samples) - 1, int(len(samples) * q))]


def main() -> None:
    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench")
    for weekday, hours in PATTERN:
        ShiftPattern.objects.create(team=team, weekday=weekday, duration_hours=hours)
    for i in range(20):
        Member.objects.create(team=team, name=f"Member {i}", phone=f"+1312555{i:04d}", rotation_order=i)

    specs = [ShiftSpec(d, 480, h, k) for k, (d, h) in enumerate(PATTERN)]
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        rotation_plan(members=list(range(20)), shifts=specs, start=START, end=START + timedelta(weeks=52))
        runs.append((time.perf_counter() - t) * 1000)
    print(f"oncall.rotation_52w_20m_ms p50={statistics.median(runs):.1f} p95={pct(runs, 0.95):.1f}")

    runs = []
    for _ in range(5):
        Assignment.objects.all().delete()
        t = time.perf_counter()
        services.schedule_generate(team=team, weeks=52, start=START)
        runs.append((time.perf_counter() - t) * 1000)
    print(
        f"oncall.generate_52w_20m_ms p50={statistics.median(runs):.1f} p95={max(runs):.1f} "
        f"rows={Assignment.objects.count()}"
    )

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench-viewer", password="x")
    user_set_role(user=user, role=VIEWER)
    client = APIClient()
    client.force_login(user)
    runs, queries = [], []
    for i in range(200):
        at = f"2030-{1 + (i % 12):02d}-{1 + (i % 27):02d}T{i % 24:02d}:30:00Z"
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get("/api/v1/oncall/now/", {"team": team.pk, "at": at}, secure=True)
            runs.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content
        queries.append(len(ctx.captured_queries))
    print(
        f"oncall.now_ms p50={statistics.median(runs):.1f} p95={pct(runs, 0.95):.1f} "
        f"queries={min(queries)}-{max(queries)}"
    )

    FAKE_GATEWAY.reset()
    now = Assignment.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
    assignments = list(Assignment.objects.select_related("team", "shift", "member"))
    ids = []
    for i in range(1000):
        a = assignments[i % len(assignments)]
        row, _ = paging.message_queue(
            team=team,
            purpose="page",
            key=f"bench:{i}",
            phone=a.member.phone,
            name=a.member.name,
            body=paging.page_body(team=team, assignment=a, member=a.member),
            member=a.member,
            assignment=a,
            enqueue=False,
        )
        ids.append(row.pk)
    SmsMessage.objects.update(next_attempt_at=now - timedelta(minutes=1), not_after=None)
    t = time.perf_counter()
    for message_id in paging.outbox_due(now=now, limit=len(ids)):
        paging.sms_deliver(message_id=message_id, now=now)
    elapsed = time.perf_counter() - t
    sent = SmsMessage.objects.filter(status="sent").count()
    print(
        f"oncall.dispatch_1000_msgs_per_s rate={sent / elapsed:.0f} sent={sent} gateway={len(FAKE_GATEWAY.sent)} "
        f"seconds={elapsed:.2f}"
    )


if __name__ == "__main__":
    main()
