"""Scheduling services: manual scheduling. Crossmark first, the local change only when Crossmark
accepted every call; otherwise it undoes what Crossmark already did (best effort) and changes
nothing locally. Every placement is validated by `scheduling.rules.validate_assignment`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations.crossmark import CrossmarkClient

from .. import rules
from ..models import Condition, Employee, Event, EventType, Schedule
from ..selectors import employee_info, employee_infos, event_info, paired_supervisor_event, rule_context_build
from . import clients
from .clients import (
    CrossmarkFailed,
    Move,
    ScheduleOutcome,
    _crossmark_apply,
    _crossmark_transaction,
    _lock,
    _paired_schedule,
)

# Conditions in which an event may receive a (new) posted schedule. "Scheduled" without a local
# posting means someone posted it in Crossmark directly: resolve that first (see the sync log).
SCHEDULABLE_CONDITIONS = {Condition.UNSTAFFED, Condition.REISSUED}
# Violation codes that concern the chosen time rather than the person (for error field names).
TIME_CODES = {"window", "core_slot", "supervisor_time", "overlap"}


def _raise_hard(violations: list[rules.Violation], *, prefix: str = "") -> None:
    errors: dict[str, list[str]] = {}
    for v in violations:
        errors.setdefault("start_at" if v.code in TIME_CODES else "employee", []).append(prefix + v.message)
    raise ValidationError(errors)


def _enforce(violations: list[rules.Violation], *, override_reason: str, prefix: str = "") -> list[dict]:
    """Hard violations always refuse. Soft warnings refuse unless the coordinator gave a reason,
    in which case they are returned to be recorded on the schedule."""
    hard = rules.hard(violations)
    if hard:
        _raise_hard(hard, prefix=prefix)
    warnings = rules.soft(violations)
    if warnings and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": [prefix + v.message for v in warnings]
                + ["Give a reason to schedule despite these warnings."]
            }
        )
    return [v.as_dict() for v in warnings]


def assignment_violations(
    *, event: Event, employee: Employee, start_at: datetime, exclude_events: tuple[int, ...] = ()
) -> list[rules.Violation]:
    local = timezone.localtime(start_at)
    ctx = rule_context_build(start=local.date(), end=local.date())
    return rules.validate_assignment(
        event=event_info(event),
        employee=employee_info(employee),
        start_at=local,
        ctx=ctx,
        exclude_events=exclude_events,
    )


def _check_event_open(event: Event) -> None:
    if event.missing_since is not None:
        raise ValidationError({"event": "Crossmark no longer lists this event."})
    if event.condition not in SCHEDULABLE_CONDITIONS:
        raise ValidationError({"event": f"An event in condition {event.condition} cannot be scheduled."})


def _check_rep(employee: Employee) -> None:
    if not employee.crossmark_rep_id:
        raise ValidationError({"employee": f"{employee.name} has no Crossmark rep id, so Crossmark cannot post it."})


# --------------------------------------------------------------------------- manual scheduling
def schedule_assign(
    *,
    event: Event,
    employee: Employee,
    start_at: datetime,
    user=None,
    override_reason: str = "",
    crossmark: CrossmarkClient | None = None,
    pair_supervisor: bool = True,
) -> ScheduleOutcome:
    """Post `employee` on `event` at `start_at`. A Core also gets its paired Supervisor event
    placed (the one Supervisor rule) when that is possible; otherwise a note says why not."""
    client = crossmark or clients.crossmark_for_user(user)
    with _crossmark_transaction():
        event = Event.objects.select_for_update().get(pk=event.pk)
        employee = (
            Employee.objects.select_for_update(of=("self",)).select_related("weekly_availability").get(pk=employee.pk)
        )
        if Schedule.objects.filter(event=event).exists():
            raise ValidationError({"event": "This event is already scheduled; reschedule or reassign it instead."})
        _check_event_open(event)
        violations = assignment_violations(event=event, employee=employee, start_at=start_at)
        accepted = _enforce(violations, override_reason=override_reason)
        _check_rep(employee)
        move = Move(schedule=None, event=event, employee=employee, start_at=start_at)
        _crossmark_apply(client, [move])
        schedule = Schedule(
            event=event,
            employee=employee,
            start_at=start_at,
            crossmark_schedule_id=move.new_crossmark_id,
            overridden_warnings=accepted,
            override_reason=override_reason.strip() if accepted else "",
            created_by=user if user is not None and user.pk else None,
        )
        schedule.full_clean()
        schedule.save()
        event.condition = Condition.SCHEDULED
        event.save(update_fields=["condition", "updated_at"])
    outcome = ScheduleOutcome(schedules=[schedule], accepted_warnings=accepted)
    if pair_supervisor and event.event_type == EventType.CORE:
        outcome.notes.extend(_supervisor_pair(core_schedule=schedule, user=user, client=client))
    return outcome


def _supervisor_pair(*, core_schedule: Schedule, user, client: CrossmarkClient) -> list[str]:
    """Place the Core's Supervisor event: at the Supervisor time on the Core's date, with the Club
    Supervisor, else the day's Primary Lead — the same rule as the auto-scheduler."""
    supervisor = paired_supervisor_event(core_schedule.event)
    if supervisor is None:
        return []
    if Schedule.objects.filter(event=supervisor).exists():
        return []
    local = timezone.localtime(core_schedule.start_at)
    ctx = rule_context_build(start=local.date(), end=local.date())
    start_at = rules.supervisor_start(local, ctx)
    infos = employee_infos()
    for candidate in rules.supervisor_candidates(local.date(), infos.values(), ctx):
        violations = rules.validate_assignment(
            event=event_info(supervisor), employee=candidate, start_at=start_at, ctx=ctx
        )
        if rules.hard(violations) or rules.soft(violations):
            continue
        employee = Employee.objects.get(pk=candidate.id)
        try:
            schedule_assign(
                event=supervisor,
                employee=employee,
                start_at=start_at,
                user=user,
                crossmark=client,
                pair_supervisor=False,
            )
        except (ValidationError, CrossmarkFailed) as exc:
            return [f"The Supervisor event {supervisor.name} could not be posted: {_message(exc)}"]
        return [f"The Supervisor event {supervisor.name} was posted for {employee.name} at {start_at:%H:%M}."]
    return [
        f"The Supervisor event {supervisor.name} is still unscheduled: neither the Club Supervisor nor the "
        f"Primary Lead can take it on {local.date()}."
    ]


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def schedule_unschedule(*, schedule: Schedule, user=None, crossmark: CrossmarkClient | None = None) -> list[Event]:
    """Remove a posting (and, for a Core, its paired Supervisor's). All or nothing."""
    client = crossmark or clients.crossmark_for_user(user)
    with _crossmark_transaction():
        schedule = _lock(schedule)
        moves = [Move(schedule=schedule, event=schedule.event, employee=None, start_at=None)]
        paired = _paired_schedule(schedule) if schedule.event.event_type == EventType.CORE else None
        if paired is not None:
            moves.append(Move(schedule=paired, event=paired.event, employee=None, start_at=None))
        _crossmark_apply(client, moves)
        events = []
        for move in moves:
            move.schedule.delete()
            move.event.condition = Condition.UNSTAFFED
            move.event.save(update_fields=["condition", "updated_at"])
            events.append(move.event)
    return events


def schedule_reschedule(
    *,
    schedule: Schedule,
    start_at: datetime,
    user=None,
    override_reason: str = "",
    crossmark: CrossmarkClient | None = None,
) -> ScheduleOutcome:
    """Move a posting to a new time. A Core's paired Supervisor moves to the Supervisor time of
    the Core's new date; both are validated and both go to Crossmark, or neither changes."""
    client = crossmark or clients.crossmark_for_user(user)
    with _crossmark_transaction():
        schedule = _lock(schedule)
        paired = _paired_schedule(schedule) if schedule.event.event_type == EventType.CORE else None
        local = timezone.localtime(start_at)
        ctx = rule_context_build(start=local.date(), end=local.date())
        excluded = (schedule.event_id,) + ((paired.event_id,) if paired else ())
        violations = rules.validate_assignment(
            event=event_info(schedule.event),
            employee=employee_info(schedule.employee),
            start_at=local,
            ctx=ctx,
            exclude_events=excluded,
        )
        accepted = _enforce(violations, override_reason=override_reason)
        moves = [Move(schedule=schedule, event=schedule.event, employee=schedule.employee, start_at=start_at)]
        if paired is not None:
            supervisor_at = rules.supervisor_start(local, ctx)
            ctx.remove_event(schedule.event_id)
            core_info = event_info(schedule.event)
            ctx.add_booking(
                rules.Booking(
                    event_id=schedule.event_id,
                    employee_id=schedule.employee_id,
                    start_at=local,
                    end_at=local + ctx.duration(core_info),
                    event_type=EventType.CORE,
                    event_name=schedule.event.name,
                )
            )
            sup_violations = rules.validate_assignment(
                event=event_info(paired.event),
                employee=employee_info(paired.employee),
                start_at=supervisor_at,
                ctx=ctx,
                exclude_events=(paired.event_id,),
            )
            accepted += _enforce(sup_violations, override_reason=override_reason, prefix="Paired Supervisor: ")
            moves.append(Move(schedule=paired, event=paired.event, employee=paired.employee, start_at=supervisor_at))
        _crossmark_apply(client, moves)
        outcome = ScheduleOutcome(accepted_warnings=accepted)
        for move in moves:
            move.schedule.start_at = move.start_at
            move.schedule.crossmark_schedule_id = move.new_crossmark_id
            if accepted:
                move.schedule.overridden_warnings = accepted
                move.schedule.override_reason = override_reason.strip()
            move.schedule.full_clean()
            move.schedule.save()
            outcome.schedules.append(move.schedule)
    return outcome


def schedule_reassign(
    *,
    schedule: Schedule,
    employee: Employee,
    user=None,
    override_reason: str = "",
    crossmark: CrossmarkClient | None = None,
) -> ScheduleOutcome:
    """Give a posted event (typically a Supervisor event) to another employee at the same time."""
    client = crossmark or clients.crossmark_for_user(user)
    with _crossmark_transaction():
        schedule = _lock(schedule)
        employee = (
            Employee.objects.select_for_update(of=("self",)).select_related("weekly_availability").get(pk=employee.pk)
        )
        if employee.pk == schedule.employee_id:
            raise ValidationError({"employee": f"{employee.name} already has this event."})
        violations = assignment_violations(event=schedule.event, employee=employee, start_at=schedule.start_at)
        accepted = _enforce(violations, override_reason=override_reason)
        _check_rep(employee)
        move = Move(schedule=schedule, event=schedule.event, employee=employee, start_at=schedule.start_at)
        _crossmark_apply(client, [move])
        schedule.employee = employee
        schedule.crossmark_schedule_id = move.new_crossmark_id
        schedule.overridden_warnings = accepted
        schedule.override_reason = override_reason.strip() if accepted else ""
        schedule.full_clean()
        schedule.save()
    return ScheduleOutcome(schedules=[schedule], accepted_warnings=accepted)


def schedule_swap_cores(
    *, first: Schedule, second: Schedule, user=None, override_reason: str = "", crossmark: CrossmarkClient | None = None
) -> ScheduleOutcome:
    """Trade two posted Cores between their employees; each event keeps its time."""
    client = crossmark or clients.crossmark_for_user(user)
    with _crossmark_transaction():
        first, second = _lock(first), _lock(second)
        if first.pk == second.pk:
            raise ValidationError({"second": "Choose two different schedules."})
        if first.event.event_type != EventType.CORE or second.event.event_type != EventType.CORE:
            raise ValidationError({"second": "Only two Core events can be swapped."})
        if first.employee_id == second.employee_id:
            raise ValidationError({"second": "Both Cores belong to the same employee."})
        days = sorted({timezone.localtime(first.start_at).date(), timezone.localtime(second.start_at).date()})
        ctx = rule_context_build(start=days[0], end=days[-1])
        both = (first.event_id, second.event_id)
        accepted: list[dict] = []
        for schedule, new_employee in ((first, second.employee), (second, first.employee)):
            violations = rules.validate_assignment(
                event=event_info(schedule.event),
                employee=employee_info(new_employee),
                start_at=timezone.localtime(schedule.start_at),
                ctx=ctx,
                exclude_events=both,
            )
            accepted += _enforce(violations, override_reason=override_reason, prefix=f"{schedule.event.name}: ")
        _check_rep(first.employee)
        _check_rep(second.employee)
        moves = [
            Move(schedule=first, event=first.event, employee=second.employee, start_at=first.start_at),
            Move(schedule=second, event=second.event, employee=first.employee, start_at=second.start_at),
        ]
        _crossmark_apply(client, moves)
        for move in moves:
            move.schedule.employee = move.employee
            move.schedule.crossmark_schedule_id = move.new_crossmark_id
            if accepted:
                move.schedule.overridden_warnings = accepted
                move.schedule.override_reason = override_reason.strip()
            move.schedule.save()
    return ScheduleOutcome(schedules=[first, second], accepted_warnings=accepted)
