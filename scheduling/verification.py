"""The schedule verification dashboard: ten checks of one day's schedule. Plain Python.

It reuses the rule set (`scheduling.rules`) for the person-level checks so that the dashboard,
manual scheduling and the auto-scheduler can never disagree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from . import rules
from .upc import barcode_plan

CHECKS = [
    ("one_core", "One Core per employee"),
    ("availability", "Availability"),
    ("time_off", "Time off"),
    ("core_slots", "Core slots standard and balanced"),
    ("pairing", "Core ↔ Supervisor pairing"),
    ("freeosk_role", "Freeosk assignee role"),
    ("digital_role", "Digital assignee role"),
    ("due_tomorrow", "Events due tomorrow still unscheduled"),
    ("juicer_rotation", "Juicer matches the rotation"),
    ("juicer_no_core", "Juicer not also on a Core"),
    ("item_upcs", "Item UPCs have a right check digit"),
]
CRITICAL, WARNING = "critical", "warning"


@dataclass(frozen=True)
class DayAssignment:
    event: rules.EventInfo
    employee: rules.EmployeeInfo
    start_at: datetime


@dataclass(frozen=True)
class DayItem:
    """An EDR item of one of the day's Core events (from the cached report)."""

    event_id: int
    event_number: str
    item_number: str
    upc: str


@dataclass(frozen=True)
class Issue:
    check: str
    severity: str
    message: str
    event_id: int | None = None
    employee_id: int | None = None


def verify_day(
    *,
    day: date,
    assignments: list[DayAssignment],
    ctx: rules.RuleContext,
    due_tomorrow_unscheduled: list[rules.EventInfo],
    items: list[DayItem] = (),
) -> list[Issue]:
    issues: list[Issue] = []
    todays = [a for a in assignments if a.start_at.date() == day]

    cores_by_person: dict[int, list[DayAssignment]] = defaultdict(list)
    for a in todays:
        if a.event.event_type == rules.CORE:
            cores_by_person[a.employee.id].append(a)
    for employee_id, cores in sorted(cores_by_person.items()):
        if len(cores) > 1:
            issues.append(
                Issue(
                    "one_core",
                    CRITICAL,
                    f"{cores[0].employee.name} has {len(cores)} Cores on {day}.",
                    employee_id=employee_id,
                )
            )

    for a in todays:
        off = ctx.time_off_on(a.employee.id, day)
        if off:
            issues.append(
                Issue(
                    "time_off",
                    CRITICAL,
                    f"{a.employee.name} works {a.event.name} during time off {off[0]}–{off[1]}.",
                    a.event.id,
                    a.employee.id,
                )
            )
        explicit = ctx.date_availability.get((a.employee.id, day))
        if explicit is False or (
            explicit is None and a.employee.weekly is not None and not a.employee.weekly[day.weekday()]
        ):
            issues.append(
                Issue(
                    "availability",
                    CRITICAL,
                    f"{a.employee.name} is not available on {day:%A} but works {a.event.name}.",
                    a.event.id,
                    a.employee.id,
                )
            )

    core_times = [a.start_at.time() for a in todays if a.event.event_type == rules.CORE]
    for a in todays:
        if a.event.event_type == rules.CORE and a.start_at.time() not in ctx.core_slots:
            issues.append(
                Issue(
                    "core_slots",
                    WARNING,
                    f"{a.event.name} starts at {a.start_at:%H:%M}, not a Core slot.",
                    a.event.id,
                    a.employee.id,
                )
            )
    counts = Counter(core_times)
    per_slot = [counts.get(slot, 0) for slot in ctx.core_slots]
    if per_slot and max(per_slot) >= 3 and min(per_slot) == 0:
        busiest = ctx.core_slots[per_slot.index(max(per_slot))]
        issues.append(
            Issue(
                "core_slots",
                WARNING,
                f"Core slots are unbalanced: {max(per_slot)} at {busiest:%H:%M} while another slot is empty.",
            )
        )

    by_number: dict[str, dict[str, list[DayAssignment]]] = defaultdict(lambda: defaultdict(list))
    for a in todays:
        if a.event.event_number and a.event.event_type in (rules.CORE, rules.SUPERVISOR):
            by_number[a.event.event_number][a.event.event_type].append(a)
    for _number, kinds in sorted(by_number.items()):
        if kinds.get(rules.CORE) and not kinds.get(rules.SUPERVISOR):
            core = kinds[rules.CORE][0]
            issues.append(
                Issue(
                    "pairing",
                    WARNING,
                    f"Core {core.event.name} has no Supervisor event scheduled on {day}.",
                    core.event.id,
                )
            )
        if kinds.get(rules.SUPERVISOR) and not kinds.get(rules.CORE):
            sup = kinds[rules.SUPERVISOR][0]
            issues.append(
                Issue("pairing", CRITICAL, f"Supervisor event {sup.event.name} has no Core on {day}.", sup.event.id)
            )

    for a in todays:
        allowed = rules.ROLE_MATRIX.get(a.event.event_type, ())
        if a.event.event_type == rules.FREEOSK and a.employee.job_title not in allowed:
            issues.append(
                Issue(
                    "freeosk_role",
                    CRITICAL,
                    f"{a.employee.name} cannot work Freeosk {a.event.name}.",
                    a.event.id,
                    a.employee.id,
                )
            )
        if a.event.event_type == rules.DIGITAL and a.employee.job_title not in allowed:
            issues.append(
                Issue(
                    "digital_role",
                    CRITICAL,
                    f"{a.employee.name} cannot work Digital {a.event.name}.",
                    a.event.id,
                    a.employee.id,
                )
            )

    for event in due_tomorrow_unscheduled:
        issues.append(
            Issue(
                "due_tomorrow", CRITICAL, f"{event.name} is due {event.due_at.date()} and still unscheduled.", event.id
            )
        )

    rotation_juicer = ctx.rotation_employee(rules.JUICER, day)
    juicers = {a.employee.id for a in todays if a.event.event_type == rules.JUICER}
    for a in todays:
        if a.event.event_type == rules.JUICER and rotation_juicer is not None and a.employee.id != rotation_juicer:
            issues.append(
                Issue(
                    "juicer_rotation",
                    WARNING,
                    f"{a.employee.name} juices on {day} but the rotation names someone else.",
                    a.event.id,
                    a.employee.id,
                )
            )
    for a in todays:
        if a.event.event_type == rules.CORE and a.employee.id in juicers:
            issues.append(
                Issue(
                    "juicer_no_core",
                    CRITICAL,
                    f"{a.employee.name} juices and also works Core {a.event.name} on {day}.",
                    a.event.id,
                    a.employee.id,
                )
            )
    for item in items:
        plan = barcode_plan(item.upc or item.item_number)
        if plan.flagged:
            issues.append(
                Issue(
                    "item_upcs",
                    WARNING,
                    f"Event {item.event_number}, item {item.item_number}: {plan.problem}",
                    item.event_id,
                )
            )
    return issues


def summary(issues: list[Issue]) -> list[dict]:
    """One row per check with its status, for the dashboard."""
    rows = []
    for code, label in CHECKS:
        mine = [i for i in issues if i.check == code]
        status = CRITICAL if any(i.severity == CRITICAL for i in mine) else WARNING if mine else "ok"
        rows.append({"check": code, "label": label, "status": status, "issues": mine})
    return rows
