"""Stored teacher-progress counts (what the district dashboard reads) against a recount from
scratch (what the school and teacher pages show), after every write that changes what counts:
imports and re-imports, overrides and their reversal, the unmatched queue, admin corrections and
deletions, targets, deactivation; at several instants, since planned sessions pass."""

import importlib
from datetime import UTC, datetime

import pytest
from celery import current_app
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from project.periodic import periodic_tasks_setup, registry
from volunteers.models import (
    ContactEmail,
    DeactivationSource,
    Event,
    EventStatus,
    ParticipationStatus,
    PathfulUnmatched,
    TeacherParticipation,
    TeacherProgress,
    UnmatchedKind,
)
from volunteers.services.events import event_status_change, event_update
from volunteers.virtual import progress as P
from volunteers.virtual import services, tasks

from .factories import DistrictFactory, SchoolFactory, TeacherFactory, VolunteerFactory
from .test_virtual_import import csv_bytes, run

YEAR = 2025
NOW = datetime(2025, 11, 15, 12, 0, tzinfo=UTC)  # the `frozen_now` instant
DEC_15 = datetime(2025, 12, 15, 12, 0, tzinfo=UTC)  # after S2 (Dec 1), before S4 (Mar 1)
APR_1 = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)  # every session has passed
INSTANTS = (NOW, DEC_15, APR_1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PATHFUL_PARTNER = "PREP-KC"


@pytest.fixture
def district(db):
    return DistrictFactory(name="Northside")


@pytest.fixture
def school(district):
    return SchoolFactory(name="Lincoln High", district=district)


@pytest.fixture
def teachers(school):
    found = []
    for n in range(6):
        t = TeacherFactory(first_name=f"Tea{n}", last_name="Cher", school=school)
        ContactEmail.objects.create(contact=t, email=f"t{n}@s.org", is_primary=True)
        found.append(t)
    VolunteerFactory(first_name="Sam", last_name="Rivera")
    return found


def rows_for(sessions):
    """(session id, status, date, [teacher numbers]) → Pathful rows, with a presenter each."""
    rows = []
    for sid, status, date, numbers in sessions:
        for n in numbers:
            email = f"t{n}@s.org" if isinstance(n, int) else n
            name = f"Tea{n} Cher" if isinstance(n, int) else "Zed Newcomer"
            rows.append([sid, "Careers", date, status, "45", "Educator", name, email, "Lincoln High", "PREP-KC"])
        rows.append([sid, "Careers", date, status, "45", "Professional", "Sam Rivera", "", "Lincoln High", "PREP-KC"])
    return rows


FIRST = [
    ("S1", "Completed", "2025-10-14 10:00", [0, 1]),
    ("S2", "Published", "2025-12-01 10:00", [2, 3]),
    ("S3", "Teacher No-Show", "2025-10-20 10:00", [4]),
    ("S4", "Published", "2026-03-01 10:00", [2, 5]),
    ("S5", "Cancelled", "2025-10-21 10:00", [5]),
]


def record(teacher) -> TeacherProgress:
    return TeacherProgress.objects.get(teacher=teacher, academic_year=YEAR)


def statuses(district, when) -> dict[str, str]:
    """Teacher e-mail → status at `when`, from the stored counts (the dashboard's conditions)."""
    found = {}
    for key, condition in P.status_at_sql(when).items():
        for email in TeacherProgress.objects.filter(condition, district=district, academic_year=YEAR).values_list(
            "email", flat=True
        ):
            found[email] = key
    return found


def assert_stored_equals_recount(district):
    records = list(P.progress_queryset(district_ids=[district.pk], academic_year=YEAR))
    assert records
    for when in INSTANTS:
        rows = P.progress_rows(progress=records, academic_year=YEAR, now=when)
        for row in rows:
            stored = (row.progress.sessions_completed, row.progress.in_progress_until)
            assert stored == (row.completed, row.in_progress_until), row.progress.email
        assert statuses(district, when) == {r.progress.email: r.status for r in rows}
        active = [r for r in rows if r.progress.is_active]
        assert P.school_counts(district_id=district.pk, academic_year=YEAR, now=when) == P.school_summaries(active)


def test_stored_counts_follow_every_write(client, coordinator, district, school, teachers, frozen_now):
    t = teachers
    run(csv_bytes(rows_for(FIRST)))
    assert_stored_equals_recount(district)
    assert statuses(district, NOW) == {
        "t0@s.org": P.ACHIEVED,
        "t1@s.org": P.ACHIEVED,
        "t2@s.org": P.IN_PROGRESS,
        "t3@s.org": P.IN_PROGRESS,
        "t4@s.org": P.NOT_STARTED,  # a no-show
        "t5@s.org": P.IN_PROGRESS,  # S5 cancelled, S4 planned
    }
    assert statuses(district, DEC_15)["t3@s.org"] == P.NOT_STARTED  # S2 has passed, never completed
    assert statuses(district, APR_1)["t5@s.org"] == P.NOT_STARTED

    # a target of 2 needs both planned sessions: in progress only until the earlier one starts
    P.progress_target_set(progress=record(t[2]), target=2)
    assert record(t[2]).in_progress_until == Event.objects.get(pathful__session_id="S2").start
    assert statuses(district, DEC_15)["t2@s.org"] == P.NOT_STARTED
    assert_stored_equals_recount(district)

    # re-import: S2 took place; a newcomer in S1 goes to the queue; the same file again changes nothing
    second = [
        ("S1", "Completed", "2025-10-14 10:00", [0, 1, "zed@s.org"]),
        ("S2", "Completed", "2025-12-01 10:00", [2, 3]),
    ]
    run(csv_bytes(rows_for(second + FIRST[2:])))
    assert (record(t[2]).sessions_completed, record(t[3]).sessions_completed) == (1, 1)
    assert statuses(district, APR_1)["t3@s.org"] == P.ACHIEVED
    assert statuses(district, DEC_15)["t2@s.org"] == P.IN_PROGRESS  # 1 done, S4 still to come
    assert_stored_equals_recount(district)
    assert P.progress_counts_recount(academic_years=[YEAR]) == 0

    # overrides: add, remove, reverse
    s1, s3 = (Event.objects.get(pathful__session_id=sid) for sid in ("S1", "S3"))
    services.override_add(progress=record(t[4]), event=s3, action="add", reason="Was there", user=coordinator)
    removed = services.override_add(progress=record(t[0]), event=s1, action="remove", reason="Other class")
    assert (record(t[4]).sessions_completed, record(t[0]).sessions_completed) == (1, 0)
    assert_stored_equals_recount(district)
    services.override_reverse(override=removed, reason="It was their class after all", user=coordinator)
    assert record(t[0]).sessions_completed == 1
    assert_stored_equals_recount(district)

    # the unmatched queue: the newcomer, linked, gets a row counted at once
    newcomer = TeacherFactory(first_name="Zed", last_name="Newcomer", school=school)
    ContactEmail.objects.create(contact=newcomer, email="zed@s.org", is_primary=True)
    queued = PathfulUnmatched.objects.get(kind=UnmatchedKind.TEACHER, email="zed@s.org")
    services.unmatched_link(row=queued, contact_id=newcomer.pk, user=coordinator)
    assert (record(newcomer).sessions_completed, statuses(district, NOW)["zed@s.org"]) == (1, P.ACHIEVED)
    assert_stored_equals_recount(district)

    # admin corrections: a participation deleted, a session deleted
    client.force_login(coordinator)
    part = TeacherParticipation.objects.get(event=s1, teacher=t[1])
    response = client.post(reverse("admin:volunteers_teacherparticipation_delete", args=[part.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert record(t[1]).sessions_completed == 0
    s4 = Event.objects.get(pathful__session_id="S4")
    response = client.post(reverse("admin:volunteers_event_delete", args=[s4.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Event.objects.filter(pk=s4.pk).exists()
    assert (record(t[2]).in_progress_until, record(t[5]).in_progress_until) == (None, None)
    assert_stored_equals_recount(district)

    # targets in bulk, deactivation and reactivation
    assert P.progress_target_set_for_school(school=school, academic_year=YEAR, target=2) == 6
    assert statuses(district, NOW)["t4@s.org"] == P.NOT_STARTED  # 1 of 2
    P.progress_deactivate(progress=record(t[3]), source=DeactivationSource.MANUAL, user=coordinator, reason="Left")
    assert_stored_equals_recount(district)
    P.progress_reactivate(progress=record(t[3]))
    assert_stored_equals_recount(district)

    # a write from outside the programme (a raw update): the nightly recount finds and fixes it
    TeacherParticipation.objects.filter(event=s1, teacher=t[0]).update(status=ParticipationStatus.NO_SHOW)
    assert P.progress_counts_recount(academic_years=[YEAR]) == 1
    assert P.progress_counts_recount(academic_years=[YEAR]) == 0
    assert_stored_equals_recount(district)

    # the dashboard and the school page agree
    dashboard = client.get(reverse("volunteers:virtual_dashboard") + f"?district={district.pk}&year={YEAR}")
    page = client.get(reverse("volunteers:virtual_school", args=[school.pk]) + f"?year={YEAR}")
    (summary,) = dashboard.context["schools"]
    shown = [r.status for r in page.context["rows"]]
    assert (summary.teachers, summary.achieved, summary.in_progress, summary.not_started) == (
        len(shown),
        shown.count(P.ACHIEVED),
        shown.count(P.IN_PROGRESS),
        shown.count(P.NOT_STARTED),
    )


def test_event_corrected_in_the_admin_recounts_its_teachers(client, coordinator, district, teachers, frozen_now):
    run(csv_bytes(rows_for(FIRST[:2])))
    s2 = Event.objects.get(pathful__session_id="S2")
    assert statuses(district, NOW)["t2@s.org"] == P.IN_PROGRESS
    client.force_login(coordinator)
    data = {
        "title": s2.title,
        "event_type": s2.event_type,
        "format": s2.format,
        "status": EventStatus.CANCELLED,
        "cancellation_reason": "weather",
        "start_0": "2025-12-01",
        "start_1": "10:00:00",
        "volunteers_needed": 0,
        "registered_count": 0,
        "attended_count": 0,
        "registered_student_count": 0,
        "attended_student_count": 0,
        "attended_educator_count": 0,
        **{
            f"{prefix}-{k}": 0
            for prefix in ("volunteer_participations", "student_participations", "teacher_participations")
            for k in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    response = client.post(reverse("admin:volunteers_event_change", args=[s2.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert statuses(district, NOW)["t2@s.org"] == P.NOT_STARTED
    assert_stored_equals_recount(district)


def test_event_status_changed_through_the_service_recounts_its_teachers(district, teachers, frozen_now):
    """The API and staff pages change a session through `event_update`: the stored counts follow."""
    run(csv_bytes(rows_for(FIRST[:2])))
    s2 = Event.objects.get(pathful__session_id="S2")
    assert statuses(district, NOW)["t2@s.org"] == P.IN_PROGRESS
    event_status_change(event=s2, status=EventStatus.CANCELLED, cancellation_reason="weather")
    assert statuses(district, NOW)["t2@s.org"] == P.NOT_STARTED
    event_update(event=s2, status=EventStatus.CONFIRMED)
    assert statuses(district, NOW)["t2@s.org"] == P.IN_PROGRESS
    assert_stored_equals_recount(district)


# --------------------------------------------------------------------------- schedule
def test_year_close_and_recount_are_scheduled(db):
    specs = {spec.task: spec for spec in registry()}
    close = specs["volunteers.virtual.tasks.progress_year_close"]
    assert (close.crontab["month_of_year"], close.crontab["day_of_month"]) == ("8", "1")
    assert specs["volunteers.virtual.tasks.progress_counts_recount"].crontab["hour"] == "3"
    periodic_tasks_setup()
    beat = PeriodicTask.objects.get(name=close.name)
    assert (beat.crontab.month_of_year, beat.crontab.day_of_month, beat.enabled) == ("8", "1", True)
    assert {close.task, "volunteers.virtual.tasks.progress_counts_recount"} <= set(current_app.tasks)


def test_year_close_task_on_aug_1_closes_the_year_that_ended(monkeypatch, district, teachers):
    run(csv_bytes(rows_for(FIRST[:1])))
    next_year = TeacherProgress.objects.get(teacher=teachers[0])
    next_year.pk, next_year.academic_year = None, YEAR + 1
    next_year.save()
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 8, 1, 6, 0, tzinfo=UTC))
    assert tasks.progress_year_close_on_aug_1() == {"academic_year": YEAR, "closed": 2}
    assert tasks.progress_year_close_on_aug_1() == {"academic_year": YEAR, "closed": 0}  # run twice: nothing more
    closed = TeacherProgress.objects.filter(academic_year=YEAR)
    assert set(closed.values_list("is_active", "deactivation_source")) == {(False, DeactivationSource.YEAR_END)}
    assert TeacherProgress.objects.get(academic_year=YEAR + 1).is_active


def test_recount_task_reports_and_corrects_drift(district, teachers, frozen_now):
    run(csv_bytes(rows_for(FIRST[:1])))
    assert tasks.progress_counts_recount_nightly() == {"corrected": 0}
    TeacherParticipation.objects.filter(teacher=teachers[0]).delete()  # a write that skipped the refresh
    assert tasks.progress_counts_recount_nightly() == {"corrected": 1}
    assert record(teachers[0]).sessions_completed == 0


def test_the_migration_counts_rows_that_existed_before_the_columns(district, teachers, frozen_now):
    run(csv_bytes(rows_for(FIRST)))
    TeacherProgress.objects.update(sessions_completed=0, in_progress_until=None)  # as added by the migration
    step = importlib.import_module("volunteers.migrations.0009_teacher_progress_stored_counts")
    step.count_existing_rows(django_apps, None)
    assert record(teachers[0]).sessions_completed == 1
    assert record(teachers[5]).in_progress_until == Event.objects.get(pathful__session_id="S4").start
    assert_stored_equals_recount(district)
