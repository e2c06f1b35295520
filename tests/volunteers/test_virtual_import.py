"""Pathful import: file checks, partner filter, upsert, status table, unmatched queue, corrections."""

import csv
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from openpyxl import Workbook

from volunteers import rules
from volunteers.models import (
    ContactEmail,
    Event,
    EventFormat,
    EventStatus,
    ParticipationStatus,
    PathfulImport,
    PathfulSession,
    PathfulUnmatched,
    TeacherParticipation,
    TeacherProgress,
    UnmatchedKind,
    UnmatchedStatus,
    VolunteerParticipation,
)
from volunteers.virtual import importing, pathful, services
from volunteers.virtual.matching import ContactMatcher, Match, name_key, name_keys

from .factories import SchoolFactory, TeacherFactory, VolunteerFactory

HEADER = ["Session ID", "Title", "Date", "Status", "Duration", "SignUp Role", "Name", "Email", "School", "Partner"]


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(content: bytes, filename="report.csv") -> PathfulImport:
    """The job's work, synchronously: create the log with the file, then run it."""
    importing.pathful_upload_check(content=content, filename=filename)
    log = PathfulImport(filename=filename)
    log.upload.save("t.bin", ContentFile(content), save=False)
    log.save()
    return importing.pathful_import_run(import_id=log.pk)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PATHFUL_PARTNER = "PREP-KC"


@pytest.fixture
def school(db):
    return SchoolFactory(name="Lincoln High")


@pytest.fixture
def teacher(school):
    t = TeacherFactory(first_name="Ana", last_name="Ortiz-Lopez", school=school)
    ContactEmail.objects.create(contact=t, email="ana.ortiz@school.org", is_primary=True)
    return t


@pytest.fixture
def presenter(db):
    return VolunteerFactory(first_name="Sam", last_name="Rivera")


def session_rows(sid="S1", status="Completed", date="2025-10-14 10:00", teacher="Ana Ortiz-Lopez", partner="PREP-KC"):
    return [
        [sid, "Careers in Health", date, status, "45", "Educator", teacher, "", "Lincoln High", partner],
        [sid, "Careers in Health", date, status, "45", "Professional", "Sam Rivera", "", "Lincoln High", partner],
    ]


# --------------------------------------------------------------------------- file checks
def test_missing_columns_are_named_and_nothing_is_written(db):
    content = csv_bytes([["S1", "x"]], header=["Session ID", "Title", "Partner"])
    with pytest.raises(ValidationError) as exc:
        importing.pathful_upload_check(content=content, filename="r.csv")
    assert exc.value.message_dict["file"] == ["Missing required column(s): Date, Status, SignUp Role, Name."]
    assert PathfulImport.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "neither an Excel (.xlsx) file nor UTF-8 CSV text"),
        (b"PK\x03\x04garbage-not-a-zip", "is not a readable Excel (.xlsx) file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "Old Excel (.xls) files are not supported"),
        (b"", "The file is empty."),
    ],
)
def test_bad_files_get_a_clear_message(db, content, message):
    with pytest.raises(ValidationError) as exc:
        importing.pathful_upload_check(content=content, filename="r.xlsx")
    assert message in exc.value.message_dict["file"][0]


def test_a_file_over_the_limit_is_refused(db, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValidationError) as exc:
        importing.pathful_upload_check(content=b"x" * 101, filename="r.csv")
    assert "larger than" in exc.value.message_dict["file"][0]


# --------------------------------------------------------------------------- status table
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Completed", (rules.COMPLETED, rules.P_ATTENDED, "")),
        ("No-Show", (rules.NO_SHOW, rules.P_NO_SHOW, "")),
        ("Teacher No Show", (rules.NO_SHOW, rules.P_NO_SHOW, "")),
        ("CANCELED", (rules.CANCELLED, rules.P_CANCELLED, "")),
        ("Presenter Cancelled", (rules.CANCELLED, rules.P_CANCELLED, "presenter")),
        ("Cancelled by Teacher", (rules.CANCELLED, rules.P_CANCELLED, "teacher")),
        ("draft", (rules.DRAFT, rules.P_REGISTERED, "")),
        ("Requested", (rules.REQUESTED, rules.P_REGISTERED, "")),
        ("Published", (rules.PUBLISHED, rules.P_REGISTERED, "")),
        ("Rescheduled", None),
        ("", None),
    ],
)
def test_status_table(raw, expected):
    assert pathful.status_map(raw) == expected


# --------------------------------------------------------------------------- matching
def test_name_keys_handle_order_middle_names_and_hyphens():
    assert name_key("Mary Ann", "Smith-Jones") == "mary|smith jones"
    assert "mary|smith jones" in name_keys("Smith-Jones, Mary")
    assert "mary|smith jones" in name_keys("Mary Ann Smith Jones")
    assert "jose|van der berg" in name_keys("José van der Berg")
    assert name_keys("Cher") == []


def test_matcher_order_salesforce_id_then_email_then_name(school):
    a = TeacherFactory(first_name="Ana", last_name="Ortiz", school=school, salesforce_id="003A")
    b = TeacherFactory(first_name="Ana", last_name="Ortiz", school=school)
    ContactEmail.objects.create(contact=b, email="b@x.org", is_primary=True)
    matcher = ContactMatcher(kind="teacher")
    assert matcher.match(name="Ana Ortiz", salesforce_id="003A").contact_id == a.pk
    assert matcher.match(name="Ana Ortiz", email="B@X.org").contact_id == b.pk
    ambiguous = matcher.match(name="Ortiz, Ana")
    assert (ambiguous.contact_id, ambiguous.how, set(ambiguous.candidates)) == (None, "ambiguous", {a.pk, b.pk})
    assert matcher.match(name="Nobody Here").how == "none"
    matcher.add(contact_id=999, first_name="Nia", last_name="Bell", email="NIA@x.org", salesforce_id="003N")
    assert matcher.match(name="", salesforce_id="003N") == Match(999, "salesforce_id")
    assert matcher.match(name="Bell, Nia") == Match(999, "name")
    assert matcher.match(name="Someone", email="nia@X.org") == Match(999, "email")


# --------------------------------------------------------------------------- import
def test_import_creates_virtual_events_with_teacher_and_presenter(teacher, presenter):
    content = csv_bytes(session_rows() + session_rows(sid="S2", partner="OTHER"))
    log = run(content)
    assert log.status == PathfulImport.Status.DONE
    assert (log.rows, log.rows_other_partner, log.sessions) == (4, 2, 1)
    assert (log.events_created, log.events_updated, log.people_matched, log.unmatched) == (1, 0, 2, 0)
    event = Event.objects.get(pathful__session_id="S1")
    assert (event.format, event.status, event.duration_minutes) == (EventFormat.VIRTUAL, EventStatus.COMPLETED, 45)
    assert event.school.name == "Lincoln High"
    assert list(event.districts.all()) == [teacher.school.district]
    tp = TeacherParticipation.objects.get(event=event, teacher=teacher)
    assert tp.status == ParticipationStatus.ATTENDED and tp.attendance_confirmed_at is not None
    vp = VolunteerParticipation.objects.get(event=event, volunteer=presenter)
    assert vp.status == ParticipationStatus.ATTENDED
    event.refresh_from_db()
    assert (event.registered_count, event.attended_count) == (1, 1)
    assert TeacherProgress.objects.get(teacher=teacher).academic_year == 2025


def test_reimport_creates_nothing_and_updates_what_changed(teacher, presenter):
    run(csv_bytes(session_rows(status="Published", date="2025-10-14 10:00")))
    again = run(csv_bytes(session_rows(status="Published", date="2025-10-14 10:00")))
    assert (again.events_created, again.events_updated) == (0, 0)
    assert (Event.objects.count(), TeacherParticipation.objects.count(), VolunteerParticipation.objects.count()) == (
        1,
        1,
        1,
    )
    history_rows = TeacherParticipation.history.count()
    changed = run(csv_bytes(session_rows(status="Completed", date="2025-10-14 10:00")))
    assert (changed.events_created, changed.events_updated) == (0, 1)
    assert Event.objects.get().status == EventStatus.COMPLETED
    assert TeacherParticipation.objects.get().status == ParticipationStatus.ATTENDED
    assert TeacherParticipation.history.count() == history_rows + 1


def test_same_file_as_xlsx_imports_the_same(teacher, presenter):
    log = run(xlsx_bytes(session_rows()), filename="report.xlsx")
    assert (log.events_created, log.people_matched) == (1, 2)


@pytest.mark.parametrize(
    ("status", "event_status", "teacher_status"),
    [
        ("Teacher No-Show", EventStatus.NO_SHOW, ParticipationStatus.NO_SHOW),
        ("Cancelled", EventStatus.CANCELLED, ParticipationStatus.CANCELLED),
        ("Requested", EventStatus.REQUESTED, ParticipationStatus.REGISTERED),
    ],
)
def test_statuses_mark_teachers(teacher, presenter, status, event_status, teacher_status):
    run(csv_bytes(session_rows(status=status)))
    assert Event.objects.get().status == event_status
    tp = TeacherParticipation.objects.get()
    assert tp.status == teacher_status and tp.attendance_confirmed_at is None
    assert tp.status_source == status


def test_unknown_status_is_kept_raw_and_flagged_not_defaulted(teacher, presenter):
    log = run(csv_bytes(session_rows(status="Rescheduled") + session_rows(sid="S2")))
    assert Event.objects.count() == 1  # S2 only
    row = PathfulUnmatched.objects.get(kind=UnmatchedKind.UNKNOWN_STATUS)
    assert (row.session_id, row.raw["status"], log.unmatched) == ("S1", "Rescheduled", 1)


def test_undated_draft_is_skipped_others_queued_once_per_session(teacher, presenter):
    rows = session_rows(sid="D1", status="Draft", date="") + session_rows(sid="P1", status="Published", date="")
    log = run(csv_bytes(rows))
    assert (log.drafts_skipped, log.unmatched, Event.objects.count()) == (1, 1, 0)
    queued = PathfulUnmatched.objects.get()
    assert (queued.kind, queued.session_id) == (UnmatchedKind.NO_DATE_SESSION, "P1")
    run(csv_bytes(rows))
    assert PathfulUnmatched.objects.count() == 1
    run(csv_bytes(session_rows(sid="P1", status="Published", date="2025-11-01 09:00")))
    queued.refresh_from_db()
    assert queued.status == UnmatchedStatus.RESOLVED
    assert Event.objects.filter(pathful__session_id="P1").count() == 1


def test_unmatched_people_queue_once_and_resolve(teacher, presenter, school):
    rows = session_rows(teacher="Zed Unknown")
    log = run(csv_bytes(rows))
    assert log.unmatched == 1 and log.people_matched == 1
    run(csv_bytes(rows))
    row = PathfulUnmatched.objects.get(kind=UnmatchedKind.TEACHER)
    assert (row.name, row.raw["row"]) == ("Zed Unknown", 2)
    other = TeacherFactory(first_name="Zed", last_name="Known", school=school)
    services.unmatched_link(row=row, contact_id=other.pk)
    row.refresh_from_db()
    assert (row.status, row.contact_id) == (UnmatchedStatus.RESOLVED, other.pk)
    tp = TeacherParticipation.objects.get(teacher=other)
    assert tp.status == ParticipationStatus.ATTENDED
    with pytest.raises(ValidationError):
        services.unmatched_ignore(row=row)


def test_unmatched_create_makes_the_person(teacher, presenter):
    run(csv_bytes(session_rows(teacher="Lee, Jordan")))
    row = PathfulUnmatched.objects.get(kind=UnmatchedKind.TEACHER)
    services.unmatched_create(row=row)
    row.refresh_from_db()
    assert row.status == UnmatchedStatus.CREATED
    assert (row.contact.first_name, row.contact.last_name) == ("Jordan", "Lee")
    assert PathfulImport.objects.get().people_created == 1


def test_ambiguous_name_is_queued_not_guessed(teacher, presenter, school):
    TeacherFactory(first_name="Ana", last_name="Ortiz Lopez", school=school)
    run(csv_bytes(session_rows()))
    row = PathfulUnmatched.objects.get(kind=UnmatchedKind.TEACHER)
    assert row.reason == "More than one person matches." and len(row.raw["candidates"]) == 2
    assert TeacherParticipation.objects.count() == 0


def test_admin_correction_survives_reimport(teacher, presenter):
    run(csv_bytes(session_rows(status="Completed")))
    tp = TeacherParticipation.objects.get()
    tp.status, tp.notes = ParticipationStatus.NO_SHOW, "Teacher was absent; confirmed by the school."
    tp.save()
    run(csv_bytes(session_rows(status="Completed")))
    tp.refresh_from_db()
    assert tp.status == ParticipationStatus.NO_SHOW


def test_duplicate_rows_reported_and_processed_once(teacher, presenter):
    rows = session_rows() + [session_rows()[0]]
    log = run(csv_bytes(rows))
    assert log.duplicate_rows == 1
    assert any("listed twice" in e["message"] for e in log.errors)
    assert TeacherParticipation.objects.count() == 1


def test_bad_date_reported_rest_imported(teacher, presenter):
    log = run(csv_bytes(session_rows(sid="B1", date="next tuesday") + session_rows(sid="S1")))
    assert log.events_created == 1
    assert log.errors[0]["field"] == "Date" and log.errors[0]["row"] == 2


def test_forbidden_transition_keeps_status_and_reports(teacher, presenter):
    run(csv_bytes(session_rows(status="Completed")))
    log = run(csv_bytes(session_rows(status="Draft")))
    assert Event.objects.get().status == EventStatus.COMPLETED
    assert "cannot become" in log.errors[0]["message"]


def test_job_start_queues_and_links_the_job(db, django_capture_on_commit_callbacks, monkeypatch, coordinator):
    started = []
    monkeypatch.setattr(importing, "job_start", lambda **kw: started.append(kw) or None)
    with django_capture_on_commit_callbacks(execute=True):
        log = importing.pathful_import_create(content=csv_bytes(session_rows()), filename="r.csv", user=coordinator)
    assert started[0]["params"] == {"import_id": log.pk} and started[0]["kind"] == "pathful_import"
    assert PathfulSession.objects.count() == 0  # nothing imported until the job runs


# --------------------------------------------------------------------------- bad input, audit
def broken_midway_xlsx() -> bytes:
    """A real workbook whose sheet XML is cut in the middle: the header reads, the rows do not."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes(session_rows() * 30)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for item in good.infolist():
            content = good.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            broken.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (broken_midway_xlsx(), "report.xlsx", "“report.xlsx” is damaged: it stops part-way through."),
        (
            csv_bytes(session_rows() * 60) + b"S9,Title,2025-10-14,Completed,45,Educator,\xff\xfe,,x,PREP-KC\n",
            "report.csv",
            "“report.csv” is not UTF-8 CSV text past its first lines.",
        ),
    ],
)
def test_a_file_broken_past_its_header_fails_the_job_and_writes_nothing(teacher, presenter, content, filename, message):
    log = run(content, filename=filename)  # the header is fine: the upload is accepted
    assert log.status == PathfulImport.Status.FAILED
    assert log.errors == [{"row": 0, "field": "file", "message": message}]
    assert (Event.objects.count(), PathfulSession.objects.count(), PathfulUnmatched.objects.count()) == (0, 0, 0)
    assert TeacherParticipation.objects.count() == 0


def test_a_50_mb_file_is_refused_with_its_size(db):
    content = csv_bytes(session_rows()) + b"#" * (50 * 1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        importing.pathful_upload_check(content=content, filename="big.csv")
    assert exc.value.message_dict["file"] == ["The file is larger than 20 MB."]
    assert PathfulImport.objects.count() == 0


def test_a_session_id_repeated_with_other_data_is_reported_and_imported_once(teacher, presenter):
    rows = session_rows(sid="S1", date="2025-10-14 10:00") + session_rows(sid="S1", date="2025-10-21 10:00")[1:]
    log = run(csv_bytes(rows))
    assert log.errors == [
        {
            "row": 4,
            "field": "Session ID",
            "message": "Session S1 appears again with another date or status (first at row 2); the first row's are used.",
        },
        {"row": 4, "field": "Name", "message": "Sam Rivera is listed twice in session S1; used once."},
    ]
    assert (log.sessions, log.events_created, Event.objects.count()) == (1, 1, 1)
    assert Event.objects.get().start.day == 14


def test_import_history_rows_name_the_import_and_its_user(teacher, presenter, coordinator):
    content = csv_bytes(session_rows(status="Published"))
    importing.pathful_upload_check(content=content, filename="r.csv")
    log = PathfulImport(filename="r.csv", imported_by=coordinator)
    log.upload.save("t.bin", ContentFile(content), save=False)
    log.save()
    importing.pathful_import_run(import_id=log.pk)
    event = Event.objects.get()
    (created,) = event.history.all()
    assert (created.history_type, created.history_change_reason, created.history_user) == (
        "+",
        f"Pathful import {log.pk}",
        coordinator,
    )
    assert (created.title, created.status, created.session_host) == ("Careers in Health", "published", "Pathful")
    part = TeacherParticipation.objects.get()
    assert [(h.history_type, h.status) for h in part.history.all()] == [("+", ParticipationStatus.REGISTERED)]
    later = run(csv_bytes(session_rows(status="Completed")))
    changed = event.history.order_by("-history_id").first()
    assert (changed.history_type, changed.history_change_reason, changed.status) == (
        "~",
        f"Pathful import {later.pk}",
        EventStatus.COMPLETED,
    )
    assert [h.history_type for h in part.history.order_by("history_id")] == ["+", "~"]
    assert part.history.order_by("history_id").last().attendance_confirmed_at is not None
