"""Teacher-programme pages: progress, scope, exports, imports, the queue, overrides, magic links."""

import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from project.email.models import EmailMessage
from volunteers.models import (
    AttendanceOverride,
    ContactEmail,
    EventFormat,
    EventStatus,
    EventType,
    ParticipationStatus,
    PathfulImport,
    PathfulUnmatched,
    TeacherIssue,
    TeacherParticipation,
    TeacherProgress,
    UnmatchedKind,
    ViewerDistrict,
)
from volunteers.virtual import importing, progress

from .factories import DistrictFactory, EventFactory, SchoolFactory, TeacherFactory
from .test_virtual_import import csv_bytes, session_rows


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    cache.clear()


@pytest.fixture
def district(db):
    return DistrictFactory(name="Northside")


@pytest.fixture
def school(district):
    return SchoolFactory(name="Lincoln High", district=district)


def make_teacher(school, n, *, done=0, planned=0):
    t = TeacherFactory(first_name=f"T{n}", last_name="Teach", school=school)
    ContactEmail.objects.create(contact=t, email=f"t{n}@s.org", is_primary=True)
    for _i in range(done):
        e = EventFactory(event_type=EventType.VIRTUAL_SESSION, format=EventFormat.VIRTUAL, status=EventStatus.COMPLETED)
        TeacherParticipation.objects.create(event=e, teacher=t, status=ParticipationStatus.ATTENDED)
    for i in range(planned):
        e = EventFactory(
            event_type=EventType.VIRTUAL_SESSION,
            format=EventFormat.VIRTUAL,
            status=EventStatus.PUBLISHED,
            start=timezone.now() + timedelta(days=10 + i),
        )
        TeacherParticipation.objects.create(event=e, teacher=t, status=ParticipationStatus.REGISTERED)
    progress.teacher_progress_ensure(teacher_ids=[t.pk], academic_years=[2025])
    return TeacherProgress.objects.get(teacher=t)


def url(name, *args, **query):
    base = reverse(f"volunteers:{name}", args=args)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --------------------------------------------------------------------------- progress pages
def test_dashboard_counts_and_constant_queries(client, coordinator, school, district, frozen_now):
    make_teacher(school, 1, done=1)
    make_teacher(school, 2)
    client.force_login(coordinator)
    client.get(url("virtual_dashboard", district=district.pk, year=2025))  # session, caches
    with CaptureQueriesContext(connection) as small:
        response = client.get(url("virtual_dashboard", district=district.pk, year=2025))
    assert response.status_code == 200
    school_row = response.context["schools"][0]
    assert (school_row.teachers, school_row.achieved, school_row.not_started) == (2, 1, 1)
    other = SchoolFactory(name="Adams Middle", district=district)
    for n in range(3, 13):
        make_teacher(school if n % 2 else other, n, done=1 if n < 10 else 0, planned=1 if n >= 11 else 0)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url("virtual_dashboard", district=district.pk, year=2025))
    assert len(large.captured_queries) == len(small.captured_queries) > 0  # 2 teachers or 12, 1 school or 2
    # One GROUP BY over the stored counts; the sessions themselves are not read.
    assert sum("volunteers_teacherparticipation" in q["sql"] for q in large.captured_queries) == 0
    assert sum('"volunteers_teacherprogress"' in q["sql"] for q in large.captured_queries) == 1
    assert [(s.name, s.teachers, s.achieved, s.in_progress, s.not_started) for s in response.context["schools"]] == [
        ("Adams Middle", 5, 3, 1, 1),
        ("Lincoln High", 7, 5, 1, 1),
    ]
    assert response.context["totals"] == {"achieved": 8, "in_progress": 2, "not_started": 2}
    assert response.context["teachers"] == 12


def test_dashboard_queries_are_the_same_for_10_and_100_teachers(client, coordinator, district, frozen_now):
    schools = [SchoolFactory(name=f"School {n}", district=district) for n in range(4)]
    records = [make_teacher(schools[n % 4], n) for n in range(100)]
    TeacherProgress.objects.filter(pk__in=[r.pk for r in records[90:]]).update(is_active=False)
    client.force_login(coordinator)
    dashboard = url("virtual_dashboard", district=district.pk, year=2025)
    client.get(dashboard)  # session, caches
    with CaptureQueriesContext(connection) as hundred:
        response = client.get(dashboard)
    assert response.context["teachers"] == 90
    TeacherProgress.objects.filter(pk__in=[r.pk for r in records[10:]]).update(is_active=False)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(dashboard)
    assert response.context["teachers"] == 10
    assert [s.teachers for s in response.context["schools"]] == [3, 3, 2, 2]
    assert len(ten.captured_queries) == len(hundred.captured_queries) <= 10


def test_dashboard_bad_year_is_400(client, coordinator, district):
    client.force_login(coordinator)
    response = client.get(url("virtual_dashboard", district=district.pk, year="abc"))
    assert response.status_code == 400
    assert "year" in response.context["form"].errors


def test_district_viewer_sees_only_their_district(client, viewer, school, district):
    other_school = SchoolFactory(district=DistrictFactory(name="Southside"))
    mine = make_teacher(school, 1)
    theirs = make_teacher(other_school, 2)
    ViewerDistrict.objects.create(user=viewer, district=district)
    client.force_login(viewer)
    assert client.get(url("virtual_dashboard", district=district.pk, year=2025)).status_code == 200
    assert client.get(url("virtual_dashboard", district=other_school.district_id, year=2025)).status_code == 400
    assert client.get(url("virtual_teacher", mine.pk)).status_code == 200
    assert client.get(url("virtual_teacher", theirs.pk)).status_code == 404
    assert client.get(url("virtual_school", other_school.pk)).status_code == 404
    assert client.get(url("virtual_unmatched")).status_code == 403 or not viewer.has_perm(
        "volunteers.change_pathfulunmatched"
    )


def test_school_page_and_bulk_target(client, coordinator, school):
    record = make_teacher(school, 1, done=1)
    client.force_login(coordinator)
    response = client.get(url("virtual_school", school.pk, year=2025))
    assert [r.status for r in response.context["rows"]] == [progress.ACHIEVED]
    response = client.post(url("virtual_school", school.pk, year=2025), {"target": 3})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.target_sessions == 3


def test_staff_cannot_change_targets(client, staff_user, school):
    make_teacher(school, 1)
    client.force_login(staff_user)
    assert client.post(url("virtual_school", school.pk, year=2025), {"target": 3}).status_code == 403


def test_export_csv_and_xlsx(client, coordinator, school, district):
    make_teacher(school, 1, done=1)
    client.force_login(coordinator)
    response = client.get(url("virtual_export", district=district.pk, year=2025))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("District,School,Teacher,Email")
    assert lines[1].split(",")[-2:] == ["Achieved", "100"]
    response = client.get(url("virtual_export", district=district.pk, year=2025, format="xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C2"].value == "T1 Teach" and sheet["K2"].value == "Achieved"


# --------------------------------------------------------------------------- overrides on the page
def test_teacher_page_override_flow(client, coordinator, school):
    record = make_teacher(school, 1, done=1)
    event_id = TeacherParticipation.objects.get().event_id
    client.force_login(coordinator)
    data = {"op": "override", "event_id": event_id, "action": "remove", "reason": "Wrong teacher"}
    assert client.post(url("virtual_teacher", record.pk), data).status_code == 302
    response = client.post(url("virtual_teacher", record.pk), data)
    assert response.status_code == 409
    response = client.get(url("virtual_teacher", record.pk))
    assert response.context["row"].completed == 0
    override = AttendanceOverride.objects.get()
    response = client.post(url("virtual_teacher", record.pk), {"op": "reverse", "override_id": override.pk})
    assert response.status_code == 400
    client.post(url("virtual_teacher", record.pk), {"op": "reverse", "override_id": override.pk, "reason": "Right"})
    assert client.get(url("virtual_teacher", record.pk)).context["row"].completed == 1


def test_deactivate_needs_reason_on_the_page(client, coordinator, school):
    record = make_teacher(school, 1)
    client.force_login(coordinator)
    response = client.post(url("virtual_teacher", record.pk), {"op": "deactivate", "reason": ""})
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.is_active


# --------------------------------------------------------------------------- imports and queue
def test_upload_page_rejects_missing_columns(client, coordinator):
    client.force_login(coordinator)
    upload = io.BytesIO(b"Session ID,Title\nS1,x\n")
    upload.name = "r.csv"
    response = client.post(url("virtual_imports"), {"file": upload})
    assert response.status_code == 400
    assert "Missing required column(s): Date, Status, SignUp Role, Name, Partner." in response.content.decode()
    assert PathfulImport.objects.count() == 0


def test_upload_page_starts_a_job(client, coordinator, monkeypatch, django_capture_on_commit_callbacks):
    started = []
    monkeypatch.setattr(importing, "job_start", lambda **kw: started.append(kw))
    client.force_login(coordinator)
    upload = io.BytesIO(csv_bytes(session_rows()))
    upload.name = "r.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("virtual_imports"), {"file": upload})
    assert response.status_code == 302
    assert started[0]["params"] == {"import_id": PathfulImport.objects.get().pk}


def test_unmatched_page_lists_and_resolves(client, coordinator, school, settings):
    settings.PATHFUL_PARTNER = "PREP-KC"
    log = PathfulImport.objects.create(filename="x.csv")
    for n in range(5):
        PathfulUnmatched.objects.create(
            kind=UnmatchedKind.TEACHER,
            session_id=f"S{n}",
            person_key=f"p{n}",
            name=f"Zed <b>{n}</b>",
            first_import=log,
            last_import=log,
        )
    client.force_login(coordinator)
    response = client.get(url("virtual_unmatched"))
    assert len(response.context["rows"]) == 5
    assert "Zed &lt;b&gt;0&lt;/b&gt;" in response.content.decode()
    row = PathfulUnmatched.objects.first()
    response = client.post(url("virtual_unmatched"), {"row_id": row.pk, "action": "link"})
    assert response.status_code == 400
    response = client.post(url("virtual_unmatched"), {"row_id": row.pk, "action": "ignore", "note": "test data"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.resolved_by, row.resolution_note) == ("ignored", coordinator, "test data")


def test_unmatched_list_constant_queries(client, coordinator, django_assert_max_num_queries):
    log = PathfulImport.objects.create(filename="x.csv")
    client.force_login(coordinator)

    def add(n):
        PathfulUnmatched.objects.create(
            kind="teacher", session_id=f"S{n}", person_key=f"p{n}", name="x", first_import=log, last_import=log
        )

    add(0)
    with django_assert_max_num_queries(12) as first:
        client.get(url("virtual_unmatched"))
    for n in range(1, 15):
        add(n)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url("virtual_unmatched"))


# --------------------------------------------------------------------------- magic links
def test_magic_link_flow(client, school, frozen_now):
    record = make_teacher(school, 1, done=1)
    response = client.post(url("virtual_magic_request"), {"email": "T1@s.org"})
    unknown = client.post(url("virtual_magic_request"), {"email": "nobody@s.org"})
    assert response.status_code == unknown.status_code == 200
    assert response.content.decode().count("a link is on its way") == 1
    assert unknown.content.decode().count("a link is on its way") == 1
    message = EmailMessage.objects.get()
    link = re.search(r"https?://\S+", message.body_text).group(0)
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200  # a confirm button; scanners do not use the link up
    response = client.post(path)
    assert response.status_code == 302
    response = client.get(url("virtual_teacher_me"))
    assert response.status_code == 200
    assert response.context["rows"][0].progress == record
    response = client.post(url("virtual_teacher_me"), {"kind": "not_there", "text": "Oct 1: I was sick"})
    assert response.status_code == 302
    assert TeacherIssue.objects.get().progress == record
    second = client.post(path)
    assert second.status_code == 410 and "already used" in second.content.decode()


def test_magic_link_bad_token_is_friendly(client, db):
    response = client.post(url("virtual_magic_open", "not-a-token"))
    assert response.status_code == 410 and "not valid" in response.content.decode()
    assert client.get(url("virtual_teacher_me")).status_code == 403


def test_magic_link_rate_limited(client, school):
    make_teacher(school, 1)
    for _ in range(20):
        client.post(url("virtual_magic_request"), {"email": "t1@s.org"})
    assert EmailMessage.objects.count() == 5
    assert client.post(url("virtual_magic_request"), {"email": "t1@s.org"}).status_code == 429


def test_issues_queue(client, coordinator, school):
    record = make_teacher(school, 1)
    issue = TeacherIssue.objects.create(progress=record, kind="other", text="hello")
    client.force_login(coordinator)
    assert [i.pk for i in client.get(url("virtual_issues")).context["issues"]] == [issue.pk]
    client.post(url("virtual_issues"), {"issue_id": issue.pk})
    issue.refresh_from_db()
    assert issue.status == "resolved"


def test_attendance_detail_page(client, coordinator, db):
    event = EventFactory(format=EventFormat.IN_PERSON)
    client.force_login(coordinator)
    response = client.post(
        url("virtual_attendance_detail", event.pk), {"classrooms": 4, "rotations": 2, "total_students": 90}
    )
    assert response.status_code == 302
    assert event.attendance_detail.students_per_volunteer == 11
    response = client.post(url("virtual_attendance_detail", event.pk), {"classrooms": -1})
    assert response.status_code == 400
