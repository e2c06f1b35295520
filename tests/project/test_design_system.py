"""One look: every page's templates use the design system — one stylesheet, one form template,
one set of date formats, components instead of ad-hoc markup, no inline styles (CSP)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.test import RequestFactory

from project.templatetags import crewbase_format
from project.templatetags.crewbase_ui import status_tone

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
# WeasyPrint documents are never served to a browser: their own <style> is fine.
PDF_TEMPLATES = {p for p in TEMPLATES if "pdf" in p.relative_to(ROOT / "templates").as_posix()}


def offending(pattern: str, *, skip: set[Path] = frozenset()) -> list[str]:
    found = []
    for path in TEMPLATES:
        if path in skip:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    return found


def test_templates_exist():
    assert len(TEMPLATES) > 100 and PDF_TEMPLATES


def test_no_bare_form_rendering_anywhere():
    """Forms render through templates/components/form.html (settings.FORM_RENDERER)."""
    assert offending(r"\.as_(div|p|table|ul)\b") == []


def test_no_ad_hoc_date_formats():
    """Dates and times go through project/templatetags/crewbase_format.py."""
    assert offending(r"\|(date|time)\b") == []


def test_no_inline_styles_on_pages():
    """The Content-Security-Policy allows no inline style: colours that are data use data-colour."""
    assert offending(r"""\sstyle=["']|<style\b""", skip=PDF_TEMPLATES) == []


def test_one_stylesheet():
    sheets = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "static").rglob("*.css") if "vendor" not in p.parts)
    assert sheets == ["static/css/crewbase.css"]
    css = (ROOT / "static/css/crewbase.css").read_text()
    for token in ("--color-primary:", "--space-3:", "--text-xl:"):
        assert token in css
    for component in (".page-header", ".subnav", ".stat ", ".table thead th", ".empty-state", ".errorlist", ".badge-"):
        assert component in css
    assert "position: sticky" in css.split(".table thead th", 1)[1].split("}", 1)[0]


def test_every_app_page_uses_the_page_header():
    """Every page that extends base.html (not the partials, PDFs or admin) starts with the component."""
    pages = [
        p
        for p in TEMPLATES
        if p not in PDF_TEMPLATES
        and "admin" not in p.parts
        and p.read_text().startswith('{% extends "base.html" %}')
        and "{% block content %}" in p.read_text()
    ]
    assert len(pages) > 80
    missing = [
        str(p.relative_to(ROOT))
        for p in pages
        if "pageheader" not in p.read_text() and "page_header" not in p.read_text()
    ]
    assert missing == []
    assert offending(r"<h1[ >]", skip=PDF_TEMPLATES | {p for p in TEMPLATES if "admin" in p.parts}) == [
        "templates/components/page_header.html:6: <h1>{{ title }}</h1>"
    ]


class Sample(forms.Form):
    name = forms.CharField(help_text="As on the badge.")
    count = forms.IntegerField(min_value=1)
    agree = forms.BooleanField(required=False)

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def test_form_renders_through_the_project_template():
    form = Sample(data={"name": "", "count": "0"})
    html = str(form)
    assert '<div class="form-errors" role="alert">' in html and "Something about the whole form." in html
    name = html.split('for="id_name"', 1)[1].split('class="field', 1)[0]
    assert "As on the badge." in name and 'class="helptext"' in name  # help under the field
    assert 'id="id_name_error"' in name and "This field is required." in name  # the error inline
    assert 'aria-invalid="true"' in name
    assert "field has-error" in html and "field field-check" in html
    assert "Ensure this value is greater than or equal to 1." in html.split('for="id_count"', 1)[1]


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("as_day", date(2026, 12, 7), "Mon 7 Dec 2026"),
        ("as_day_short", date(2026, 12, 7), "Mon 7 Dec"),
        ("as_day_long", date(2026, 12, 7), "Monday 7 December 2026"),
        ("as_month", date(2026, 12, 7), "December 2026"),
        ("as_month_iso", date(2026, 12, 7), "2026-12"),
        ("as_weekday", date(2026, 12, 6), "Sun"),
        ("as_iso", date(2026, 12, 7), "2026-12-07"),
        ("as_time", time(9, 5), "09:05"),
        ("as_day", None, ""),
        ("as_day", "2026-12-07", "2026-12-07"),
    ],
)
def test_date_formats(name, value, shown):
    assert getattr(crewbase_format, name)(value) == shown


def test_datetimes_are_shown_in_the_current_time_zone(settings):
    settings.TIME_ZONE = "America/Chicago"
    at = datetime(2026, 12, 7, 15, 30, tzinfo=ZoneInfo("UTC"))
    html = Template("{{ at|as_datetime }} · {{ at|as_datetime_short }} · {{ at|as_time }}").render(Context({"at": at}))
    assert html == "Mon 7 Dec 2026, 09:30 · Mon 7 Dec, 09:30 · 09:30"


@pytest.mark.django_db
def test_navlink_marks_the_current_page_and_keeps_its_query():
    request = RequestFactory().get("/oncall/calendar/")
    html = Template(
        '{% navlink "oncall:index" "Dashboard" team=3 %}{% navlink "oncall:calendar" "Calendar" team=3 %}'
    ).render(Context({"request": request}))
    assert html == (
        '<a class="subnav-link" href="/oncall/?team=3">Dashboard</a>'
        '<a class="subnav-link" href="/oncall/calendar/?team=3" aria-current="page">Calendar</a>'
    )


def test_page_header_takes_markup_and_passes_arguments_on():
    html = Template('{% pageheader subtitle="Sub" %}Events · <em>{{ name }}</em>{% endpageheader %}').render(
        Context({"name": "<b>x</b>", "actions": "must not leak"})
    )
    assert "<h1>Events · <em>&lt;b&gt;x&lt;/b&gt;</em></h1>" in html
    assert '<p class="subtitle">Sub</p>' in html and "page-actions" not in html


@pytest.mark.parametrize(
    ("status", "tone"),
    [("succeeded", "success"), ("failed", "danger"), ("running", "warning"), ("draft", "muted"), ("whatever", "info")],
)
def test_badge_tones(status, tone):
    assert status_tone(status) == tone
    html = Template("{% badge s 'Label' %}").render(Context({"s": status}))
    assert html == f'<span class="badge badge-{tone} status-{status}">Label</span>'


def test_empty_state_and_stat_card_components():
    html = Template('{% include "components/empty_row.html" with colspan=4 message="No events." %}').render(Context())
    assert '<td colspan="4"><div class="empty-state"><p>No events.</p></div></td>' in html
    html = Template(
        '{% include "components/stat_card.html" with label="Open" value=3 href="/x/" tone="warning" %}'
    ).render(Context())
    assert '<a class="stat tone-warning" href="/x/">' in html and '<p class="stat-value">3</p>' in html
