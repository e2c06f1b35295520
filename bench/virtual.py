"""Benchmark of the teacher programme: a 20,000-row Pathful import (first run and re-import), the
memory an import takes at 5,000 and 20,000 rows (peak resident memory over the process's level
before the run, sampled every 5 ms), a full recount of the stored progress counts of 2,000
teachers (the nightly safety net; "drifted" must be 0 after the imports), and the district
progress dashboard with 2,000 teachers (p50, p95 and the queries per request).

Run from the repo root: `.venv/bin/python bench/virtual.py` (a throwaway SQLite file), or set
BENCH_DATABASE_URL for PostgreSQL. BENCH_PATHFUL_ROWS (default 20000) sets the file's size.
Prints `virtual.<name> …` lines.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import random
import statistics
import tempfile
import threading
import time
from datetime import timedelta

from _setup import django_setup

django_setup("virtual")

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from project.roles import COORDINATOR, sync_roles, user_set_role
from volunteers import rules
from volunteers.models import ContactEmail, District, PathfulImport, School, Teacher, Volunteer
from volunteers.virtual import importing, progress

TEACHERS = 2000
SCHOOLS = 40
PRESENTERS = 400


def build_people() -> District:
    district = District.objects.create(name="Bench District")
    schools = [School.objects.create(name=f"Bench School {n}", district=district) for n in range(SCHOOLS)]
    teachers = [
        Teacher(first_name=f"Teach{n}", last_name=f"Er{n}", school=schools[n % SCHOOLS]) for n in range(TEACHERS)
    ]
    for t in teachers:
        t.kind = "teacher"
    with transaction.atomic():
        for t in teachers:  # multi-table inheritance: no bulk_create
            t.save()
        ContactEmail.objects.bulk_create(
            [ContactEmail(contact=t, email=f"t{n}@bench.example.org", is_primary=True) for n, t in enumerate(teachers)]
        )
        for n in range(PRESENTERS):
            v = Volunteer.objects.create(first_name=f"Pres{n}", last_name=f"Enter{n}")
            ContactEmail.objects.create(contact=v, email=f"p{n}@bench.example.org", is_primary=True)
    return district


def pathful_file(rows: int, *, prefix: str = "B") -> bytes:
    rnd = random.Random(7)
    today = timezone.localdate()
    first = rules.academic_year_bounds(rules.academic_year_of(today))[0]
    statuses = ["Completed"] * 6 + ["Published", "Requested", "Teacher No-Show", "Cancelled", "Draft"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Session ID", "Title", "Date", "Status", "Duration", "SignUp Role", "Name", "Email", "School", "Partner"]
    )
    written, session = 0, 0
    while written < rows:
        session += 1
        status = rnd.choice(statuses)
        day = first + timedelta(days=rnd.randint(0, 300))
        school = f"Bench School {rnd.randrange(SCHOOLS)}"
        date = f"{day:%Y-%m-%d} 10:00"
        for _ in range(3):
            n = rnd.randrange(TEACHERS)
            writer.writerow(
                [
                    f"{prefix}{session}",
                    "Career talk",
                    date,
                    status,
                    "45",
                    "Educator",
                    f"Teach{n} Er{n}",
                    f"t{n}@bench.example.org",
                    school,
                    "PREP-KC",
                ]
            )
        n = rnd.randrange(PRESENTERS)
        writer.writerow(
            [
                f"{prefix}{session}",
                "Career talk",
                date,
                status,
                "45",
                "Professional",
                f"Pres{n} Enter{n}",
                f"p{n}@bench.example.org",
                school,
                "PREP-KC",
            ]
        )
        written += 4
    return out.getvalue().encode()


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def run_import(content: bytes) -> tuple[PathfulImport, float, float]:
    """(log, seconds, peak resident MB above the level before the run)."""
    log = PathfulImport(filename="bench.csv")
    log.upload.save("bench.csv", ContentFile(content), save=False)
    log.save()
    del content
    gc.collect()
    before = peak = _rss_mb()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.005):
            peak = max(peak, _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    log = importing.pathful_import_run(import_id=log.pk)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return log, seconds, max(peak, _rss_mb()) - before


def main() -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="crewbase-bench-media-")
    call_command("migrate", verbosity=0)
    sync_roles()
    district = build_people()
    rows = int(os.environ.get("BENCH_PATHFUL_ROWS", "20000"))
    content = pathful_file(rows)
    log, seconds, grew = run_import(content)
    print(
        f"virtual.pathful_import rows={log.rows} sessions={log.sessions} created={log.events_created} "
        f"matched={log.people_matched} seconds={seconds:.1f} peak_rss_mb=+{grew:.0f}",
        flush=True,
    )
    again, seconds, grew = run_import(content)
    print(
        f"virtual.pathful_reimport created={again.events_created} updated={again.events_updated} "
        f"seconds={seconds:.1f} peak_rss_mb=+{grew:.0f}",
        flush=True,
    )
    for size in (rows // 4, rows):  # other session ids (a fresh file): a first import of each size
        _log, seconds, grew = run_import(pathful_file(size, prefix=f"M{size}-"))
        print(f"virtual.pathful_memory rows={size} seconds={seconds:.1f} peak_rss_mb=+{grew:.0f}", flush=True)
    year = rules.academic_year_of(timezone.localdate())
    progress.teacher_progress_ensure(teacher_ids=Teacher.objects.values_list("pk", flat=True), academic_years=[year])
    # The imports kept the stored counts: a full recount finds no drift; its time is what the
    # nightly recount (and the largest refresh a write can ask for) costs.
    started = time.perf_counter()
    drifted = progress.progress_counts_recount(academic_years=[year])
    seconds = time.perf_counter() - started
    schools = progress.school_counts(district_id=district.pk, academic_year=year)
    totals = {key: sum(getattr(s, key) for s in schools) for key in progress.STATUS_LABELS}
    print(
        f"virtual.progress_recount_{TEACHERS}_teachers seconds={seconds:.2f} drifted={drifted} "
        + " ".join(f"{key}={n}" for key, n in totals.items()),
        flush=True,
    )
    user = get_user_model().objects.create(username="bench-coordinator")
    user_set_role(user=user, role=COORDINATOR)
    client = Client()
    client.force_login(user)
    url = f"/volunteers/virtual/?district={district.pk}&year={year}"
    assert client.get(url, secure=True).status_code == 200
    queries = []

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        client.get(url, secure=True)
    times = []
    for _ in range(15):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    print(
        f"virtual.district_dashboard_{TEACHERS}_teachers p50={statistics.median(times):.1f}ms "
        f"p95={times[-1]:.1f}ms queries={len(queries)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
