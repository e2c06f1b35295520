"""Plain dataclasses the Crossmark clients return, and the parsing of raw mPlan / rep records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


class MalformedRecord(ValueError):
    """A record from Crossmark that lacks a field we need or has one we cannot parse."""


@dataclass(frozen=True)
class CrossmarkEvent:
    mplan_id: str
    name: str
    store_id: str
    store_name: str
    start_date: date
    due_date: date
    condition: str
    sales_tool_url: str = ""
    scheduled_at: datetime | None = None  # naive local time of Crossmark's scheduleDate
    schedule_rep_id: str = ""
    schedule_event_id: str = ""
    staffed_reps: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrossmarkRep:
    rep_id: str
    employee_id: str  # US######
    name: str
    email: str = ""
    phone: str = ""
    role: str = ""


@dataclass
class FetchPage:
    events: list[CrossmarkEvent]
    total: int
    problems: list[dict] = field(default_factory=list)  # {"mplan_id", "error"} of skipped records


class CrossmarkClient(Protocol):
    def fetch_events(self, *, start: date, end: date, page: int, limit: int) -> FetchPage: ...

    def fetch_reps(self, *, start: datetime, end: datetime) -> list[CrossmarkRep]: ...

    def schedule_event(
        self, *, rep_id: str, mplan_id: str, location_id: str, start: datetime, end: datetime
    ) -> str: ...

    def unschedule_event(self, *, schedule_id: str) -> None: ...


def _parse_date(value, name: str) -> date:
    try:
        return datetime.strptime(str(value).strip(), "%m/%d/%Y").date()
    except (TypeError, ValueError) as exc:
        raise MalformedRecord(f"{name} {value!r} is not MM/DD/YYYY") from exc


def parse_mplan(record: dict) -> CrossmarkEvent:
    """One mPlan record → CrossmarkEvent; raises MalformedRecord naming the bad field."""
    if not isinstance(record, dict):
        raise MalformedRecord("record is not an object")
    mplan_id = str(record.get("mPlanID") or "").strip()
    if not mplan_id:
        raise MalformedRecord("mPlanID missing")
    name = str(record.get("name") or "").strip()
    if not name:
        raise MalformedRecord("name missing")
    start = _parse_date(record.get("startDate"), "startDate")
    due = _parse_date(record.get("endDate"), "endDate")
    if start > due:
        raise MalformedRecord(f"startDate {start} is after endDate {due}")
    scheduled_at = None
    if record.get("scheduleDate"):
        try:
            scheduled_at = datetime.strptime(str(record["scheduleDate"]).strip(), "%m/%d/%Y %I:%M:%S %p")
        except ValueError as exc:
            raise MalformedRecord(f"scheduleDate {record['scheduleDate']!r} is not MM/DD/YYYY hh:mm:ss AM") from exc
    tools = record.get("salesTools") or []
    url = ""
    if isinstance(tools, list) and tools and isinstance(tools[0], dict):
        url = str(tools[0].get("salesToolURL") or "")
    staffed = tuple(n.strip() for n in str(record.get("staffedReps") or "").split(",") if n.strip())
    return CrossmarkEvent(
        mplan_id=mplan_id,
        name=name[:300],
        store_id=str(record.get("storeID") or ""),
        store_name=str(record.get("storeName") or ""),
        start_date=start,
        due_date=due,
        condition=str(record.get("condition") or "Unstaffed"),
        sales_tool_url=url[:500],
        scheduled_at=scheduled_at,
        schedule_rep_id=str(record.get("scheduleRepID") or ""),
        schedule_event_id=str(record.get("scheduleEventID") or ""),
        staffed_reps=staffed,
    )


def parse_rep(record: dict) -> CrossmarkRep:
    if not isinstance(record, dict):
        raise MalformedRecord("rep is not an object")
    rep_id = str(record.get("repId") or record.get("id") or "").strip()
    if not rep_id:
        raise MalformedRecord("repId missing")
    return CrossmarkRep(
        rep_id=rep_id,
        employee_id=str(record.get("employeeId") or "").strip(),
        name=str(record.get("title") or "").strip(),
        email=str(record.get("email") or ""),
        phone=str(record.get("phone") or ""),
        role=str(record.get("role") or ""),
    )


def format_mplan(event: CrossmarkEvent) -> dict:
    """The inverse of parse_mplan (used by the fake and the bench's fake server)."""
    return {
        "mPlanID": event.mplan_id,
        "name": event.name,
        "storeID": event.store_id,
        "storeName": event.store_name,
        "startDate": event.start_date.strftime("%m/%d/%Y"),
        "endDate": event.due_date.strftime("%m/%d/%Y"),
        "condition": event.condition,
        "salesTools": [{"salesToolURL": event.sales_tool_url}],
        "scheduleDate": event.scheduled_at.strftime("%m/%d/%Y %I:%M:%S %p") if event.scheduled_at else "",
        "scheduleRepID": event.schedule_rep_id,
        "scheduleEventID": event.schedule_event_id,
        "staffedReps": ", ".join(event.staffed_reps),
    }
