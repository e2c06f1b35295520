"""Paperwork PDFs are real PDFs with the expected text; EDR login flow and cache."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.base import AuthenticationError
from scheduling import paperwork
from scheduling.models import EdrReport, EventType

from .factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() + timedelta(days=5)


def pdf_text(template: str, context: dict) -> str:
    """Lay the template out with WeasyPrint, check the PDF bytes are real, return the text."""
    document = paperwork.render_document(template, context)
    data = document.write_pdf()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 1000
    return paperwork.document_text(document)


def test_daily_package_has_schedule_items_with_barcodes_and_edr_pages():
    lena = EmployeeFactory(name="Lena Fischer")
    ScheduleFactory(
        event=EventFactory(day=DAY, event_number="606001", name="606001-CORE-Super Pretzel"),
        employee=lena,
        start_at=local(DAY),
    )
    ScheduleFactory(
        event=EventFactory(day=DAY, event_type=EventType.FREEOSK, name="FREEOSK Refill"), start_at=local(DAY, 10, 0)
    )
    assert paperwork.daily_package_pdf(day=DAY).startswith(b"%PDF-")
    text = pdf_text("scheduling/pdf/daily_package.html", paperwork.daily_package_context(day=DAY))
    assert "Daily schedule" in text and "606001-CORE-Super Pretzel" in text and "Lena Fischer" in text
    assert "FREEOSK Refill" in text and "Item list" in text and "UPC-A" in text
    assert "EDR instructions" in text and "Preparation" in text
    assert EdrReport.objects.filter(event_number="606001").count() == 1  # cached for the next print


def test_weekly_and_employee_pdfs():
    e = EmployeeFactory(name="Omar Haddad")
    ScheduleFactory(event=EventFactory(day=DAY, name="606009-CORE-Salsa"), employee=e, start_at=local(DAY))
    text = pdf_text("scheduling/pdf/weekly.html", paperwork.weekly_context(start=paperwork.week_start_for(DAY)))
    assert "Weekly schedule" in text and "Omar Haddad" in text
    text = pdf_text(
        "scheduling/pdf/employee.html", paperwork.employee_context(employee=e, start=DAY - timedelta(days=2))
    )
    assert "Omar Haddad" in text and "606009-CORE-Salsa" in text


@pytest.mark.parametrize(
    "number,kind",
    [
        ("74570651012", "UPC-A"),
        ("074570651016", "UPC-A"),
        ("074570651012", "Code128"),  # wrong check digit: a UPC-A would encode another number
        ("123", "UPC-A"),
        ("0818290014542", "Code128"),
        ("AB-12", "Code128"),
    ],
)
def test_barcode_symbology(number, kind):
    uri, symbology = paperwork.barcode_svg_data_uri(number)
    assert symbology == kind and uri.startswith("data:image/svg+xml;base64,")


def test_edr_mfa_flow_keeps_the_session_per_user(coordinator, staff_user):
    paperwork.edr_request_code(user=coordinator)
    assert not paperwork.edr_is_authenticated(coordinator)
    with pytest.raises(AuthenticationError):
        paperwork.edr_submit_code(user=coordinator, code="12")
    paperwork.edr_submit_code(user=coordinator, code="123456")
    assert paperwork.edr_is_authenticated(coordinator)
    assert not paperwork.edr_is_authenticated(staff_user)
    from django.db import connection

    with connection.cursor() as cursor:  # the token is encrypted at rest
        cursor.execute("SELECT state FROM scheduling_edrsession")
        assert all("fake-token" not in row[0] for row in cursor.fetchall())
