"""The one rule set for placing an employee on an event. Plain Python: no ORM, no request.

Manual scheduling (services), the schedule verification dashboard and the auto-scheduler all
call `validate_assignment` with a `RuleContext` built once from the database
(`scheduling.selectors.rule_context_build`). Violations are HARD (never allowed) or SOFT
(a coordinator may accept them; the acceptance is recorded on the schedule).

Windows: the schedule date must be on or after the event's start date and strictly before its
due date (due is exclusive everywhere). Durations: estimated minutes, else the type default.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

# The values match scheduling.models.EventType / JobTitle / EventSubType (kept as plain strings
# so that this module never imports Django).
CORE, SUPERVISOR, JUICER, FREEOSK, DIGITAL, OTHER = "core", "supervisor", "juicer", "freeosk", "digital", "other"
CLUB_SUPERVISOR = "club_supervisor"
LEAD = "lead_event_specialist"
SPECIALIST = "event_specialist"
JUICER_BARISTA = "juicer_barista"
DIGITAL_SETUP, DIGITAL_REFRESH, DIGITAL_TEARDOWN = "digital_setup", "digital_refresh", "digital_teardown"
JUICER_PRODUCTION, JUICER_SURVEY = "juicer_production", "juicer_survey"

# ---- The defaults of the scheduling settings, here and only here (the settings model reads them).
DEFAULT_CORE_SLOTS = (time(9, 45), time(10, 30), time(11, 0), time(11, 30))
DEFAULT_SUPERVISOR_TIME = time(12, 0)
DEFAULT_FREEOSK_TIME = time(10, 0)
DEFAULT_OTHER_TIME = time(11, 0)
DEFAULT_DIGITAL_SETUP_SLOTS = (time(10, 15), time(10, 30), time(10, 45), time(11, 0))
DEFAULT_DIGITAL_TEARDOWN_SLOTS = (time(18, 0), time(18, 15), time(18, 30), time(18, 45))
DEFAULT_JUICER_PRODUCTION_TIME = time(9, 0)
DEFAULT_JUICER_SURVEY_TIME = time(17, 0)
# Minutes per type, and per sub-type where a sub-type is not the type's usual length: a Juicer
# survey is an hour, not a 9-hour production (a 17:00 survey must not block the next morning).
# Other sub-types take their type's minutes unless the settings give them their own.
DEFAULT_DURATIONS = {CORE: 390, JUICER: 540, JUICER_SURVEY: 60, SUPERVISOR: 5, FREEOSK: 15, DIGITAL: 15, OTHER: 15}
FALLBACK_MINUTES = 15
# The keys a duration may have, with their labels (settings forms list them in this order).
DURATION_KEYS = {
    CORE: "Core",
    SUPERVISOR: "Supervisor",
    JUICER: "Juicer (any)",
    JUICER_PRODUCTION: "Juicer production",
    JUICER_SURVEY: "Juicer survey",
    FREEOSK: "Freeosk",
    DIGITAL: "Digital (any)",
    DIGITAL_SETUP: "Digital setup",
    DIGITAL_REFRESH: "Digital refresh",
    DIGITAL_TEARDOWN: "Digital teardown",
    OTHER: "Other",
}


def duration_minutes(
    durations: dict[str, int], *, event_type: str, sub_type: str = "", estimated: int | None = None
) -> int:
    """The one duration rule: the event's own estimate, else its sub-type's minutes (settings,
    then defaults), else its type's (settings, then defaults). A sub-type's minutes win over its
    type's, so a settings row that only names types still gives a survey its own length."""
    for value in (
        estimated,
        durations.get(sub_type) if sub_type else None,
        DEFAULT_DURATIONS.get(sub_type) if sub_type else None,
        durations.get(event_type),
        DEFAULT_DURATIONS.get(event_type),
    ):
        if value:
            return int(value)
    return FALLBACK_MINUTES


# Who may work which type (HARD). Order = preference, used by the auto-scheduler.
ROLE_MATRIX: dict[str, tuple[str, ...]] = {
    JUICER: (JUICER_BARISTA,),
    CORE: (LEAD, SPECIALIST, JUICER_BARISTA),
    SUPERVISOR: (CLUB_SUPERVISOR, LEAD),
    FREEOSK: (LEAD, CLUB_SUPERVISOR),
    DIGITAL: (LEAD, CLUB_SUPERVISOR),
    OTHER: (CLUB_SUPERVISOR, LEAD),
}
TITLE_LABELS = {
    CLUB_SUPERVISOR: "Club Supervisor",
    LEAD: "Lead Event Specialist",
    SPECIALIST: "Event Specialist",
    JUICER_BARISTA: "Juicer Barista",
}
TYPE_LABELS = {
    CORE: "Core",
    SUPERVISOR: "Supervisor",
    JUICER: "Juicer",
    FREEOSK: "Freeosk",
    DIGITAL: "Digital",
    OTHER: "Other",
}


class Severity(StrEnum):
    HARD = "hard"
    SOFT = "soft"


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    severity: Severity = Severity.HARD

    @property
    def is_hard(self) -> bool:
        return self.severity is Severity.HARD

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "severity": self.severity.value}


@dataclass(frozen=True)
class EmployeeInfo:
    id: int
    name: str
    job_title: str
    is_active: bool = True
    termination_date: date | None = None
    weekly: tuple[bool, ...] | None = None  # Monday..Sunday; None = available every day


@dataclass(frozen=True)
class EventInfo:
    id: int
    name: str
    event_type: str
    start_at: datetime  # local (naive or aware, but consistent across the context)
    due_at: datetime
    sub_type: str = ""
    event_number: str = ""
    estimated_minutes: int | None = None


@dataclass(frozen=True)
class Booking:
    """An existing assignment (posted schedule, or a proposal of the running plan)."""

    event_id: int
    employee_id: int
    start_at: datetime
    end_at: datetime
    event_type: str
    event_name: str = ""


@dataclass
class RuleContext:
    """Everything the rules need, loaded once. All datetimes in local time."""

    durations: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DURATIONS))
    core_slots: tuple[time, ...] = DEFAULT_CORE_SLOTS
    supervisor_time: time = DEFAULT_SUPERVISOR_TIME
    time_off: dict[int, list[tuple[date, date]]] = field(default_factory=lambda: defaultdict(list))
    date_availability: dict[tuple[int, date], bool] = field(default_factory=dict)
    holidays: set[date] = field(default_factory=set)
    recurring_holidays: set[tuple[int, int]] = field(default_factory=set)
    rotations: dict[tuple[str, int], int] = field(default_factory=dict)  # (type, weekday) -> employee id
    rotation_exceptions: dict[tuple[str, date], int] = field(default_factory=dict)  # (type, date) -> id
    bookings: dict[int, list[Booking]] = field(default_factory=lambda: defaultdict(list))  # by employee
    # Indexes kept in step with `bookings` by add_booking/remove_event, so that a check looks only
    # at the few bookings near its date (the auto-scheduler validates thousands of placements).
    _by_day: dict[tuple[int, date], list[Booking]] = field(default_factory=lambda: defaultdict(list), repr=False)
    _by_event: dict[int, list[Booking]] = field(default_factory=lambda: defaultdict(list), repr=False)
    _longest: timedelta = field(default=timedelta(0), repr=False)
    _duration_memo: dict[tuple, timedelta] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ lookups
    def duration(self, event: EventInfo) -> timedelta:
        # Asked for every check of every placement: remembered per (type, sub-type, estimate).
        # `durations` is fixed once the context is built.
        key = (event.event_type, event.sub_type, event.estimated_minutes)
        found = self._duration_memo.get(key)
        if found is None:
            found = self._duration_memo[key] = timedelta(
                minutes=duration_minutes(
                    self.durations,
                    event_type=event.event_type,
                    sub_type=event.sub_type,
                    estimated=event.estimated_minutes,
                )
            )
        return found

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.recurring_holidays

    def rotation_employee(self, rotation_type: str, day: date) -> int | None:
        """The rotation person of a date: a per-date exception wins over the weekday rotation."""
        exception = self.rotation_exceptions.get((rotation_type, day))
        if exception is not None:
            return exception
        return self.rotations.get((rotation_type, day.weekday()))

    def time_off_on(self, employee_id: int, day: date) -> tuple[date, date] | None:
        for start, end in self.time_off.get(employee_id, ()):
            if start <= day <= end:
                return start, end
        return None

    def bookings_of(self, employee_id: int, *, exclude_events: Iterable[int] = ()) -> list[Booking]:
        excluded = set(exclude_events)
        return [b for b in self.bookings.get(employee_id, ()) if b.event_id not in excluded]

    @property
    def longest_booking(self) -> timedelta:
        return self._longest

    def bookings_near(self, employee_id: int, start_at: datetime, end_at: datetime) -> list[Booking]:
        """The employee's bookings that start on a date that can reach [start_at, end_at): the
        dates from (start_at - the longest booking) to end_at's date."""
        day = (start_at - self._longest).date()
        last = end_at.date()
        out: list[Booking] = []
        while day <= last:
            out.extend(self._by_day.get((employee_id, day), ()))
            day += timedelta(days=1)
        return out

    def bookings_on(self, employee_id: int, day: date) -> list[Booking]:
        return self._by_day.get((employee_id, day), [])

    def bookings_of_event(self, event_id: int) -> list[Booking]:
        return list(self._by_event.get(event_id, ()))

    def add_booking(self, booking: Booking) -> None:
        self.bookings[booking.employee_id].append(booking)
        self._by_day[(booking.employee_id, booking.start_at.date())].append(booking)
        self._by_event[booking.event_id].append(booking)
        self._longest = max(self._longest, booking.end_at - booking.start_at)

    def remove_event(self, event_id: int) -> None:
        for booking in self._by_event.pop(event_id, ()):
            self.bookings[booking.employee_id].remove(booking)
            self._by_day[(booking.employee_id, booking.start_at.date())].remove(booking)


def event_number_from_name(name: str) -> str:
    """The first run of exactly 6 digits in the name ("606001-CORE-Super Pretzel" → "606001")."""
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", name or "")
    return match.group(1) if match else ""


def classify_event_name(name: str) -> tuple[str, str]:
    """(type, sub_type) derived from a Crossmark project name; editable afterwards.

    Word checks are ordered so that the explicit words win over incidental ones: a Supervisor
    event is named "…-Supervisor-…" and may mention CORE in its product text, so SUPERVISOR is
    tested before CORE (the system we replace let "CORE" anywhere win).
    """
    upper = (name or "").upper()
    if "JUICER" in upper or "PRODUCTION-SPCLTY" in upper:
        if "SURVEY" in upper:
            return JUICER, JUICER_SURVEY
        return JUICER, JUICER_PRODUCTION
    if "DIGITAL" in upper:
        if "TEARDOWN" in upper:
            return DIGITAL, DIGITAL_TEARDOWN
        if "REFRESH" in upper:
            return DIGITAL, DIGITAL_REFRESH
        return DIGITAL, DIGITAL_SETUP
    if re.search(r"SUPERVISOR|V2-SUPER|SUPERVISO", upper):
        return SUPERVISOR, ""
    if "CORE" in upper:
        return CORE, ""
    if "FREEOSK" in upper:
        return FREEOSK, ""
    return OTHER, ""


# --------------------------------------------------------------------------- the checks
def _check_employee_status(employee: EmployeeInfo, day: date) -> list[Violation]:
    if not employee.is_active:
        return [Violation("inactive", f"{employee.name} is not active.")]
    if employee.termination_date is not None and day >= employee.termination_date:
        return [Violation("terminated", f"{employee.name} is terminated as of {employee.termination_date}.")]
    return []


def _check_window(event: EventInfo, start_at: datetime) -> list[Violation]:
    day = start_at.date()
    if day < event.start_at.date():
        return [Violation("window", f"{day} is before the event starts ({event.start_at.date()}).")]
    if day >= event.due_at.date():
        return [Violation("window", f"{day} is not before the due date ({event.due_at.date()}).")]
    return []


def _check_role(event: EventInfo, employee: EmployeeInfo, day: date, ctx: RuleContext) -> list[Violation]:
    allowed = ROLE_MATRIX.get(event.event_type, ROLE_MATRIX[OTHER])
    title = TITLE_LABELS.get(employee.job_title, employee.job_title)
    type_label = TYPE_LABELS.get(event.event_type, event.event_type)
    if employee.job_title not in allowed:
        names = " or ".join(TITLE_LABELS[t] for t in allowed)
        return [Violation("role", f"A {title} cannot work a {type_label} event (needs {names}).")]
    out: list[Violation] = []
    if (
        event.event_type == CORE
        and employee.job_title == JUICER_BARISTA
        and ctx.rotation_employee(JUICER, day) == employee.id
    ):
        out.append(Violation("juicing_that_day", f"{employee.name} is the Juicer on {day} and cannot take a Core."))
    if event.event_type == JUICER:
        rotation = ctx.rotation_employee(JUICER, day)
        if rotation is not None and rotation != employee.id:
            out.append(
                Violation("not_rotation_juicer", f"{employee.name} is not the rotation Juicer on {day}.", Severity.SOFT)
            )
    if event.event_type == SUPERVISOR and employee.job_title == LEAD:
        primary = ctx.rotation_employee("primary_lead", day)
        if primary is not None and primary != employee.id:
            out.append(
                Violation("not_primary_lead", f"{employee.name} is not the Primary Lead on {day}.", Severity.SOFT)
            )
    return out


def _check_availability(employee: EmployeeInfo, day: date, ctx: RuleContext) -> list[Violation]:
    out: list[Violation] = []
    if ctx.is_holiday(day):
        out.append(Violation("holiday", f"{day} is a company holiday."))
    off = ctx.time_off_on(employee.id, day)
    if off is not None:
        out.append(Violation("time_off", f"{employee.name} has time off {off[0]}–{off[1]}."))
    explicit = ctx.date_availability.get((employee.id, day))
    if explicit is False:
        out.append(Violation("date_unavailable", f"{employee.name} is unavailable on {day}."))
    elif explicit is None and employee.weekly is not None and not employee.weekly[day.weekday()]:
        out.append(Violation("weekly_unavailable", f"{employee.name} does not work on {day:%A}s."))
    return out


def _check_bookings(
    event: EventInfo,
    employee: EmployeeInfo,
    start_at: datetime,
    ctx: RuleContext,
    exclude_events: Iterable[int],
    first_only: bool = False,
) -> list[Violation]:
    out: list[Violation] = []
    end_at = start_at + ctx.duration(event)
    day = start_at.date()
    excluded = {event.id, *exclude_events}
    if event.event_type in (CORE, JUICER):
        same_day = [b for b in ctx.bookings_on(employee.id, day) if b.event_id not in excluded]
        same_day_cores = [b for b in same_day if b.event_type == CORE]
        if event.event_type == CORE and same_day_cores:
            out.append(
                Violation(
                    "one_core_per_day", f"{employee.name} already has a Core on {day} ({same_day_cores[0].event_name})."
                )
            )
        if event.event_type == JUICER and same_day_cores:
            out.append(
                Violation("juicer_and_core", f"{employee.name} has a Core on {day}; a Juicer cannot also work a Core.")
            )
        if event.event_type == CORE and any(b.event_type == JUICER for b in same_day):
            out.append(Violation("juicer_and_core", f"{employee.name} is juicing on {day} and cannot take a Core."))
        if out and first_only:
            return out
    # Supervisor events (a few minutes at noon, a sign-off) are exempt from the overlap rule: several
    # may sit at 12:00 for one person, and they never conflict with that person's other work.
    if event.event_type == SUPERVISOR:
        return out
    for booking in ctx.bookings_near(employee.id, start_at, end_at):
        if booking.event_id in excluded or booking.event_type == SUPERVISOR:
            continue
        if booking.start_at < end_at and start_at < booking.end_at:
            out.append(
                Violation(
                    "overlap",
                    f"Overlaps {booking.event_name or 'another event'} "
                    f"({booking.start_at:%H:%M}–{booking.end_at:%H:%M}) of {employee.name}.",
                )
            )
            break
    return out


def _check_time_of_day(event: EventInfo, start_at: datetime, ctx: RuleContext) -> list[Violation]:
    if event.event_type == CORE and start_at.time() not in ctx.core_slots:
        slots = ", ".join(t.strftime("%H:%M") for t in ctx.core_slots)
        return [Violation("core_slot", f"{start_at:%H:%M} is not a Core slot ({slots}).", Severity.SOFT)]
    if event.event_type == SUPERVISOR and start_at.time() != ctx.supervisor_time:
        return [Violation("supervisor_time", f"Supervisor events go at {ctx.supervisor_time:%H:%M}.", Severity.SOFT)]
    return []


# The codes of the one check that comes before the event's own window in `validate_assignment`:
# a refusal remembered for another event of the same type explains this one only for these, or when
# this event's window holds (`window_violation`).
BEFORE_WINDOW_CODES = frozenset({"inactive", "terminated"})


def window_violation(event: EventInfo, start_at: datetime) -> Violation | None:
    """The event's own window check alone (the first answer after the person's status)."""
    found = _check_window(event, start_at)
    return found[0] if found else None


# Violation codes that depend on the date only, not on the time of day: a planner that meets one
# of them can skip the other times of that date for the same person.
DAY_LEVEL_CODES = frozenset(
    {
        "inactive",
        "terminated",
        "window",
        "role",
        "juicing_that_day",
        "not_rotation_juicer",
        "not_primary_lead",
        "holiday",
        "time_off",
        "date_unavailable",
        "weekly_unavailable",
        "one_core_per_day",
        "juicer_and_core",
    }
)


def validate_assignment(
    *,
    event: EventInfo,
    employee: EmployeeInfo,
    start_at: datetime,
    ctx: RuleContext,
    exclude_events: Iterable[int] = (),
    first_only: bool = False,
) -> list[Violation]:
    """Every violation of placing `employee` on `event` at `start_at`; empty means allowed.

    `exclude_events` names bookings to ignore (the ones the same operation moves away, e.g. the
    two Cores of a swap). The event's own booking is always ignored. `first_only` stops at the
    first violation found (the auto-scheduler only needs yes/no and a reason): same rules, less work.
    """
    day = start_at.date()
    checks = (
        lambda: _check_employee_status(employee, day),
        lambda: _check_window(event, start_at),
        lambda: _check_role(event, employee, day, ctx),
        lambda: _check_availability(employee, day, ctx),
        lambda: _check_bookings(event, employee, start_at, ctx, exclude_events, first_only),
        lambda: _check_time_of_day(event, start_at, ctx),
    )
    out: list[Violation] = []
    for check in checks:
        found = check()
        if found:
            if first_only:
                return found[:1]
            out.extend(found)
    return out


def hard(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if v.is_hard]


def soft(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if not v.is_hard]


def supervisor_start(core_start: datetime, ctx: RuleContext) -> datetime:
    """The one Supervisor rule: the paired Supervisor goes at the Supervisor time on the Core's date."""
    return datetime.combine(core_start.date(), ctx.supervisor_time, tzinfo=core_start.tzinfo)


def supervisor_candidates(day: date, employees: Iterable[EmployeeInfo], ctx: RuleContext) -> list[EmployeeInfo]:
    """Who should take a Supervisor event on `day`, in order: the Club Supervisor(s), then the
    day's Primary Lead. (Validation decides whether they can.)"""
    staff = sorted(employees, key=lambda e: e.id)
    primary = ctx.rotation_employee("primary_lead", day)
    ordered = [e for e in staff if e.job_title == CLUB_SUPERVISOR]
    ordered += [e for e in staff if e.id == primary and e.job_title == LEAD]
    return ordered
