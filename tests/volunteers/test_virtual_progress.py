"""Teacher progress rules and rows, attendance overrides, magic links, teachers' issues, detail."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from project.email.models import EmailMessage
from volunteers.models import (
    AttendanceOverride,
    ContactEmail,
    DeactivationSource,
    EventAttendanceDetail,
    EventFormat,
    EventStatus,
    EventType,
    MagicLink,
    ParticipationStatus,
    TeacherIssue,
    TeacherParticipation,
    TeacherProgress,
)
from volunteers.reports import district_year_end_report
from volunteers.virtual import progress as P
from volunteers.virtual import services

from .factories import EventFactory, SchoolFactory, TeacherFactory, at

NOW = datetime(2025, 11, 15, 12, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- rules
@pytest.mark.parametrize(
    ("event_status", "part_status", "start", "expected"),
    [
        ("completed", "attended", NOW - timedelta(days=1), P.COMPLETED),
        ("Completed", "no_show", NOW - timedelta(days=1), P.NO_SHOW),  # no-show beats completed
        ("cancelled", "no_show", NOW - timedelta(days=1), P.NO_SHOW),  # no-show beats cancellation
        ("Canceled", "attended", NOW - timedelta(days=1), P.CANCELLED),  # cancellation beats completed
        ("published", "registered", NOW + timedelta(days=3), P.PLANNED),
        ("PUBLISHED", "Registered", NOW - timedelta(days=3), None),  # past and never completed
        ("No-Show", "registered", NOW - timedelta(days=3), P.NO_SHOW),
    ],
)
def test_session_class_priority(event_status, part_status, start, expected):
    upcoming = start >= NOW
    assert P.session_class(event_status=event_status, participation_status=part_status, upcoming=upcoming) == (expected)


@pytest.mark.parametrize(
    ("completed", "planned", "target", "expected"),
    [
        (1, 0, 1, (P.ACHIEVED, 100)),
        (5, 0, 2, (P.ACHIEVED, 100)),
        (1, 1, 2, (P.IN_PROGRESS, 50)),
        (0, 3, 3, (P.IN_PROGRESS, 0)),
        (1, 0, 3, (P.NOT_STARTED, 33)),
        (0, 0, 1, (P.NOT_STARTED, 0)),
    ],
)
def test_progress_status(completed, planned, target, expected):
    assert P.progress_status(completed=completed, planned=planned, target=target) == expected


# --------------------------------------------------------------------------- rows
@pytest.fixture
def school(db):
    return SchoolFactory(name="Lincoln High")


@pytest.fixture
def teacher(school):
    t = TeacherFactory(first_name="Ana", last_name="Ortiz", school=school)
    ContactEmail.objects.create(contact=t, email="ana@school.org", is_primary=True)
    return t


@pytest.fixture
def progress(teacher):
    assert P.teacher_progress_ensure(teacher_ids=[teacher.pk], academic_years=[2025]) == 1
    return TeacherProgress.objects.get()


def virtual(status, start, teacher, part_status):
    event = EventFactory(event_type=EventType.VIRTUAL_SESSION, format=EventFormat.VIRTUAL, status=status, start=start)
    TeacherParticipation.objects.create(event=event, teacher=teacher, status=part_status)
    return event


def test_progress_rows_count_per_teacher(progress, teacher):
    virtual(EventStatus.COMPLETED, at(2025, 10, 1), teacher, ParticipationStatus.ATTENDED)
    virtual(EventStatus.PUBLISHED, at(2025, 12, 1), teacher, ParticipationStatus.REGISTERED)
    virtual(EventStatus.NO_SHOW, at(2025, 9, 1), teacher, ParticipationStatus.NO_SHOW)
    virtual(EventStatus.COMPLETED, at(2025, 7, 1), teacher, ParticipationStatus.ATTENDED)  # previous year
    P.progress_target_set(progress=progress, target=3)
    (row,) = P.progress_rows(progress=[progress], academic_year=2025, now=NOW, with_sessions=True)
    assert (row.completed, row.planned, row.no_show, row.status, row.percent) == (1, 1, 1, P.NOT_STARTED, 33)
    assert len(row.sessions) == 3
    P.progress_target_set(progress=progress, target=2)
    (row,) = P.progress_rows(progress=[progress], academic_year=2025, now=NOW)
    assert (row.status, row.percent) == (P.IN_PROGRESS, 50)


def test_progress_rows_constant_queries(django_assert_num_queries, school):
    teachers = []
    for n in range(6):
        t = TeacherFactory(school=school)
        ContactEmail.objects.create(contact=t, email=f"t{n}@s.org", is_primary=True)
        virtual(EventStatus.COMPLETED, at(2025, 10, 1 + n), t, ParticipationStatus.ATTENDED)
        teachers.append(t.pk)
    P.teacher_progress_ensure(teacher_ids=teachers, academic_years=[2025])
    with django_assert_num_queries(3):
        rows = P.progress_rows(
            progress=P.progress_queryset(district_ids=None, academic_year=2025), academic_year=2025, now=NOW
        )
    assert [r.status for r in rows] == [P.ACHIEVED] * 6
    (summary,) = P.school_summaries(rows)
    assert (summary.name, summary.teachers, summary.achieved) == ("Lincoln High", 6, 6)


def test_ensure_keeps_existing_rows(progress, teacher):
    P.progress_target_set(progress=progress, target=4)
    assert P.teacher_progress_ensure(teacher_ids=[teacher.pk], academic_years=[2025, 2026]) == 1
    progress.refresh_from_db()
    assert progress.target_sessions == 4


def test_target_validation_and_bulk_per_school(progress, school):
    with pytest.raises(ValidationError) as exc:
        P.progress_target_set(progress=progress, target=0)
    assert "target_sessions" in exc.value.message_dict
    assert P.progress_target_set_for_school(school=school, academic_year=2025, target=3) == 1
    progress.refresh_from_db()
    assert progress.target_sessions == 3


def test_manual_deactivation_needs_reason_and_survives_roster_diff(progress, teacher, coordinator):
    with pytest.raises(ValidationError) as exc:
        P.progress_deactivate(progress=progress, source=DeactivationSource.MANUAL, user=coordinator, reason=" ")
    assert "reason" in exc.value.message_dict
    P.progress_deactivate(progress=progress, source=DeactivationSource.MANUAL, user=coordinator, reason="Left")
    progress.refresh_from_db()
    assert (progress.is_active, progress.deactivated_by, progress.deactivation_reason) == (False, coordinator, "Left")
    assert P.progress_roster_diff(academic_year=2025) == 0
    progress.refresh_from_db()
    assert progress.is_active is False and progress.deactivation_source == DeactivationSource.MANUAL


def test_manual_without_reason_refused_by_the_database(progress):
    progress.is_active, progress.deactivation_source = False, DeactivationSource.MANUAL
    with pytest.raises(IntegrityError):
        progress.save()


def test_roster_diff_follows_teacher_status(progress, teacher):
    teacher.status = teacher.Status.INACTIVE
    teacher.save()
    assert P.progress_roster_diff(academic_year=2025) == 1
    progress.refresh_from_db()
    assert (progress.is_active, progress.deactivation_source) == (False, DeactivationSource.ROSTER_DIFF)
    teacher.status = teacher.Status.ACTIVE
    teacher.save()
    assert P.progress_roster_diff(academic_year=2025) == 1
    progress.refresh_from_db()
    assert progress.is_active is True


# --------------------------------------------------------------------------- overrides
def test_override_add_remove_reverse(progress, teacher, coordinator):
    done = virtual(EventStatus.COMPLETED, at(2025, 10, 1), teacher, ParticipationStatus.ATTENDED)
    missed = virtual(EventStatus.COMPLETED, at(2025, 10, 2), teacher, ParticipationStatus.NO_SHOW)

    def row():
        return P.progress_rows(progress=[progress], academic_year=2025, now=NOW)[0]

    assert row().completed == 1
    removed = services.override_add(
        progress=progress, event=done, action="remove", reason="Wrong class", user=coordinator
    )
    assert removed.original["status"] == ParticipationStatus.ATTENDED
    assert row().completed == 0
    services.override_add(progress=progress, event=missed, action="add", reason="Was there", user=coordinator)
    assert (row().completed, row().no_show) == (1, 0)
    # the imported data is untouched
    assert TeacherParticipation.objects.get(event=done).status == ParticipationStatus.ATTENDED
    with pytest.raises(services.OverrideConflict):
        services.override_add(progress=progress, event=done, action="remove", reason="Again", user=coordinator)
    with pytest.raises(ValidationError) as exc:
        services.override_reverse(override=removed, reason="", user=coordinator)
    assert "reason" in exc.value.message_dict
    services.override_reverse(override=removed, reason="Class was right after all", user=coordinator)
    assert row().completed == 2
    with pytest.raises(services.OverrideConflict):
        services.override_reverse(override=removed, reason="twice", user=coordinator)
    removed.refresh_from_db()
    assert (removed.is_active, removed.reversed_by) == (False, coordinator)
    assert removed.history.count() == 2  # created, reversed: in the audit trail


def test_override_needs_reason(progress, teacher):
    event = virtual(EventStatus.COMPLETED, at(2025, 10, 1), teacher, ParticipationStatus.ATTENDED)
    with pytest.raises(ValidationError) as exc:
        services.override_add(progress=progress, event=event, action="remove", reason="  ")
    assert "reason" in exc.value.message_dict
    assert AttendanceOverride.objects.count() == 0


# --------------------------------------------------------------------------- magic links
def test_magic_link_for_known_teacher_sends_once_through_outbox(progress, django_capture_on_commit_callbacks):
    sent = []
    link = services.magic_link_request(email="ANA@school.org", link_for_token=lambda t: sent.append(t) or f"/t/{t}/")
    token = sent[0]
    assert len(token) >= 86  # 64 random bytes, URL-safe base64
    assert MagicLink.objects.get().token_hash != token  # only the hash is stored
    message = EmailMessage.objects.get()
    assert (message.purpose, message.to_email) == ("magic_link", "ana@school.org")
    assert token in message.body_text
    assert link.expires_at - link.created_at == timedelta(hours=48)
    assert services.magic_link_use(token=token) == "ana@school.org"
    with pytest.raises(services.MagicLinkInvalid, match="already used"):
        services.magic_link_use(token=token)


def test_magic_link_unknown_email_sends_nothing(db):
    assert services.magic_link_request(email="nobody@x.org", link_for_token=lambda t: t) is None
    assert EmailMessage.objects.count() == 0 and MagicLink.objects.count() == 0


def test_magic_link_expired_and_unknown(progress):
    sent = []
    services.magic_link_request(email="ana@school.org", link_for_token=sent.append, now=NOW - timedelta(hours=49))
    with pytest.raises(services.MagicLinkInvalid, match="expired"):
        services.magic_link_use(token=sent[0], now=NOW)
    with pytest.raises(services.MagicLinkInvalid, match="not valid"):
        services.magic_link_use(token="nope")


def test_teacher_issue_notifies_coordinators_through_the_outbox(progress, coordinator, staff_user):
    with pytest.raises(ValidationError) as exc:
        services.teacher_issue_flag(progress=progress, kind="other", text="")
    assert "text" in exc.value.message_dict
    coordinator.email = "coord@example.org"
    coordinator.save()
    issue = services.teacher_issue_flag(progress=progress, kind="missing_session", text="Oct 3 session")
    assert issue.status == TeacherIssue.Status.OPEN
    (alert,) = EmailMessage.objects.filter(purpose="admin_alert")
    assert alert.to_email == "coord@example.org"
    assert "Ana Ortiz (Lincoln High) flagged an issue: A session is missing." in alert.body_text
    assert "Oct 3 session" in alert.body_text


# --------------------------------------------------------------------------- attendance detail
@pytest.mark.parametrize(
    ("classrooms", "rotations", "total", "expected"),
    [(4, 2, 90, 11), (3, 1, 90, 30), (0, 2, 90, None), (None, 2, 90, None), (4, 2, None, None), (4, 2, 0, None)],
)
def test_students_per_volunteer(db, classrooms, rotations, total, expected):
    event = EventFactory(format=EventFormat.IN_PERSON)
    detail = services.attendance_detail_set(
        event=event, classrooms=classrooms, rotations=rotations, total_students=total
    )
    assert detail.students_per_volunteer == expected
    assert EventAttendanceDetail.objects.count() == 1


def test_year_end_report_and_event_page_show_students_per_volunteer(client, coordinator, db):
    school = SchoolFactory()
    for classrooms, rotations, total in ((4, 2, 90), (2, 1, 30), (0, 1, 500)):  # the last has no figure
        event = EventFactory(format=EventFormat.IN_PERSON, school=school, start=at(2025, 10, 1))
        event.districts.add(school.district)
        services.attendance_detail_set(event=event, classrooms=classrooms, rotations=rotations, total_students=total)
    report = district_year_end_report(district=school.district, year=2025)
    assert report.data["students_per_volunteer"] == (90 + 30) // (8 + 2)
    client.force_login(coordinator)
    first = EventAttendanceDetail.objects.get(classrooms=4).event
    page = client.get(f"/volunteers/events/{first.pk}/").content.decode()
    assert "<strong>11</strong> students per volunteer" in page
    empty = district_year_end_report(district=SchoolFactory().district, year=2025)
    assert empty.data["students_per_volunteer"] is None


# --------------------------------------------------------------------------- stored counts
def test_stored_counts_are_the_rows_for_every_status_pair_at_any_instant(school):
    """The stored counts (written once, whatever the clock) give each row the status `progress_rows`
    gives it at every instant: one teacher per (event status, participation status, date) pair,
    read before, between and after the sessions; and some with several sessions and targets."""
    combos = [
        (event, part, start)
        for event in EventStatus.values
        for part in ParticipationStatus.values
        for start in (at(2025, 10, 1), at(2026, 3, 1))
    ]
    teachers = []
    for n, (event, part, start) in enumerate(combos):
        t = TeacherFactory(school=school)
        ContactEmail.objects.create(contact=t, email=f"c{n}@s.org", is_primary=True)
        virtual(event, start, t, part)
        teachers.append(t.pk)
    for n in range(2):  # done one, two planned: in progress until the last one needed starts
        t = TeacherFactory(school=school)
        ContactEmail.objects.create(contact=t, email=f"m{n}@s.org", is_primary=True)
        virtual(EventStatus.COMPLETED, at(2025, 9, 1), t, ParticipationStatus.ATTENDED)
        virtual(EventStatus.PUBLISHED, at(2025, 12, 1), t, ParticipationStatus.REGISTERED)
        virtual(EventStatus.CONFIRMED, at(2026, 2, 1), t, ParticipationStatus.REGISTERED)
        teachers.append(t.pk)
    P.teacher_progress_ensure(teacher_ids=teachers, academic_years=[2025])
    for n, target in enumerate((2, 3)):
        P.progress_target_set(progress=TeacherProgress.objects.get(email=f"m{n}@s.org"), target=target)
    records = list(TeacherProgress.objects.filter(teacher_id__in=teachers))
    seen = set()
    for when in (NOW, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)):
        stored = {
            email: key
            for key, condition in P.status_at_sql(when).items()
            for email in TeacherProgress.objects.filter(condition, teacher_id__in=teachers).values_list(
                "email", flat=True
            )
        }
        rows = P.progress_rows(progress=records, academic_year=2025, now=when)
        assert stored == {r.progress.email: r.status for r in rows}
        assert [r.progress.sessions_completed for r in rows] == [r.completed for r in rows]
        seen.update((r.progress.email, r.status) for r in rows if r.progress.email.startswith("m"))
    assert seen == {
        ("m0@s.org", P.IN_PROGRESS),  # 1 + 2 planned ≥ 2 until Feb 1
        ("m0@s.org", P.NOT_STARTED),
        ("m1@s.org", P.IN_PROGRESS),  # 1 + 2 planned ≥ 3 until Dec 1
        ("m1@s.org", P.NOT_STARTED),
    }
    statuses_now = {r.status for r in P.progress_rows(progress=records, academic_year=2025, now=NOW)}
    assert statuses_now == {P.ACHIEVED, P.IN_PROGRESS, P.NOT_STARTED}


@pytest.mark.parametrize(
    ("completed", "starts", "target", "expected"),
    [
        (1, [at(2025, 12, 1)], 1, None),  # achieved
        (0, [], 1, None),  # nothing planned
        (0, [at(2025, 12, 1), at(2026, 2, 1)], 1, at(2026, 2, 1)),  # in progress until the later one
        (0, [at(2026, 2, 1), at(2025, 12, 1)], 2, at(2025, 12, 1)),  # needs both
        (0, [at(2025, 12, 1)], 2, None),  # too few planned
    ],
)
def test_in_progress_until(completed, starts, target, expected):
    assert P.in_progress_until(completed=completed, planned_starts=starts, target=target) == expected


def test_school_counts_match_the_rows_with_overrides_and_targets(school, teacher, progress, coordinator):
    other = SchoolFactory(name="Adams Middle", district=school.district)
    done = virtual(EventStatus.COMPLETED, at(2025, 10, 1), teacher, ParticipationStatus.ATTENDED)
    services.override_add(progress=progress, event=done, action="remove", reason="Wrong class", user=coordinator)
    pks = []
    for n, (s, part, status, target) in enumerate(
        [
            (school, ParticipationStatus.ATTENDED, EventStatus.COMPLETED, 1),  # achieved
            (school, ParticipationStatus.ATTENDED, EventStatus.COMPLETED, 2),  # 1 of 2, nothing planned
            (other, ParticipationStatus.REGISTERED, EventStatus.PUBLISHED, 1),  # planned → in progress
            (other, ParticipationStatus.NO_SHOW, EventStatus.COMPLETED, 1),  # not started
        ]
    ):
        t = TeacherFactory(school=s)
        ContactEmail.objects.create(contact=t, email=f"s{n}@s.org", is_primary=True)
        start = at(2026, 3, 1) if status == EventStatus.PUBLISHED else at(2025, 10, 2)
        virtual(status, start, t, part)
        P.teacher_progress_ensure(teacher_ids=[t.pk], academic_years=[2025])
        row = TeacherProgress.objects.get(teacher=t)
        P.progress_target_set(progress=row, target=target)
        pks.append(row)
    missed = virtual(EventStatus.COMPLETED, at(2025, 10, 3), pks[3].teacher, ParticipationStatus.NO_SHOW)
    services.override_add(progress=pks[3], event=missed, action="add", reason="Was there", user=coordinator)
    P.progress_deactivate(progress=pks[1], source=DeactivationSource.MANUAL, user=coordinator, reason="Left")
    counted = P.school_counts(district_id=school.district_id, academic_year=2025, now=NOW)
    rows = P.progress_rows(
        progress=P.progress_queryset(district_ids=[school.district_id], academic_year=2025).filter(is_active=True),
        academic_year=2025,
        now=NOW,
    )
    assert counted == P.school_summaries(rows)
    assert [(s.name, s.teachers, s.achieved, s.in_progress, s.not_started) for s in counted] == [
        ("Adams Middle", 2, 1, 1, 0),
        ("Lincoln High", 2, 1, 0, 1),
    ]


def test_year_close_deactivates_a_finished_year_with_its_source(progress, coordinator):
    with pytest.raises(ValidationError):
        P.progress_year_close(academic_year=2025, user=coordinator, today=NOW.date())  # not over yet
    assert P.progress_year_close(academic_year=2025, user=coordinator, today=datetime(2026, 8, 1).date()) == 1
    progress.refresh_from_db()
    assert (progress.is_active, progress.deactivation_source, progress.deactivated_by) == (
        False,
        DeactivationSource.YEAR_END,
        coordinator,
    )
    assert P.progress_year_close(academic_year=2025, today=datetime(2026, 8, 1).date()) == 0
