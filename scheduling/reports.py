"""The coordinator's views (reads): workload per employee per week, attendance per day, and past
events not reported in Crossmark. Each loads in a fixed number of queries and returns plain rows
that the page shows and the CSV export writes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from project import dates

from . import rules
from .models import Attendance, Condition, Schedule
from .selectors import employee_info, employee_list, local_midnight, rule_context_build, scheduling_settings_get

# Above this many scheduled hours in a week a person is flagged as over.
WEEK_HOURS_LIMIT = 40
# Crossmark conditions that mean the work was reported (or will never be).
REPORTED_CONDITIONS = {Condition.SUBMITTED, Condition.CANCELED, Condition.EXPIRED}


def week_start(day: date) -> date:
    """Weeks start on settings.WEEK_START, as in every calendar."""
    return dates.week_start(day)


@dataclass(frozen=True)
class WorkloadRow:
    employee_id: int
    employee: str
    job_title: str
    events: int
    hours: float
    days_worked: int
    days_available: int
    flag: str  # "over", "under" or ""
    why: str


def _available(employee: rules.EmployeeInfo, day: date, ctx: rules.RuleContext) -> bool:
    if not employee.is_active or (employee.termination_date and day >= employee.termination_date):
        return False
    if ctx.is_holiday(day) or ctx.time_off_on(employee.id, day):
        return False
    explicit = ctx.date_availability.get((employee.id, day))
    if explicit is not None:
        return explicit
    return employee.weekly is None or employee.weekly[day.weekday()]


def workload(*, start: date) -> list[WorkloadRow]:
    """Hours and events per employee for the week from `start` (a Monday), with flags: over when
    they work on a day they are not available or more than WEEK_HOURS_LIMIT hours; under when they
    work fewer than half of their available days."""
    days = [start + timedelta(days=i) for i in range(7)]
    ctx = rule_context_build(start=days[0], end=days[-1], settings_row=scheduling_settings_get())
    minutes: dict[int, int] = defaultdict(int)
    events: dict[int, int] = defaultdict(int)
    worked: dict[int, set[date]] = defaultdict(set)
    for employee_id, start_at, event_type, sub_type, estimated in Schedule.objects.filter(
        start_at__gte=local_midnight(days[0]), start_at__lt=local_midnight(days[-1] + timedelta(days=1))
    ).values_list("employee_id", "start_at", "event__event_type", "event__sub_type", "event__estimated_minutes"):
        minutes[employee_id] += rules.duration_minutes(
            ctx.durations, event_type=event_type, sub_type=sub_type, estimated=estimated
        )
        events[employee_id] += 1
        worked[employee_id].add(timezone.localtime(start_at).date())
    rows = []
    for employee in employee_list():
        info = employee_info(employee)
        available = [d for d in days if _available(info, d, ctx)]
        if not employee.is_active and not events[employee.pk]:
            continue
        hours = round(minutes[employee.pk] / 60, 1)
        off_days = sorted(worked[employee.pk] - set(available))
        flag, why = "", ""
        if off_days:
            flag, why = "over", "works on a day not available: " + ", ".join(f"{d:%a %b} {d.day}" for d in off_days)
        elif hours > WEEK_HOURS_LIMIT:
            flag, why = "over", f"{hours:g} h scheduled (more than {WEEK_HOURS_LIMIT} h)"
        elif available and len(worked[employee.pk]) * 2 < len(available):
            flag, why = "under", f"works {len(worked[employee.pk])} of {len(available)} available days"
        rows.append(
            WorkloadRow(
                employee.pk,
                employee.name,
                employee.get_job_title_display(),
                events[employee.pk],
                hours,
                len(worked[employee.pk]),
                len(available),
                flag,
                why,
            )
        )
    return rows


@dataclass(frozen=True)
class AttendanceRow:
    employee_id: int
    employee: str
    events: str  # the day's events, "09:45 Core 606001-CORE-…; …"
    status: str  # the attendance label, or "Not reported"
    reported: bool
    notes: str


def attendance(*, day: date) -> list[AttendanceRow]:
    """Who worked on `day` (posted schedules) and what was recorded for them; people recorded
    without a schedule are listed too. "Not reported": scheduled, nothing recorded."""
    schedules = defaultdict(list)
    names: dict[int, str] = {}
    for s in (
        Schedule.objects.select_related("event", "employee")
        .filter(start_at__gte=local_midnight(day), start_at__lt=local_midnight(day + timedelta(days=1)))
        .order_by("employee__name", "start_at")
    ):
        schedules[s.employee_id].append(s)
        names[s.employee_id] = s.employee.name
    records = {a.employee_id: a for a in Attendance.objects.select_related("employee").filter(date=day)}
    for a in records.values():
        names.setdefault(a.employee_id, a.employee.name)
    rows = []
    for employee_id in sorted(names, key=lambda pk: (names[pk], pk)):
        record = records.get(employee_id)
        worked = "; ".join(
            f"{timezone.localtime(s.start_at):%H:%M} {s.event.get_event_type_display()} {s.event.name}"
            for s in schedules.get(employee_id, ())
        )
        rows.append(
            AttendanceRow(
                employee_id,
                names[employee_id],
                worked,
                record.get_status_display() if record else "Not reported",
                record is not None,
                record.notes if record else "",
            )
        )
    return rows


@dataclass(frozen=True)
class UnreportedRow:
    event_id: int
    event: str
    event_type: str
    date: date
    employee: str
    condition: str
    days_ago: int


def unreported(*, today: date | None = None, days_back: int = 30) -> list[UnreportedRow]:
    """Posted events of the last `days_back` days before today that Crossmark does not show as
    reported (condition still Scheduled, Staffed, In Progress, …), oldest first."""
    today = today or timezone.localdate()
    rows = []
    for s in (
        Schedule.objects.select_related("event", "employee")
        .filter(start_at__gte=local_midnight(today - timedelta(days=days_back)), start_at__lt=local_midnight(today))
        .exclude(event__condition__in=REPORTED_CONDITIONS)
        .order_by("start_at", "id")
    ):
        day = timezone.localtime(s.start_at).date()
        rows.append(
            UnreportedRow(
                s.event_id,
                s.event.name,
                s.event.get_event_type_display(),
                day,
                s.employee.name,
                s.event.condition,
                (today - day).days,
            )
        )
    return rows
