"""Report exports on the first click: open a report from the Reports index, click CSV, Excel or PDF
without pressing Apply, and get the file with the rows the page shows."""

import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from volunteers import exports
from volunteers.models import Affiliation, ViewerDistrict, VolunteerParticipation

from .factories import EventFactory, OrganizationFactory, SchoolFactory, VolunteerFactory, at

REPORTS = ["report_thank_you", "report_year_end", "report_organizations", "report_first_time"]
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@pytest.fixture
def attended(db, frozen_now):
    """One attended event in the academic year the clock is in (2025–26), the page's default."""
    school = SchoolFactory(name="North High")
    event = EventFactory(title="Career fair", start=at(2025, 10, 1), school=school)
    event.districts.set([school.district])
    volunteer = VolunteerFactory(first_name="Ada", last_name="Lovelace")
    Affiliation.objects.create(volunteer=volunteer, organization=OrganizationFactory(name="Acme"), is_primary=True)
    VolunteerParticipation.objects.create(
        event=event, volunteer=volunteer, status="attended", delivery_hours=Decimal("2")
    )
    return {"district": school.district, "event": event}


# The text each report's detail rows carry for the dataset above.
ROW_TEXT = {
    "report_thank_you": "Ada Lovelace",
    "report_year_end": "In-person session",  # the event-type row
    "report_organizations": "Acme",
    "report_first_time": "Ada Lovelace",
}


def _export_links(html: str) -> dict[str, str]:
    links = {}
    for href in re.findall(r'href="(\?[^"]*format=(?:csv|xlsx|pdf))"', html):
        href = unescape(href)
        links[href.rsplit("format=", 1)[1]] = href
    return links


def _detail_rows(fmt: str, response, pdf_html: list[str]) -> list[str]:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        return [" ".join(r) for r in rows[1:]]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content))["Detail"]
        return [" ".join(str(c) for c in row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert response.content.startswith(b"%PDF")
    tbody = pdf_html[-1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", tbody, re.S)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", REPORTS)
def test_every_export_works_on_the_first_click(name, fmt, staff_user, client, attended, monkeypatch):
    rendered: list[str] = []
    real_render = exports.render_to_string

    def spy(*args, **kwargs):
        rendered.append(real_render(*args, **kwargs))
        return rendered[-1]

    monkeypatch.setattr(exports, "render_to_string", spy)
    client.force_login(staff_user)
    index = client.get(reverse("volunteers:reports")).content.decode()
    url = reverse(f"volunteers:{name}")
    assert f'href="{url}"' in index  # opened from the Reports index, with no query string

    page = client.get(url)
    assert page.status_code == 200
    assert "This field is required." not in page.content.decode()
    links = _export_links(page.content.decode())
    assert sorted(links) == ["csv", "pdf", "xlsx"]

    response = client.get(url + links[fmt])
    assert response.status_code == 200
    assert response["Content-Type"].startswith(FORMATS[fmt])
    assert "attachment" in response["Content-Disposition"]
    rows = _detail_rows(fmt, response, rendered)
    assert len(rows) == 1 and ROW_TEXT[name] in rows[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", REPORTS)
def test_a_bare_format_parameter_uses_the_page_defaults(name, fmt, staff_user, client, attended):
    client.force_login(staff_user)
    response = client.get(reverse(f"volunteers:{name}"), {"format": fmt})
    assert response.status_code == 200 and response["Content-Type"].startswith(FORMATS[fmt])


def test_export_links_carry_the_defaults_the_form_shows(staff_user, client, attended):
    client.force_login(staff_user)
    page = client.get(reverse("volunteers:report_thank_you"))
    assert page.context["form"].data["start"] == "2025-08-01"
    assert (
        _export_links(page.content.decode())["csv"] == "?start=2025-08-01&end=2026-07-31&by=hours&limit=25&format=csv"
    )


def test_given_parameters_win_over_the_defaults(staff_user, client, attended):
    client.force_login(staff_user)
    response = client.get(reverse("volunteers:report_first_time"), {"start": "2024-08-01", "end": "2025-07-31"})
    assert response.status_code == 200
    assert response.context["report"].rows == []


@pytest.mark.parametrize(
    "name,params,field,message",
    [
        ("report_thank_you", {"limit": "0"}, "limit", "greater than or equal to 1"),
        ("report_thank_you", {"start": ""}, "start", "This field is required."),
        ("report_first_time", {"start": "2026-01-01", "end": "2025-01-01"}, "end", "before the start date"),
        ("report_organizations", {"year": "soon"}, "year", "Enter a whole number."),
        ("report_year_end", {"district": "999999"}, "district", "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("fmt", ["", "csv"])
def test_invalid_parameters_show_the_form_with_messages(
    name, params, field, message, fmt, staff_user, client, attended
):
    client.force_login(staff_user)
    query = {**params, "format": fmt} if fmt else params
    response = client.get(reverse(f"volunteers:{name}"), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in " ".join(response.context["form"].errors[field])
    assert list(response.context["form"].errors) == [field]  # the other fields keep their defaults
    body = response.content.decode()
    assert message in unescape(body)
    assert ("could not be downloaded" in body) is bool(fmt)


def test_viewer_year_end_defaults_to_their_district(viewer, client, attended):
    ViewerDistrict.objects.create(user=viewer, district=attended["district"])
    client.force_login(viewer)
    response = client.get(reverse("volunteers:report_year_end"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "In-person session" in response.content.decode()


def test_viewer_without_districts_gets_the_page_with_an_explanation(viewer, client, attended):
    client.force_login(viewer)
    response = client.get(reverse("volunteers:report_year_end"))
    assert response.status_code == 200 and response.context["report"] is None
    assert "No district is open to you yet" in response.content.decode()
    assert client.get(reverse("volunteers:report_year_end"), {"format": "csv"}).status_code == 400
