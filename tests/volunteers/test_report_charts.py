"""Report PDFs carry the charts the report pages show, drawn on the server as SVG."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from volunteers import exports
from volunteers.charts import chart_svg
from volunteers.models import VolunteerParticipation

from .factories import EventFactory, SchoolFactory, VolunteerFactory, at


def _marks(svg: str) -> list[tuple[str, str]]:
    return re.findall(r'<g class="mark" data-label="([^"]*)" data-value="([^"]*)"', svg)


def test_bar_chart_draws_one_bar_per_value_scaled_to_the_largest():
    svg = chart_svg({"type": "bar", "title": "Hours", "labels": ["Ada", "Alan"], "values": [Decimal("7.5"), 3]})
    assert svg.startswith("<svg") and "<title>Hours</title>" in svg
    assert _marks(svg) == [("Ada", "7.5"), ("Alan", "3")]
    widths = [float(w) for w in re.findall(r'<rect x="170" y="[\d.]+" width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[0] == pytest.approx(widths[1] * 7.5 / 3)


def test_doughnut_draws_a_slice_per_value_and_a_full_ring_for_one():
    two = chart_svg({"type": "doughnut", "title": "Format", "labels": ["In person", "Virtual"], "values": [3, 1]})
    assert _marks(two) == [("In person", "3"), ("Virtual", "1")]
    assert two.count("<path") == 2 and "In person: 3" in two
    one = chart_svg({"type": "doughnut", "title": "Format", "labels": ["In person", "Virtual"], "values": [2, 0]})
    assert one.count("<circle") == 1 and one.count("<path") == 0


def test_line_chart_puts_a_point_per_value():
    svg = chart_svg(
        {"type": "line", "title": "Trend", "labels": ["2025-09", "2025-10", "2025-11"], "values": [1, 4, 2]}
    )
    assert _marks(svg) == [("2025-09", "1"), ("2025-10", "4"), ("2025-11", "2")]
    assert svg.count("<circle") == 3 and "<polyline" in svg


def test_labels_are_escaped_and_an_empty_chart_says_so():
    svg = chart_svg({"type": "bar", "title": "<b>x</b>", "labels": ['<script>alert("x")</script>'], "values": [1]})
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert "No data" in chart_svg({"type": "bar", "title": "Empty", "labels": [], "values": []})


def test_the_year_end_pdf_carries_the_page_charts_with_their_figures(staff_user, client, frozen_now, monkeypatch):
    school = SchoolFactory(name="North High")
    for day, title in ((1, "Career fair"), (8, "Mock interviews")):
        event = EventFactory(title=title, start=at(2025, 10, day), school=school)
        event.districts.set([school.district])
        VolunteerParticipation.objects.create(
            event=event, volunteer=VolunteerFactory(), status="attended", delivery_hours=Decimal("2")
        )
    rendered: list[str] = []
    real_render = exports.render_to_string
    monkeypatch.setattr(
        exports, "render_to_string", lambda *a, **k: rendered.append(real_render(*a, **k)) or rendered[-1]
    )
    client.force_login(staff_user)
    url = reverse("volunteers:report_year_end")
    page = client.get(url, {"district": school.district.pk, "year": 2025})
    charts = {c["id"]: c for c in page.context["report"].charts}
    response = client.get(url, {"district": school.district.pk, "year": 2025, "format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    html = rendered[-1]
    assert html.count("<svg") == len(charts) == 2
    assert ("In person", "2") in _marks(html) and ("Virtual", "0") in _marks(html)
    by_type = list(zip(charts["types"]["labels"], [str(v) for v in charts["types"]["values"]], strict=True))
    assert by_type and set(by_type) <= set(_marks(html))
    assert "<figcaption>Events by format</figcaption>" in html
