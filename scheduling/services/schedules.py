"""Writes of the scheduling domain. Manual scheduling talks to Crossmark first and saves the
local change only when Crossmark accepted every call; otherwise it undoes what Crossmark already
did (best effort) and changes nothing locally."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.base import IntegrationError, PermanentError, is_live
from integrations.crossmark import CrossmarkClient, FakeCrossmarkClient, crossmark_client

from .. import rules
from ..models import (
    CompanyHoliday,
    Condition,
    CrossmarkAccount,
    DateAvailability,
    Employee,
    Event,
    EventType,
    RotationAssignment,
    RotationException,
    RotationType,
    Schedule,
    SchedulingSettings,
    TimeOff,
    WeeklyAvailability,
)
from ..selectors import (
    employee_info,
    employee_infos,
    event_info,
    paired_supervisor_event,
    rule_context_build,
    scheduling_settings_get,
)

logger = logging.getLogger(__name__)

# Conditions in which an event may receive a (new) posted schedule. "Scheduled" without a local
# posting means someone posted it in Crossmark directly: resolve that first (see the sync log).
SCHEDULABLE_CONDITIONS = {Condition.UNSTAFFED, Condition.REISSUED}
# Violation codes that concern the chosen time rather than the person (for error field names).
TIME_CODES = {"window", "core_slot", "supervisor_time", "overlap"}


class CrossmarkFailed(Exception):
    """Crossmark did not accept a change; nothing was changed locally."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


# --------------------------------------------------------------------------- Crossmark clients
def crossmark_for_user(user) -> CrossmarkClient:
    """The Crossmark client acting as this site user (their own account and session)."""
    if not is_live("crossmark"):
        return FakeCrossmarkClient(events=[])
    account = CrossmarkAccount.objects.filter(user=user).first() if user is not None else None
    if account is None:
        raise ValidationError({"crossmark": "Set up your own Crossmark login (Scheduling → Settings) first."})

    def remember(session_id: str, started: float) -> None:
        CrossmarkAccount.objects.filter(pk=account.pk).update(
            session_id=session_id, session_started_at=datetime.fromtimestamp(started, tz=UTC)
        )

    started = account.session_started_at.timestamp() if account.session_started_at else None
    return crossmark_client(
        username=account.username,
        password=account.password,
        session_id=account.session_id,
        session_started_at=started,
        on_session=remember,
    )


def crossmark_for_sync(settings_row: SchedulingSettings | None = None) -> CrossmarkClient:
    """The store account used by the background sync (configured in the settings)."""
    s = settings_row or scheduling_settings_get()
    return crossmark_client(username=s.crossmark_username, password=s.crossmark_password)


def crossmark_account_set(*, user, username: str, password: str) -> CrossmarkAccount:
    account, _ = CrossmarkAccount.objects.update_or_create(
        user=user, defaults={"username": username, "password": password, "session_id": "", "session_started_at": None}
    )
    return account


# --------------------------------------------------------------------------- validation
@dataclass
class Move:
    """One change to a posted schedule: new employee/start, or removal (employee None)."""

    schedule: Schedule | None
    event: Event
    employee: Employee | None
    start_at: datetime | None
    new_crossmark_id: str = ""


@dataclass
class ScheduleOutcome:
    schedules: list[Schedule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accepted_warnings: list[dict] = field(default_factory=list)


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


# --------------------------------------------------------------------------- Crossmark application
def _end_for(event: Event, start_at: datetime) -> datetime:
    minutes = rules.duration_minutes(
        scheduling_settings_get().durations or {},
        event_type=event.event_type,
        sub_type=event.sub_type,
        estimated=event.estimated_minutes,
    )
    return start_at + timedelta(minutes=minutes)


def _crossmark_schedule(client: CrossmarkClient, *, event: Event, employee: Employee, start_at: datetime) -> str:
    return client.schedule_event(
        rep_id=employee.crossmark_rep_id or "",
        mplan_id=event.mplan_id,
        location_id=event.store_id,
        start=timezone.localtime(start_at),
        end=timezone.localtime(_end_for(event, start_at)),
    )


def _crossmark_apply(client: CrossmarkClient, moves: list[Move]) -> None:
    """Apply every move in Crossmark (unschedule the old posting, post the new one). On the first
    failure, undo the moves already made in reverse order and raise CrossmarkFailed."""
    done: list[tuple[Move, str]] = []  # (move, "removed" | "moved" | "added")
    try:
        for move in moves:
            removed = False
            if move.schedule is not None:
                client.unschedule_event(schedule_id=move.schedule.crossmark_schedule_id)
                done.append((move, "removed"))
                removed = True
            if move.employee is not None:
                move.new_crossmark_id = _crossmark_schedule(
                    client, event=move.event, employee=move.employee, start_at=move.start_at
                )
                if removed:
                    done[-1] = (move, "moved")
                else:
                    done.append((move, "added"))
    except IntegrationError as exc:
        id_updates, problems = _crossmark_undo(client, done)
        message = f"Crossmark did not accept the change ({exc}). Nothing was changed."
        if problems:
            message += (
                " Crossmark could not be fully restored: "
                + "; ".join(problems)
                + " The next sync will show Crossmark's state."
            )
        logger.warning("crossmark change refused: %s", exc)
        failure = CrossmarkFailed(message, transient=not isinstance(exc, PermanentError))
        failure.id_updates = id_updates
        raise failure from exc


def _crossmark_undo(client: CrossmarkClient, done: list[tuple[Move, str]]) -> tuple[dict[int, str], list[str]]:
    """Reverse what Crossmark already did. Re-posting gives a new Crossmark id, which the caller
    records after the rolled-back transaction (the posting itself is the same as before)."""
    id_updates: dict[int, str] = {}
    problems = []
    for move, what in reversed(done):
        try:
            if what in ("moved", "added"):
                client.unschedule_event(schedule_id=move.new_crossmark_id)
            if what in ("moved", "removed"):
                old = move.schedule
                id_updates[old.pk] = _crossmark_schedule(
                    client, event=old.event, employee=old.employee, start_at=old.start_at
                )
        except IntegrationError as exc:
            logger.error("could not undo crossmark change of event %s: %s", move.event.mplan_id, exc)
            problems.append(f"{move.event.name}: {exc}")
    return id_updates, problems


@contextmanager
def _crossmark_transaction():
    """A transaction that, when Crossmark refused, still records the new Crossmark ids of
    postings that had to be re-made while undoing."""
    try:
        with transaction.atomic():
            yield
    except CrossmarkFailed as exc:
        for pk, crossmark_id in getattr(exc, "id_updates", {}).items():
            Schedule.objects.filter(pk=pk).update(crossmark_schedule_id=crossmark_id)
        raise


def _lock(schedule: Schedule) -> Schedule:
    return Schedule.objects.select_for_update(of=("self",)).select_related("event", "employee").get(pk=schedule.pk)


def _paired_schedule(core_schedule: Schedule) -> Schedule | None:
    supervisor = paired_supervisor_event(core_schedule.event)
    if supervisor is None:
        return None
    return (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("event", "employee")
        .filter(event=supervisor)
        .first()
    )


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
    client = crossmark or crossmark_for_user(user)
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
    client = crossmark or crossmark_for_user(user)
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
    client = crossmark or crossmark_for_user(user)
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
    client = crossmark or crossmark_for_user(user)
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
    client = crossmark or crossmark_for_user(user)
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


# --------------------------------------------------------------------------- people and calendars
@transaction.atomic
def time_off_create(*, employee: Employee, start_date: date, end_date: date, reason: str = "") -> TimeOff:
    """Record an absence. Locks the employee so that two requests cannot add overlapping ranges."""
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    time_off = TimeOff(employee=employee, start_date=start_date, end_date=end_date, reason=reason)
    time_off.full_clean()
    time_off.save()
    return time_off


@transaction.atomic
def time_off_update(*, time_off: TimeOff, **changes) -> TimeOff:
    Employee.objects.select_for_update().filter(pk=time_off.employee_id).first()
    for name, value in changes.items():
        setattr(time_off, name, value)
    time_off.full_clean()
    time_off.save()
    return time_off


@transaction.atomic
def weekly_availability_set(*, employee: Employee, days: dict[str, bool]) -> WeeklyAvailability:
    unknown = set(days) - set(WeeklyAvailability.DAYS)
    if unknown:
        raise ValidationError({name: "Unknown day." for name in sorted(unknown)})
    row, _ = WeeklyAvailability.objects.get_or_create(employee=employee)
    for day, value in days.items():
        setattr(row, day, bool(value))
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def date_availability_set(*, employee: Employee, day: date, is_available: bool, reason: str = "") -> DateAvailability:
    row, _ = DateAvailability.objects.update_or_create(
        employee=employee, date=day, defaults={"is_available": is_available, "reason": reason}
    )
    return row


@transaction.atomic
def rotations_set(*, assignments: dict[str, dict[int, int | None]]) -> list[RotationAssignment]:
    """Replace the weekly rotations: {"juicer": {0: employee_id, …}, "primary_lead": {…}}.
    Each person must hold the title the rotation needs."""
    needed = {
        RotationType.JUICER: {"juicer_barista"},
        RotationType.PRIMARY_LEAD: {"lead_event_specialist", "club_supervisor"},
    }
    errors: dict[str, list[str]] = {}
    employees = Employee.objects.in_bulk([i for days in assignments.values() for i in days.values() if i])
    for rotation_type, days in assignments.items():
        if rotation_type not in RotationType.values:
            errors[rotation_type] = ["Unknown rotation type."]
            continue
        for weekday, employee_id in days.items():
            if not 0 <= int(weekday) <= 6:
                errors.setdefault(rotation_type, []).append(f"Weekday {weekday} is not 0–6.")
            elif employee_id and employee_id not in employees:
                errors.setdefault(rotation_type, []).append(f"Unknown employee {employee_id}.")
            elif employee_id and employees[employee_id].job_title not in needed[rotation_type]:
                errors.setdefault(rotation_type, []).append(
                    f"{employees[employee_id].name} cannot hold the {RotationType(rotation_type).label} rotation."
                )
    if errors:
        raise ValidationError(errors)
    rows = []
    for rotation_type, days in assignments.items():
        for weekday, employee_id in days.items():
            if employee_id:
                row, _ = RotationAssignment.objects.update_or_create(
                    weekday=int(weekday), rotation_type=rotation_type, defaults={"employee_id": employee_id}
                )
                rows.append(row)
            else:
                for row in RotationAssignment.objects.filter(weekday=int(weekday), rotation_type=rotation_type):
                    row.delete()
    return rows


@transaction.atomic
def rotation_exception_set(*, day: date, rotation_type: str, employee: Employee, reason: str = "") -> RotationException:
    row = RotationException.objects.filter(date=day, rotation_type=rotation_type).first() or RotationException(
        date=day, rotation_type=rotation_type
    )
    row.employee, row.reason = employee, reason
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def holiday_save(*, holiday: CompanyHoliday) -> CompanyHoliday:
    holiday.full_clean()
    holiday.save()
    return holiday


@transaction.atomic
def event_update(*, event: Event, **changes) -> Event:
    """Local edits (type, sub-type, estimate, exclusion). Type edits are kept by later syncs."""
    local_fields = {"event_type", "sub_type", "estimated_minutes", "auto_schedule_excluded"}
    unknown = set(changes) - local_fields
    if unknown:
        raise ValidationError({name: "This field comes from Crossmark and cannot be edited." for name in unknown})
    if {"event_type", "sub_type"} & set(changes):
        event.type_edited = True
    for name, value in changes.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def settings_update(**changes) -> SchedulingSettings:
    """The one write of the scheduling settings: the page form, the admin and the API all call it.
    Only `SchedulingSettings.EDITABLE_FIELDS` may change; a blank (or absent) password keeps the
    current one. The row is re-read and locked, so what a form object held in memory never counts."""
    unknown = sorted(set(changes) - set(SchedulingSettings.EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a scheduling setting that can be changed."] for name in unknown})
    scheduling_settings_get()  # creates the row on first use
    row = SchedulingSettings.objects.select_for_update().get(pk=1)
    for secret in SchedulingSettings.SECRET_FIELDS:
        if secret in changes and not changes[secret]:
            del changes[secret]  # blank keeps the current password
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def employee_save(*, employee: Employee) -> Employee:
    employee.full_clean()
    employee.save()
    return employee
