"""The one CSV writer: formula escaping, BOM, exact round trip, XLSX without apostrophes, and
the downloads that use it (admin export, volunteer reports, expense analytics)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from project.csv import BOM, cell_escape, cell_unescape, csv_response, csv_text, xlsx_append
from tests.expenses.factories import ExpenseFactory, RestaurantFactory
from tests.volunteers.factories import VolunteerFactory

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def read(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_cells_get_one_apostrophe(value):
    assert cell_escape(value) == "'" + value


def test_numbers_and_plain_text_are_left_alone():
    assert [cell_escape(v) for v in (Decimal("-12.50"), -3, 2.5, None, "Zoë", True)] == [
        "-12.50",
        "-3",
        "2.5",
        "",
        "Zoë",
        "True",
    ]


@given(st.text())
def test_escape_round_trips_any_text(text):
    assert cell_unescape(cell_escape(text)) == text


def test_csv_text_has_a_bom_a_header_and_escaped_rows():
    text = csv_text(["name", "amount"], [["=cmd|' /C calc'!A0", Decimal("-4.00")], ["Café Zoë", 3]])
    assert read(text) == [["name", "amount"], ["'=cmd|' /C calc'!A0", "-4.00"], ["Café Zoë", "3"]]
    # Excel on Windows needs the BOM to read UTF-8; our own readers strip it.
    assert text.encode("utf-8")[:3] == b"\xef\xbb\xbf"


def test_csv_response_names_the_file_safely():
    response = csv_response('rep"ort\r\nx', ["a"], [["1"]])
    assert response["Content-Disposition"] == 'attachment; filename="reportx.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_xlsx_keeps_formula_text_as_text_without_an_apostrophe():
    book = Workbook()
    sheet = book.active
    xlsx_append(sheet, ['=HYPERLINK("http://x")', Decimal("2.50"), "plain"])
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(io.BytesIO(buffer.getvalue()))[sheet.title][1]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', 2.5, "plain"]
    assert [c.data_type for c in cells] == ["s", "n", "s"]


@pytest.mark.django_db
def test_expense_analytics_csv_escapes_a_formula_restaurant(client, staff_user):
    restaurant = RestaurantFactory(user=staff_user, name='=HYPERLINK("http://evil","click")')
    ExpenseFactory(user=staff_user, restaurant=restaurant, amount=Decimal("12.00"), date=date(2025, 3, 1))
    client.force_login(staff_user)
    response = client.get("/expenses/analytics/report.csv", {"start": "2025-03-01", "end": "2025-03-31"})
    assert response.status_code == 200
    rows = read(response.content.decode("utf-8"))
    restaurants = [row for row in rows if row[0] == "restaurant"]
    assert restaurants == [["restaurant", '\'=HYPERLINK("http://evil","click")', "12.00", "1"]]


@pytest.mark.django_db
def test_admin_export_action_escapes_and_has_a_bom(admin_user, client):
    volunteer = VolunteerFactory(first_name="=SUM(1)", last_name="Zoë")
    client.force_login(admin_user)
    response = client.post(
        "/admin/volunteers/volunteer/", {"action": "export_as_csv", "_selected_action": [volunteer.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read(response.content.decode("utf-8"))
    assert len(rows) == 2
    assert "'=SUM(1)" in rows[1]
    assert any("Zoë" in cell for cell in rows[1])
