"""Roster import (sheet / CSV) and report export to a sheet."""

import pytest

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
from volunteers.models import ContactEmail, DataQualityFlag, RosterImport, Teacher

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
    teacher_deactivate_manually(teacher=protected)
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
