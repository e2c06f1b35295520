"""Paperwork PDFs (WeasyPrint, from templates) and the EDR reports they print.

The EDR session of a user is kept server-side in EdrSession (encrypted), and reports are cached
in EdrReport so that printing a day does not log in to Retail Link again.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import barcode
from barcode.writer import SVGWriter
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from integrations.base import IntegrationError, is_live
from integrations.edr import EdrReport as EdrReportData
from integrations.edr import edr_client
from project.dates import week_start

from .models import EdrReport, EdrSession, Employee, EventType
from .selectors import employee_list, schedule_list, schedules_on, scheduling_settings_get
from .upc import UPC_A, barcode_plan

logger = logging.getLogger(__name__)
EDR_CACHE_HOURS = 24
EDR_SESSION_MINUTES = 10


# --------------------------------------------------------------------------- EDR
def _edr_client_for(user, state: dict | None):
    s = scheduling_settings_get()
    return edr_client(
        username=s.edr_username, password=s.edr_password, mfa_credential_id=s.edr_mfa_credential_id, state=state
    )


def _edr_state(user) -> dict | None:
    row = EdrSession.objects.filter(user=user).first() if user is not None and user.pk else None
    if row is None or not row.state or (row.expires_at and row.expires_at < timezone.now()):
        return None
    try:
        return json.loads(row.state)
    except ValueError:
        return None


def _edr_save(user, client, *, authenticated: bool) -> None:
    now = timezone.now()
    EdrSession.objects.update_or_create(
        user=user,
        defaults={
            "state": json.dumps(client.state()),
            "authenticated_at": now if authenticated else None,
            "expires_at": now + timedelta(minutes=EDR_SESSION_MINUTES),
        },
    )


def edr_request_code(*, user) -> None:
    """Step 1 of the MFA flow: password login; Retail Link texts a code."""
    client = _edr_client_for(user, None)
    client.request_code()
    _edr_save(user, client, authenticated=False)


def edr_submit_code(*, user, code: str) -> None:
    """Step 2: the code from the text message; the token is kept server-side for this user."""
    client = _edr_client_for(user, _edr_state(user))
    client.submit_code(code.strip())
    _edr_save(user, client, authenticated=True)


def edr_is_authenticated(user) -> bool:
    state = _edr_state(user)
    return bool(state and state.get("token"))


def edr_report_get(*, event_number: str, user=None) -> tuple[EdrReportData | None, str]:
    """The cached EDR report, fetched when missing or stale. Returns (report, problem)."""
    cached = EdrReport.objects.filter(event_number=event_number).first()
    if cached and cached.fetched_at > timezone.now() - timedelta(hours=EDR_CACHE_HOURS):
        return EdrReportData.from_dict(cached.payload), ""
    state = _edr_state(user)
    client = _edr_client_for(user, state)
    if not client.authenticated and state is None:
        # The fake needs no login; the live client does.
        if is_live("edr"):
            return (
                EdrReportData.from_dict(cached.payload) if cached else None,
                "Log in to Retail Link (Scheduling → Paperwork) to fetch EDR reports.",
            )
        client.request_code()
        client.submit_code("000000")
    try:
        report = client.get_report(event_number)
    except IntegrationError as exc:
        logger.warning("EDR %s not fetched: %s", event_number, exc)
        return (EdrReportData.from_dict(cached.payload) if cached else None, str(exc))
    with transaction.atomic():
        EdrReport.objects.update_or_create(
            event_number=event_number, defaults={"payload": report.as_dict(), "fetched_at": timezone.now()}
        )
    return report, ""


# --------------------------------------------------------------------------- barcodes
def barcode_svg_data_uri(number: str) -> tuple[str, str]:
    """(data URI of an SVG barcode, symbology), following `upc.barcode_plan`. The SVG carries no
    text of its own: the paperwork prints `plan.encoded` under it, which is what the bars encode."""
    plan = barcode_plan(number)
    if not plan.symbology:
        return "", ""
    code = barcode.get("upca" if plan.symbology == UPC_A else "code128", plan.encoded, writer=SVGWriter())
    if code.get_fullcode() != plan.encoded:  # never print a caption the bars do not say
        raise ValueError(f"barcode of {number!r} encodes {code.get_fullcode()!r}, not {plan.encoded!r}")
    svg = code.render({"module_height": 10, "quiet_zone": 2, "write_text": False})
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode(), plan.symbology


def item_row(item, **extra) -> dict:
    """An EDR item as the paperwork prints it: its barcode, the caption (exactly the encoded
    digits) and the UPC problem, if any."""
    plan = barcode_plan(item.upc or item.item_number)
    uri, kind = barcode_svg_data_uri(item.upc or item.item_number)
    return {
        "item": item,
        "barcode": uri,
        "symbology": kind,
        "caption": plan.encoded,
        "upc_problem": plan.problem,
        **extra,
    }


def paperwork_title(what: str, *, start: date, end: date | None = None, subject: str = "") -> str:
    """The one title format of all paperwork: "What · subject · period"."""
    if end is None or end == start:
        period = f"{start:%a %b} {start.day}, {start.year}"
    else:
        period = f"{start:%a %b} {start.day} – {end:%a %b} {end.day}, {end.year}"
    return " · ".join(part for part in (what, subject, period) if part)


# --------------------------------------------------------------------------- PDFs
@dataclass
class CorePage:
    schedule: object
    report: EdrReportData | None
    problem: str
    items: list[dict]
    title: str


def _pdf(template: str, context: dict) -> bytes:
    return render_document(template, context).write_pdf()


def render_document(template: str, context: dict):
    """The laid-out WeasyPrint document (tests read its text; `write_pdf()` gives the bytes)."""
    return HTML(string=render_to_string(template, context), base_url=".").render()


def document_text(document) -> str:
    return "\n".join(
        box.text for page in document.pages for box in page._page_box.descendants() if getattr(box, "text", None)
    )


def daily_package_pdf(*, day: date, user=None) -> bytes:
    return _pdf("scheduling/pdf/daily_package.html", daily_package_context(day=day, user=user))


def daily_package_context(*, day: date, user=None) -> dict:
    schedules = list(schedules_on(day))
    cores = [s for s in schedules if s.event.event_type == EventType.CORE]
    pages, items = [], []
    for schedule in cores:
        number = schedule.event.event_number
        report, problem = edr_report_get(event_number=number, user=user) if number else (None, "No event number.")
        rows = [
            item_row(item, event=schedule.event, employee=schedule.employee)
            for item in (report.items if report else [])
        ]
        title = paperwork_title("Core event", subject=schedule.event.name, start=day)
        pages.append(CorePage(schedule=schedule, report=report, problem=problem, items=rows, title=title))
        items.extend(rows)
    return {
        "title": paperwork_title("Daily schedule", start=day),
        "items_title": paperwork_title("Item list", start=day),
        "day": day,
        "schedules": schedules,
        "core_pages": pages,
        "items": items,
        "flagged": [row for row in items if row["upc_problem"]],
        "generated": timezone.now(),
    }


def week_start_for(day: date) -> date:
    """The paperwork's week is every calendar's week (settings.WEEK_START)."""
    return week_start(day)


def weekly_grid(start: date, days: int = 7) -> dict:
    dates = [start + timedelta(days=i) for i in range(days)]
    cells: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    for schedule in schedule_list(start=dates[0], end=dates[-1]):
        cells[schedule.employee_id][timezone.localtime(schedule.start_at).date()].append(schedule)
    rows = [{"employee": e, "days": [cells[e.pk][d] for d in dates]} for e in employee_list().filter(is_active=True)]
    return {"dates": dates, "rows": rows}


def weekly_schedule_pdf(*, start: date) -> bytes:
    return _pdf("scheduling/pdf/weekly.html", weekly_context(start=start))


def weekly_context(*, start: date) -> dict:
    return {
        "title": paperwork_title("Weekly schedule", start=start, end=start + timedelta(days=6)),
        "grid": weekly_grid(start),
        "start": start,
        "generated": timezone.now(),
    }


def employee_schedule_pdf(*, employee: Employee, start: date) -> bytes:
    return _pdf("scheduling/pdf/employee.html", employee_context(employee=employee, start=start))


def employee_context(*, employee: Employee, start: date) -> dict:
    schedules = list(schedule_list(start=start, end=start + timedelta(days=13), employee_id=employee.pk))
    return {
        "title": paperwork_title("Schedule", subject=employee.name, start=start, end=start + timedelta(days=13)),
        "employee": employee,
        "start": start,
        "end": start + timedelta(days=13),
        "schedules": schedules,
        "generated": timezone.now(),
    }
