"""True barcodes: a UPC with a wrong or missing check digit is flagged (item, verification
dashboard, paperwork); the caption prints exactly what the bars encode; an item row never splits
across pages; one title format for all paperwork."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.edr import EdrItem
from integrations.edr import EdrReport as EdrReportData
from scheduling import paperwork
from scheduling.models import EdrReport, EventType
from scheduling.selectors import day_verification
from scheduling.upc import CODE128, UPC_A, barcode_plan, upc_check_digit

from .factories import EmployeeFactory, EventFactory, ScheduleFactory, local

DAY = timezone.localdate() + timedelta(days=5)


def test_the_check_digit():
    assert upc_check_digit("03600029145") == 2  # 036000291452, the textbook UPC-A
    assert upc_check_digit("01234567890") == 5


@pytest.mark.parametrize(
    "value,symbology,encoded,problem",
    [
        ("036000291452", UPC_A, "036000291452", ""),
        ("036000291453", CODE128, "036000291453", "wrong check digit (3, should be 2)"),
        ("03600029145", UPC_A, "036000291452", "check digit missing"),
        ("123", UPC_A, "000000001236", "only 3 digits"),
        ("", "", "", "No UPC."),
        ("AB-12", CODE128, "AB-12", ""),
        ("0818290014542", CODE128, "0818290014542", ""),
    ],
)
def test_barcode_plan(value, symbology, encoded, problem):
    plan = barcode_plan(value)
    assert (plan.symbology, plan.encoded) == (symbology, encoded)
    assert problem in plan.problem and plan.flagged is bool(problem)


def test_the_caption_is_exactly_what_the_bars_encode():
    """A UPC-A of "036000291453" would encode 036000291452 (the library recomputes the check
    digit) under a caption saying ...453. The row prints the Code128 of ...453 instead, flagged."""
    row = paperwork.item_row(EdrItem("980001", "036000291453", "Pretzel"))
    assert (row["symbology"], row["caption"]) == (CODE128, "036000291453")
    assert "wrong check digit" in row["upc_problem"]
    assert paperwork.item_row(EdrItem("980002", "036000291452", "Salsa"))["upc_problem"] == ""
    assert paperwork.barcode_svg_data_uri("")[0] == ""


def _day_with_items(n: int, *, bad_upc: str = "036000291453"):
    lena = EmployeeFactory(name="Lena Fischer")
    event = EventFactory(day=DAY, event_number="606001", name="606001-CORE-Super Pretzel")
    ScheduleFactory(event=event, employee=lena, start_at=local(DAY))
    items = [EdrItem(f"98{i:04d}", f"0360002{i:04d}", f"Product {i:02d}") for i in range(n)]
    items = [EdrItem(i.item_number, i.upc + str(upc_check_digit(i.upc)), i.description) for i in items]
    items.append(EdrItem("989999", bad_upc, "Bad check digit item"))
    EdrReport.objects.create(
        event_number="606001",
        payload=EdrReportData(
            event_number="606001",
            name="Demo",
            date=str(DAY),
            status="Active",
            preparation="Warm",
            portion="1 oz",
            items=items,
        ).as_dict(),
    )
    return event


@pytest.mark.django_db
def test_a_bad_upc_is_flagged_in_the_verification_dashboard():
    event = _day_with_items(2)
    rows = {r["check"]: r for r in day_verification(DAY)}
    row = rows["item_upcs"]
    assert row["status"] == "warning" and len(row["issues"]) == 1
    issue = row["issues"][0]
    assert issue.event_id == event.pk and "Event 606001, item 989999" in issue.message
    assert "should be 2" in issue.message


@pytest.mark.django_db
def test_the_paperwork_flags_bad_upcs_and_prints_the_encoded_digits():
    _day_with_items(2)
    context = paperwork.daily_package_context(day=DAY)
    assert [r["item"].item_number for r in context["flagged"]] == ["989999"]
    document = paperwork.render_document("scheduling/pdf/daily_package.html", context)
    text = paperwork.document_text(document)
    assert "1 item(s) with a UPC problem" in text
    assert "Code128 036000291453" in text and "wrong check digit" in text
    good = context["items"][0]
    assert f"UPC-A {good['caption']}" in text and good["caption"] == good["item"].upc


def _page_of(document, needle: str) -> int:
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if needle in (getattr(box, "text", None) or ""):
                return number
    raise AssertionError(f"{needle} not printed")


@pytest.mark.django_db
def test_an_item_row_never_splits_across_pages():
    _day_with_items(40)
    context = paperwork.daily_package_context(day=DAY)
    document = paperwork.render_document("scheduling/pdf/daily_package.html", context)
    rows = [r for r in context["items"] if not r["upc_problem"]]
    pages = {(_page_of(document, r["item"].description), _page_of(document, f"UPC-A {r['caption']}")) for r in rows}
    assert all(text == caption for text, caption in pages)
    assert len({text for text, _ in pages}) >= 3  # the list does run over several pages


TITLE = re.compile(r"^[A-Z][A-Za-z ]+( · [^·]+)? · \w{3} \w{3} \d{1,2}(, \d{4}| – \w{3} \w{3} \d{1,2}, \d{4})$")


@pytest.mark.django_db
def test_one_title_format_for_all_paperwork():
    employee = EmployeeFactory(name="Omar Haddad")
    ScheduleFactory(event=EventFactory(day=DAY, event_type=EventType.CORE), employee=employee, start_at=local(DAY))
    start = paperwork.week_start_for(DAY)
    contexts = {
        "scheduling/pdf/daily_package.html": paperwork.daily_package_context(day=DAY),
        "scheduling/pdf/weekly.html": paperwork.weekly_context(start=start),
        "scheduling/pdf/employee.html": paperwork.employee_context(employee=employee, start=start),
    }
    titles = [c["title"] for c in contexts.values()]
    titles += [contexts["scheduling/pdf/daily_package.html"]["items_title"]]
    titles += [p.title for p in contexts["scheduling/pdf/daily_package.html"]["core_pages"]]
    for title in titles:
        assert TITLE.match(title), title
    assert titles[2] == paperwork.paperwork_title(
        "Schedule", subject="Omar Haddad", start=start, end=start + timedelta(days=13)
    )
    for template, context in contexts.items():
        assert context["title"] in paperwork.document_text(paperwork.render_document(template, context))
