"""On-call benchmark: `.venv/bin/python bench/oncall.py` from the repo root.

Prints one line per figure:
  oncall.fairness N=..            for N = 2..20 over 52 weeks of the standard pattern: the max-min of
                                  shifts, hours, 48 h shifts and weekend days per member, the worst
                                  over every prefix (weeks 1..k), and the rotation maths time
  oncall.mixed P=.. N=..          the same for mixed-length patterns (24+12+24 h, 24+48+48 h, 12/24 h
                                  alternating): worst shifts and hours spread against the bounds
                                  (shifts <= 2, hours <= the longest shift), and cyclic/balanced
  oncall.mixed_sweep              random mixed patterns (1-7 shifts of 1-72 h, N = 3..30, 104 weeks;
                                  BENCH_MIXED_SWEEP patterns, 500 by default): how many are in balanced
                                  mode, how many of those carry a certificate (proven at every horizon),
                                  and the bound violations at week ends (hours, shifts) and back-to-backs
  oncall.rotation_mixed_104w_30m_ms  the rotation maths for a balanced mixed pattern
  oncall.generate_52w_20m_ms      rotation + database write of 52 weeks for 20 members
  oncall.rotation_52w_20m_ms      the plain-Python rotation alone
  oncall.rotation_104w_30m_ms     the same for 30 members x 104 weeks
  oncall.now_ms                   GET /api/v1/oncall/now/ (p50/p95, queries per call)
  oncall.dispatch_1000_msgs_per_s 1,000 due pages through the fake gateway
Uses a throwaway SQLite file unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections import Counter
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
from oncall.rotation import (
    ShiftSpec,
    back_to_back,
    balanced_certificate,
    member_totals,
    monday_of,
    rotation_plan,
    week_prefix_spreads,
)
from project.roles import VIEWER, user_set_role

PATTERN = [(0, 24), (1, 48), (3, 24), (4, 24), (5, 24), (6, 24)]
# A Monday relative to today: the figures do not depend on the date, and no date goes stale.
START = monday_of(date.today()) + timedelta(weeks=1)


def spreads(assignments, specs, members):
    """(shifts, hours, 48 h shifts, weekend days, per shift kind): max-min over members, the worst
    over every week prefix."""
    worst = [0, 0, 0, 0, 0]
    weeks = sorted({monday_of(o.day) for o in assignments})
    ordered = sorted(assignments)
    position = 0
    prefix = {}
    for monday in weeks:
        while position < len(ordered) and monday_of(ordered[position].day) <= monday:
            prefix[ordered[position]] = assignments[ordered[position]]
            position += 1
        totals = member_totals(prefix, specs, members)
        rows = [totals[m] for m in members]
        for i, attr in enumerate(("shifts", "hours", "long_shifts", "weekend_days")):
            values = [getattr(t, attr) for t in rows]
            worst[i] = max(worst[i], max(values) - min(values))
        for spec in specs:
            kind = Counter(m for o, m in prefix.items() if o.shift_key == spec.key)
            worst[4] = max(worst[4], max(kind[m] for m in members) - min(kind[m] for m in members))
    return worst


def fairness_table(specs) -> None:
    for n in range(2, 21):
        members = list(range(n))
        t = time.perf_counter()
        plan = rotation_plan(members=members, shifts=specs, start=START, end=START + timedelta(weeks=52))
        elapsed = (time.perf_counter() - t) * 1000
        shifts, hours, long_shifts, weekend, kinds = spreads(plan.assignments, specs, members)
        print(
            f"oncall.fairness N={n:2d} shifts={shifts} hours={hours} long48={long_shifts} weekend_days={weekend} "
            f"per_kind={kinds} "
            f"rotation_ms={elapsed:.1f}"
        )


MIXED = {
    "24+12+24": [(0, 24), (2, 12), (4, 24)],
    "24+48+48": [(0, 24), (1, 48), (3, 48)],
    "12/24x6": [(0, 12), (1, 24), (2, 12), (3, 24), (4, 12), (5, 24)],
}


def mixed_table() -> None:
    for name, pattern in MIXED.items():
        specs = [ShiftSpec(d, 0, h, k) for k, (d, h) in enumerate(pattern)]
        longest = max(h for _, h in pattern)
        worst = [0, 0]
        for n in range(2, 21):
            members = list(range(n))
            t = time.perf_counter()
            plan = rotation_plan(members=members, shifts=specs, start=START, end=START + timedelta(weeks=52))
            elapsed = (time.perf_counter() - t) * 1000
            spread = week_prefix_spreads(plan.assignments, specs, members)
            worst = [max(worst[0], spread["shifts"]), max(worst[1], spread["hours"])]
            print(
                f"oncall.mixed P={name} N={n:2d} shifts={spread['shifts']} hours={spread['hours']} "
                f"longest={longest} within={spread['shifts'] <= 2 and spread['hours'] <= longest} "
                f"mode={getattr(plan, 'mode', 'cyclic')} rotation_ms={elapsed:.1f}"
            )
        print(f"oncall.mixed P={name} worst shifts={worst[0]} hours={worst[1]} longest={longest}")


def random_mixed_pattern(rng):
    """Non-overlapping shifts on 1-7 distinct days, each 1-72 h, not all of one length."""
    while True:
        days = sorted(rng.sample(range(7), rng.randint(1, 7)))
        shifts = []
        for pos, day in enumerate(days):
            hour = rng.randint(0, 23)
            room = (((days[(pos + 1) % len(days)] - day) % 7) or 7) * 24 - hour
            shifts.append(ShiftSpec(day, hour * 60, rng.randint(1, max(1, min(72, room))), f"s{day}"))
        if len({s.duration_hours for s in shifts}) > 1:
            return shifts


def mixed_sweep() -> None:
    count = int(os.environ.get("BENCH_MIXED_SWEEP", "500"))
    rng = random.Random(7)
    balanced = certified = hours = shifts = pairs = 0
    worst = []
    cpu = time.process_time()
    for _ in range(count):
        specs, n = random_mixed_pattern(rng), rng.randint(3, 30)
        members = list(range(n))
        plan = rotation_plan(members=members, shifts=specs, start=START, end=START + timedelta(weeks=104))
        spread = week_prefix_spreads(plan.assignments, specs, members)
        longest = max(s.duration_hours for s in specs)
        hours += spread["hours"] > longest
        shifts += spread["shifts"] > 2
        pairs += bool(back_to_back(plan.assignments))
        if plan.mode == "balanced":
            balanced += 1
            certified += balanced_certificate(specs, n).proven
        if spread["hours"] > longest or spread["shifts"] > 2:
            worst.append(f"{[(s.weekday, s.duration_hours) for s in specs]} N={n}")
    print(
        f"oncall.mixed_sweep patterns={count} balanced={balanced} certified={certified} "
        f"violations_hours={hours} violations_shifts={shifts} back_to_back={pairs} "
        f"cpu_s={time.process_time() - cpu:.1f} load={os.getloadavg()[0]:.2f}"
    )
    for line in worst:
        print(f"oncall.mixed_sweep violation {line}")


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
    fairness_table(specs)
    mixed_table()
    mixed_sweep()
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        rotation_plan(members=list(range(20)), shifts=specs, start=START, end=START + timedelta(weeks=52))
        runs.append((time.perf_counter() - t) * 1000)
    print(f"oncall.rotation_52w_20m_ms p50={statistics.median(runs):.1f} p95={pct(runs, 0.95):.1f}")
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        rotation_plan(members=list(range(30)), shifts=specs, start=START, end=START + timedelta(weeks=104))
        runs.append((time.perf_counter() - t) * 1000)
    print(f"oncall.rotation_104w_30m_ms p50={statistics.median(runs):.1f} max={max(runs):.1f}")
    mixed = [ShiftSpec(d, 0, h, k) for k, (d, h) in enumerate(MIXED["24+12+24"])]
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        rotation_plan(members=list(range(30)), shifts=mixed, start=START, end=START + timedelta(weeks=104))
        runs.append((time.perf_counter() - t) * 1000)
    print(f"oncall.rotation_mixed_104w_30m_ms p50={statistics.median(runs):.1f} max={max(runs):.1f}")

    runs, cpu, queries = [], [], 0
    for _ in range(7):
        Assignment.objects.all().delete()
        t, c = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            services.schedule_generate(team=team, weeks=52, start=START)
        runs.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        queries = len(ctx.captured_queries)
    print(
        f"oncall.generate_52w_20m_ms p50={statistics.median(runs):.1f} max={max(runs):.1f} "
        f"cpu_p50={statistics.median(cpu):.1f} cpu_max={max(cpu):.1f} queries={queries} "
        f"rows={Assignment.objects.count()} load={os.getloadavg()[0]:.2f}"
    )

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench-viewer", password="x")
    user_set_role(user=user, role=VIEWER)
    client = APIClient()
    client.force_login(user)
    runs, queries = [], []
    for i in range(200):
        day = START + timedelta(days=(i * 37) % 360)
        at = f"{day:%Y-%m-%d}T{i % 24:02d}:30:00Z"
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
