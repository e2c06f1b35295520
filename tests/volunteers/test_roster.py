"""Roster import (sheet / CSV) and report export to a sheet."""

import pytest
from django.core.exceptions import ValidationError

from integrations.sheets.fake import DEMO_ROSTER_ID, FakeSheetsClient
from integrations.sheets.interface import SheetTable
from volunteers.imports.roster import (
    csv_table,
    report_export_to_sheet,
    roster_import,
    roster_import_from_sheet,
    roster_parse,
    teacher_deactivate_manually,
)
from volunteers.models import ContactEmail, DataQualityFlag, DeactivationSource, RosterImport, Teacher, TeacherProgress
from volunteers.virtual.progress import teacher_progress_ensure

from .factories import SchoolFactory

HEADER = ["Email", "First Name", "Last Name", "School", "Department"]


def test_parse_reports_rows_by_number():
    valid, errors = roster_parse(
        HEADER,
        [
            ["A@X.org", "Ann", "Lee", "Riverside High", "Math"],
            ["", "", "", "", ""],  # blank line ignored
            ["bad-email", "Bo", "Ray", "", ""],
            ["a@x.org", "Dup", "Lee", "", ""],
            ["c@x.org", "Cy", "None", "", ""],
        ],
    )
    assert [(r.row, r.email) for r in valid] == [(2, "a@x.org")]
    assert errors == [
        {"row": 4, "field": "email", "message": "“bad-email” is not an email address."},
        {"row": 5, "field": "email", "message": "Duplicate of row 2."},
        {"row": 6, "field": "last_name", "message": "Last name is required."},
    ]
    assert roster_parse(["Name"], [])[1][0]["message"] == "The header has no “email” column."


@pytest.fixture
def school(db):
    return SchoolFactory(name="Riverside High")


def teacher(school, email, **kw):
    t = Teacher.objects.create(
        first_name=kw.pop("first_name", "T"), last_name=kw.pop("last_name", "Eacher"), school=school, **kw
    )
    ContactEmail.objects.create(contact=t, email=email, is_primary=True)
    return t


@pytest.mark.django_db
def test_import_upserts_deactivates_and_protects(school, coordinator):
    kept = teacher(school, "kept@x.org", first_name="Old")
    gone = teacher(school, "gone@x.org")
    protected = teacher(school, "protected@x.org")
    teacher_deactivate_manually(teacher=protected, reason="Left the district", user=coordinator)
    returning = teacher(school, "back@x.org", status=Teacher.Status.INACTIVE)
    header, rows = csv_table(
        "Email,First Name,Last Name,School,Department\n"
        "KEPT@x.org,Kim,Eacher,riverside high,Science\n"
        "new@x.org,Nia,Bell,Riverside High,Art\n"
        "protected@x.org,Pat,Eacher,Riverside High,\n"
        "back@x.org,T,Eacher,Riverside High,\n"
        "oops,,,Riverside High,\n"
        "lost@x.org,Lu,Ko,Atlantis Prep,\n"
    )
    log = roster_import(header=header, rows=rows, source="csv", filename="roster.csv", user=coordinator)
    assert (log.added, log.updated, log.deactivated, log.flagged, log.skipped) == (1, 3, 1, 1, 2)
    assert log.errors == [
        {"row": 6, "field": "email", "message": "“oops” is not an email address."},
        {"row": 6, "field": "last_name", "message": "Last name is required."},
        {"row": 7, "field": "school", "message": "Unknown school “Atlantis Prep”."},
    ]
    kept.refresh_from_db(), gone.refresh_from_db(), protected.refresh_from_db(), returning.refresh_from_db()
    assert (kept.first_name, kept.department) == ("Kim", "Science")
    assert gone.status == "inactive" and not gone.deactivated_manually
    assert protected.status == "inactive"  # never reactivated…
    flag = DataQualityFlag.objects.get(issue_type="protected_teacher_skipped")  # …flagged instead
    assert flag.entity_id == protected.pk and flag.details["row"] == 4
    assert returning.status == "active"  # deactivated by an earlier import, not by hand
    new = Teacher.objects.get(emails__email="new@x.org")
    assert new.school == school and new.department == "Art"
    # The same roster again changes nothing
    again = roster_import(header=header, rows=rows, source="csv")
    assert (again.added, again.updated, again.unchanged, again.deactivated, again.flagged) == (0, 0, 4, 0, 1)
    assert RosterImport.objects.count() == 2


@pytest.mark.django_db
def test_import_from_fake_sheet(school):
    log = roster_import_from_sheet(sheet_id=DEMO_ROSTER_ID, client=FakeSheetsClient())
    assert log.source == "sheet" and log.added == 2 and {e["row"] for e in log.errors} == {3, 5}


def test_report_export_to_sheet():
    client = FakeSheetsClient(sheets={})
    n = report_export_to_sheet(
        sheet_id="s1",
        worksheet="Thank-you",
        header=["Name", "Hours"],
        rows=[["Ada", 3.5], ["Alan", None]],
        client=client,
    )
    assert n == 2 and client.read("s1", worksheet="Thank-you") == SheetTable(
        ["Name", "Hours"], [["Ada", "3.5"], ["Alan", ""]]
    )


@pytest.mark.django_db
def test_roster_matches_like_every_import_by_name_when_the_email_is_new(school):
    """The roster uses the shared teacher matcher: e-mail first, then the normalised full name
    (middle names, hyphenated surnames); the teacher found by name gets the roster's e-mail."""
    known = teacher(school, "mary.old@x.org", first_name="Mary", last_name="Smith-Jones")
    header, rows = csv_table(
        "Email,First Name,Last Name,School\nmary.new@district.org,Mary Ann,Smith Jones,Riverside High\n"
    )
    log = roster_import(header=header, rows=rows, source="csv")
    assert (log.added, log.updated, log.deactivated, log.skipped) == (0, 1, 0, 0)
    assert Teacher.objects.count() == 1
    assert set(known.emails.values_list("email", "is_primary")) == {
        ("mary.old@x.org", True),
        ("mary.new@district.org", False),
    }
    again = roster_import(header=header, rows=rows, source="csv")  # now found by e-mail
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.django_db
def test_roster_never_guesses_an_ambiguous_teacher(school):
    teacher(school, "a1@x.org", first_name="Ana", last_name="Ortiz")
    teacher(school, "a2@x.org", first_name="Ana", last_name="Ortiz")
    lone = teacher(school, "lee@x.org", first_name="Jo", last_name="Lee")
    header, rows = csv_table(
        "Email,First Name,Last Name,School\n"
        "ana@new.org,Ana,Ortiz,Riverside High\n"  # two teachers of that name
        "lee@x.org,Jo,Lee,Riverside High\n"  # by e-mail
        "jo.lee@new.org,Jo,Lee,Riverside High\n"  # by name: the teacher row 3 already is
        "a1@x.org,Ana,Ortiz,Riverside High\n"
        "a2@x.org,Ana,Ortiz,Riverside High\n"
    )
    log = roster_import(header=header, rows=rows, source="csv")
    assert (log.added, log.skipped, log.deactivated) == (0, 2, 0)
    assert [(e["row"], e["field"]) for e in log.errors] == [(2, "match"), (4, "match")]
    assert log.errors[0]["message"].startswith("Matches more than one teacher.")
    assert log.errors[1]["message"].startswith("Matches the teacher of row(s) 3 by name only.")
    flags = DataQualityFlag.objects.filter(issue_type="roster_ambiguous_teacher").order_by("details__row")
    assert [(f.details["row"], len(f.details["candidates"])) for f in flags] == [(2, 2), (4, 1)]
    assert Teacher.objects.count() == 3 and not ContactEmail.objects.filter(email__endswith="@new.org").exists()
    lone.refresh_from_db()
    assert lone.status == Teacher.Status.ACTIVE


@pytest.mark.django_db
def test_manual_deactivation_needs_a_reason_and_roster_diff_keeps_it(school, coordinator, frozen_now):
    kept = teacher(school, "kept@x.org")
    gone = teacher(school, "gone@x.org")
    manual = teacher(school, "manual@x.org")
    teacher_progress_ensure(teacher_ids=[kept.pk, gone.pk, manual.pk], academic_years=[2025])
    with pytest.raises(ValidationError):
        teacher_deactivate_manually(teacher=manual, reason="  ", user=coordinator)
    teacher_deactivate_manually(teacher=manual, reason="On leave all year", user=coordinator)
    header, rows = csv_table(
        "Email,Last Name,School\nkept@x.org,Eacher,Riverside High\nmanual@x.org,Eacher,Riverside High\n"
    )
    log = roster_import(header=header, rows=rows, source="csv")
    assert (log.deactivated, log.flagged) == (1, 1)
    state = {
        p.email: (p.is_active, p.deactivation_source, p.deactivation_reason, p.deactivated_by)
        for p in TeacherProgress.objects.all()
    }
    assert state == {
        "kept@x.org": (True, "", "", None),
        "gone@x.org": (False, DeactivationSource.ROSTER_DIFF, "", None),
        "manual@x.org": (False, DeactivationSource.MANUAL, "On leave all year", coordinator),
    }
