"""The auto-scheduler around its plain-Python core (`scheduling.autoscheduler`): load everything
once, compute, write once; then review (edit), approve row by row through Crossmark, reject.

A run writes only its SchedulerRun and its ScheduleProposal rows. Events and posted schedules
change only when a proposal is approved and Crossmark accepted it, one row at a time.
"""

from __future__ import annotations

import logging
import time as clock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.crossmark import CrossmarkClient
from project.jobs import JobNotQueued, job_start
from project.models import Job

from . import autoscheduler, rules, services
from .models import (
    Condition,
    Employee,
    Event,
    EventType,
    Schedule,
    ScheduleProposal,
    SchedulerRun,
    SchedulingSettings,
    SyncRun,
)
from .selectors import (
    employee_info,
    employee_list,
    event_info,
    local_midnight,
    parse_hhmm,
    proposal_counts,
    rule_context_build,
    scheduling_settings_get,
)

logger = logging.getLogger(__name__)

Status = ScheduleProposal.Status
RunStatus = SchedulerRun.Status
WAVE_ORDER = {t: i for i, t in enumerate(autoscheduler.WAVES)}


# --------------------------------------------------------------------------- load, compute, write
def plan_settings(s: SchedulingSettings) -> autoscheduler.PlanSettings:
    return autoscheduler.PlanSettings(
        buffer_days=s.non_core_buffer_days,
        short_notice_free_slots=s.short_notice_uses_free_slots,
        freeosk_time=s.freeosk_time,
        other_time=s.other_time,
        digital_setup_slots=tuple(parse_hhmm(v) for v in s.digital_setup_slots),
        digital_teardown_slots=tuple(parse_hhmm(v) for v in s.digital_teardown_slots),
        juicer_production_time=s.juicer_production_time,
        juicer_survey_time=s.juicer_survey_time,
    )


def candidate_events(as_of: datetime):
    """Rule 1: not posted, Unstaffed, due after `as_of`, not excluded, still listed by Crossmark."""
    return Event.objects.filter(
        schedule__isnull=True,
        condition=Condition.UNSTAFFED,
        due_at__gt=as_of,
        auto_schedule_excluded=False,
        missing_since__isnull=True,
    ).order_by("due_at", "id")


def plan_input_load(as_of: datetime, settings_row: SchedulingSettings | None = None) -> autoscheduler.PlanInput:
    """Everything the planner needs, in a fixed number of queries whatever the number of events."""
    s = settings_row or scheduling_settings_get()
    as_of = timezone.localtime(as_of)
    candidates = [event_info(e) for e in candidate_events(as_of)]
    first = as_of.date() - timedelta(days=1)
    last = max((e.due_at.date() for e in candidates), default=as_of.date() + timedelta(days=1))
    ctx = rule_context_build(start=first, end=last, settings_row=s)
    employees = [employee_info(e) for e in employee_list()]
    return autoscheduler.PlanInput(
        as_of=as_of,
        candidates=candidates,
        employees=employees,
        ctx=ctx,
        posted=_posted_between(first, last),
        settings=plan_settings(s),
    )


def _posted_between(first, last) -> list[autoscheduler.PostedInfo]:
    """Posted schedules that can touch the dates first..last (the rule context's own range)."""
    return [
        autoscheduler.PostedInfo(
            schedule_id=row.pk,
            event=event_info(row.event),
            employee_id=row.employee_id,
            start_at=timezone.localtime(row.start_at),
        )
        for row in Schedule.objects.select_related("event").filter(
            start_at__gte=local_midnight(first - timedelta(days=1)),
            start_at__lt=local_midnight(last + timedelta(days=2)),
        )
    ]


def event_suggestions(*, event: Event, as_of: datetime | None = None) -> autoscheduler.Suggestions:
    """ "Find someone" for one unscheduled event: the auto-scheduler's rules for its type, against
    the posted schedules, in a fixed number of queries. An event already scheduled, or in a
    condition that cannot take a schedule (Submitted, Canceled, …), is refused (ValidationError)."""
    if Schedule.objects.filter(event=event).exists():
        raise ValidationError({"event": "This event is already scheduled; reschedule or reassign it instead."})
    services.schedules._check_event_open(event)
    s = scheduling_settings_get()
    as_of = timezone.localtime(as_of or timezone.now())
    first = as_of.date() - timedelta(days=1)
    last = max(timezone.localtime(event.due_at).date(), as_of.date() + timedelta(days=1))
    if event.event_type == EventType.SUPERVISOR and event.event_number:
        core_at = (
            Schedule.objects.filter(event__event_type=EventType.CORE, event__event_number=event.event_number)
            .order_by("pk")
            .values_list("start_at", flat=True)
            .first()
        )
        if core_at is not None:  # the Core may sit outside the Supervisor's own window
            core_day = timezone.localtime(core_at).date()
            first, last = min(first, core_day), max(last, core_day)
    data = autoscheduler.PlanInput(
        as_of=as_of,
        candidates=[],
        employees=[employee_info(e) for e in employee_list()],
        ctx=rule_context_build(start=first, end=last, settings_row=s),
        posted=_posted_between(first, last),
        settings=plan_settings(s),
    )
    return autoscheduler.suggest(data, event_info(event))


def run_create(*, as_of: datetime | None = None, user=None, trigger: str = SchedulerRun.Trigger.MANUAL) -> SchedulerRun:
    run = SchedulerRun(
        as_of=as_of or timezone.now(), trigger=trigger, started_by=user if user is not None and user.pk else None
    )
    run.full_clean()
    run.save()
    return run


def run_start(*, as_of: datetime | None = None, user=None) -> tuple[SchedulerRun, Job]:
    """Create a run and queue it as a job. If the broker is down the run is marked failed and
    JobNotQueued propagates, so callers only decide how to tell the user."""
    run = run_create(as_of=as_of, user=user)
    try:
        job = job_start(
            kind="scheduling.auto_schedule",
            task="scheduling.tasks.auto_schedule_job",
            user=user,
            params={"run_id": run.pk},
        )
    except JobNotQueued:
        _transition(run, RunStatus.FAILED, error="The job could not be queued.")
        raise
    SchedulerRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    return run, job


def run_execute(*, run: SchedulerRun, progress: Callable[[float, str], None] | None = None) -> SchedulerRun:
    """Load, compute, write once. On any error the run is marked failed (and nothing else changed)."""
    progress = progress or (lambda pct, msg: None)
    try:
        settings_row = scheduling_settings_get()
        progress(2, "Loading events, people and posted schedules")
        started = clock.perf_counter()
        data = plan_input_load(run.as_of, settings_row)
        result = autoscheduler.plan(data, progress=progress)
        compute_ms = int((clock.perf_counter() - started) * 1000)
        progress(92, "Saving proposals")
        rows = [
            ScheduleProposal(
                run=run,
                event_id=p.event_id,
                kind=p.kind,
                employee_id=p.employee_id,
                start_at=p.start_at,
                schedule_id=p.schedule_id,
                previous_employee_id=p.previous_employee_id,
                previous_start_at=p.previous_start_at,
                bumped_by_id=p.bumped_by,
                note=p.note[:300],
            )
            for p in result.proposals
        ]
        rows += [
            ScheduleProposal(run=run, event_id=f.event_id, status=Status.UNPLACED, failure_reason=f.reason)
            for f in result.failures
        ]
        with transaction.atomic():
            ScheduleProposal.objects.bulk_create(rows, batch_size=500)
            _transition(
                run,
                RunStatus.READY,
                finished_at=timezone.now(),
                candidates=result.candidates,
                proposed=result.proposed,
                failed=result.failed,
                moves=result.moves,
                compute_ms=compute_ms,
                settings_used=_settings_snapshot(data.settings, data.ctx),
            )
    except Exception as exc:
        logger.exception("auto-schedule run %s failed", run.pk)
        run.refresh_from_db(fields=["status"])
        _transition(run, RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        raise
    run.refresh_from_db()
    return run


def _settings_snapshot(s: autoscheduler.PlanSettings, ctx: rules.RuleContext) -> dict:
    return {
        "buffer_days": s.buffer_days,
        "short_notice_free_slots": s.short_notice_free_slots,
        "core_slots": [t.strftime("%H:%M") for t in ctx.core_slots],
        "supervisor_time": ctx.supervisor_time.strftime("%H:%M"),
    }


# --------------------------------------------------------------------------- the lifecycle
POSTED_CANNOT_REJECT = (
    "Rows of this run are already posted in Crossmark, so it cannot be rejected: "
    "retry the failed rows, or close the run to drop the rows still open."
)


def _refusal(run: SchedulerRun, wanted: str) -> str:
    """Why `run` cannot go to `wanted`, in the words a coordinator needs."""
    if run.status == RunStatus.SUPERSEDED:
        return (
            f"This run was superseded by run #{run.superseded_by_id}, which was approved after it was made; "
            "it is read-only. Review the newer run (or start a new one) instead."
        )
    if wanted == RunStatus.REJECTED and run.status in (RunStatus.PARTLY_APPROVED, RunStatus.APPROVED):
        return POSTED_CANNOT_REJECT
    if wanted == RunStatus.CLOSED and run.status == RunStatus.READY:
        return "Nothing of this run is posted yet: reject it instead of closing it."
    return f"This run is {run.get_status_display().lower()}; it is read-only."


def _transition(run: SchedulerRun, to: str, **fields) -> None:
    """The one place a run's status changes. Checks the move against `SchedulerRun.TRANSITIONS` and
    makes it with a conditional UPDATE (status still what this caller read), so two coordinators
    acting at once cannot both move the run: the second gets a clear refusal."""
    if not run.can_become(to):
        raise ValidationError({"run": _refusal(run, to)})
    now = timezone.now()
    changed = SchedulerRun.objects.filter(pk=run.pk, status=run.status).update(status=to, updated_at=now, **fields)
    if not changed:
        current = SchedulerRun.objects.get(pk=run.pk)
        raise ValidationError(
            {"run": f"The run changed meanwhile (it is now {current.get_status_display().lower()}); reload it."}
        )
    run.status, run.updated_at = to, now
    for name, value in fields.items():
        setattr(run, name, value)


def _open_run(run: SchedulerRun) -> None:
    if not run.is_open:
        raise ValidationError({"run": _refusal(run, RunStatus.APPROVED)})


def _user_or_none(user):
    return user if user is not None and user.pk else None


def _run_progress(run: SchedulerRun, *, user) -> None:
    """After submissions (the run row is locked by the caller): ready → partly approved or
    approved, partly approved → approved. A run's first submission makes every older open run
    superseded: their plans were made against a world this approval has just changed."""
    counts = proposal_counts(run)
    if not counts.get(Status.SUBMITTED):
        return
    open_rows = sum(counts.get(s, 0) for s in ScheduleProposal.APPROVABLE)
    target = RunStatus.PARTLY_APPROVED if open_rows else RunStatus.APPROVED
    if target == run.status:
        return
    first_submission = run.status == RunStatus.READY
    _transition(run, target, approved_at=timezone.now(), approved_by=_user_or_none(user))
    if first_submission:
        for older in SchedulerRun.objects.select_for_update().filter(pk__lt=run.pk, status__in=SchedulerRun.OPEN):
            _transition(older, RunStatus.SUPERSEDED, superseded_by=run)


@dataclass(frozen=True)
class RunActions:
    """What a coordinator may do with a run now: the page shows these buttons, the API lists them."""

    approve: bool
    retry: bool
    reject: bool
    close: bool
    edit: bool


def run_actions(run: SchedulerRun, counts: dict[str, int]) -> RunActions:
    """`counts`: the run's proposals by status (see `selectors.proposal_counts`)."""
    approvable = sum(counts.get(s, 0) for s in ScheduleProposal.APPROVABLE)
    return RunActions(
        approve=run.is_open and approvable > 0,
        retry=run.is_open and counts.get(Status.SUBMIT_FAILED, 0) > 0,
        reject=run.can_become(RunStatus.REJECTED) and not counts.get(Status.SUBMITTED, 0),
        close=run.can_become(RunStatus.CLOSED),
        edit=run.is_open,
    )


# --------------------------------------------------------------------------- review: editing a proposal


def _plan_context(*, run: SchedulerRun, day, exclude_proposal: int) -> rules.RuleContext:
    """Posted schedules plus this run's other pending proposals around `day` (a move replaces
    the posting it moves), so an edit is checked against the plan it belongs to."""
    ctx = rule_context_build(start=day - timedelta(days=1), end=day + timedelta(days=1))
    pending = (
        run.proposals.filter(
            status__in=ScheduleProposal.APPROVABLE,
            start_at__gte=local_midnight(day - timedelta(days=2)),
            start_at__lt=local_midnight(day + timedelta(days=2)),
        )
        .exclude(pk=exclude_proposal)
        .select_related("event")
    )
    for row in pending:
        ctx.remove_event(row.event_id)
        local = timezone.localtime(row.start_at)
        ctx.add_booking(
            rules.Booking(
                event_id=row.event_id,
                employee_id=row.employee_id,
                start_at=local,
                end_at=local + ctx.duration(event_info(row.event)),
                event_type=row.event.event_type,
                event_name=row.event.name,
            )
        )
    return ctx


@transaction.atomic
def proposal_update(
    *,
    proposal: ScheduleProposal,
    employee: Employee | None = None,
    start_at: datetime | None = None,
    override_reason: str = "",
) -> ScheduleProposal:
    """Change who or when, re-validated with the same rules as every placement (against posted
    schedules and the run's other proposals). Hard violations refuse; soft warnings need a reason."""
    proposal = (
        ScheduleProposal.objects.select_for_update(of=("self",))
        .select_related("run", "event", "employee")
        .get(pk=proposal.pk)
    )
    _open_run(proposal.run)
    if proposal.status not in (*ScheduleProposal.APPROVABLE, Status.UNPLACED):
        raise ValidationError({"status": f"A {proposal.get_status_display().lower()} proposal cannot be edited."})
    employee = employee or proposal.employee
    start_at = start_at or proposal.start_at
    errors = {}
    if employee is None:
        errors["employee"] = ["Choose an employee."]
    if start_at is None:
        errors["start_at"] = ["Choose a start time."]
    if errors:
        raise ValidationError(errors)
    local = timezone.localtime(start_at)
    ctx = _plan_context(run=proposal.run, day=local.date(), exclude_proposal=proposal.pk)
    employee = Employee.objects.select_related("weekly_availability").get(pk=employee.pk)
    violations = rules.validate_assignment(
        event=event_info(proposal.event), employee=employee_info(employee), start_at=local, ctx=ctx
    )
    accepted = services.schedules._enforce(violations, override_reason=override_reason)
    proposal.employee, proposal.start_at = employee, start_at
    proposal.overridden_warnings = accepted
    proposal.override_reason = override_reason.strip() if accepted else ""
    if proposal.status == Status.UNPLACED:
        proposal.kind = ScheduleProposal.Kind.NEW
    proposal.status = Status.EDITED
    proposal.full_clean()
    proposal.save()
    return proposal


# --------------------------------------------------------------------------- approve, retry, reject
def _with_dependencies(run: SchedulerRun, ids: set[int]) -> set[int]:
    """A proposal that took a bumped event's spot needs that event's move first: add the moves
    (transitively) and the Supervisor moves that follow them."""
    rows = list(run.proposals.values("id", "event_id", "bumped_by_id"))
    chosen = set(ids)
    changed = True
    while changed:
        events = {r["event_id"] for r in rows if r["id"] in chosen}
        extra = {r["id"] for r in rows if r["bumped_by_id"] in events and r["id"] not in chosen}
        chosen |= extra
        changed = bool(extra)
    return chosen


def _approval_order(rows: list[ScheduleProposal]) -> list[int]:
    """Moves first, the most deeply displaced (latest due) first, so every spot is free when
    the row that takes it is submitted; then new rows by wave (a Core before its Supervisor)."""
    moves = sorted(
        (r for r in rows if r.kind == ScheduleProposal.Kind.MOVE),
        key=lambda r: (-r.event.due_at.timestamp(), r.event.event_type == EventType.SUPERVISOR, r.pk),
    )
    news = sorted(
        (r for r in rows if r.kind == ScheduleProposal.Kind.NEW),
        key=lambda r: (WAVE_ORDER.get(r.event.event_type, 99), r.start_at, r.pk),
    )
    return [r.pk for r in moves + news]


def run_approve_start(*, run: SchedulerRun, user=None, retry_only: bool = False) -> Job:
    """Approve (or retry) the whole run as a background job: one Crossmark call per row, with
    progress. Refused (ValidationError) when the run is no longer open; JobNotQueued propagates."""
    run = SchedulerRun.objects.get(pk=run.pk)
    if run.status != RunStatus.APPROVED:  # approving an approved run again is a job that sends nothing
        _open_run(run)
    return job_start(
        kind="scheduling.auto_schedule_approve",
        task="scheduling.tasks.auto_schedule_approve_job",
        user=user,
        params={
            "run_id": run.pk,
            "user_id": user.pk if user is not None and user.pk else None,
            "retry_only": retry_only,
        },
        queue="sync",
    )


def run_approve(
    *,
    run: SchedulerRun,
    user=None,
    proposal_ids: list[int] | None = None,
    retry_only: bool = False,
    crossmark: CrossmarkClient | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Submit proposals to Crossmark one row at a time and record each outcome. Idempotent:
    a submitted row is never submitted again; failed rows are retried on the next call."""
    run = SchedulerRun.objects.get(pk=run.pk)
    if proposal_ids is not None:
        known = set(run.proposals.filter(pk__in=proposal_ids).values_list("pk", flat=True))
        unknown = sorted(set(proposal_ids) - known)
        if unknown:
            raise ValidationError({"proposals": [f"Not proposals of this run: {', '.join(map(str, unknown))}."]})
    if run.status == RunStatus.APPROVED:  # every row is submitted: approving again sends nothing
        return {"submitted": 0, "failed": 0, "skipped": 0}
    _open_run(run)
    statuses = (Status.SUBMIT_FAILED,) if retry_only else ScheduleProposal.APPROVABLE
    if proposal_ids is not None:
        wanted = _with_dependencies(run, known)
        rows = list(run.proposals.filter(pk__in=wanted, status__in=statuses).select_related("event"))
    else:
        rows = list(run.proposals.filter(status__in=statuses).select_related("event"))
    client = crossmark or services.clients.crossmark_for_user(user)
    outcome: Counter = Counter()
    order = _approval_order(rows)
    for done, pk in enumerate(order, start=1):
        outcome[_approve_one(pk, run_id=run.pk, user=user, client=client)] += 1
        if progress is not None:
            progress(
                100 * done / len(order),
                f"{done}/{len(order)} rows: {outcome['submitted']} submitted, {outcome['failed']} failed",
            )
    return {"submitted": outcome["submitted"], "failed": outcome["failed"], "skipped": outcome["skipped"]}


UNKNOWN_OUTCOME = (
    "The approval stopped while this row was being sent to Crossmark, so whether Crossmark "
    "posted it is unknown. Run the Crossmark sync (it shows the posting if there is one), then retry."
)


def _submission_claim(pk: int) -> datetime | str:
    """Mark the row as being submitted, committed before Crossmark is called. A worker killed during
    the call leaves the mark: the redelivered task then fails the row ("outcome unknown") instead of
    posting it a second time. Returns the mark, or "skipped"/"failed"."""
    started = timezone.now()
    if ScheduleProposal.objects.filter(
        pk=pk, status__in=ScheduleProposal.APPROVABLE, submit_started_at__isnull=True
    ).update(submit_started_at=started):
        return started
    with transaction.atomic():
        row = ScheduleProposal.objects.select_for_update().get(pk=pk)
        if row.status in ScheduleProposal.APPROVABLE and row.submit_started_at is not None:
            row.submit_started_at = None
            return _row_failed(row, UNKNOWN_OUTCOME)
    return "skipped"


def _approve_one(pk: int, *, run_id: int, user, client: CrossmarkClient) -> str:
    started = _submission_claim(pk)
    if isinstance(started, str):
        return started
    with transaction.atomic():
        # The run first, then the row: the order reject and close use too. A run rejected, closed
        # or superseded meanwhile sends nothing more.
        run = SchedulerRun.objects.select_for_update().get(pk=run_id)
        if not run.is_open:
            ScheduleProposal.objects.filter(pk=pk, submit_started_at=started).update(submit_started_at=None)
            return "skipped"
        row = (
            ScheduleProposal.objects.select_for_update(of=("self",))
            .select_related("event", "employee", "schedule")
            .get(pk=pk)
        )
        if row.status not in ScheduleProposal.APPROVABLE or row.submit_started_at != started:
            return "skipped"  # already decided by an earlier (or concurrent) approval
        row.attempts += 1
        row.submit_started_at = None  # saved with the outcome, in this transaction
        try:
            move = _prepare(row)
            services.clients._crossmark_apply(client, [move])
        except ValidationError as exc:
            return _row_failed(row, " ".join(exc.messages))
        except services.CrossmarkFailed as exc:
            for schedule_pk, crossmark_id in getattr(exc, "id_updates", {}).items():
                Schedule.objects.filter(pk=schedule_pk).update(crossmark_schedule_id=crossmark_id)
            return _row_failed(row, str(exc))
        accepted = row.overridden_warnings or []
        reason = row.override_reason if accepted else ""
        if move.schedule is None:
            Schedule.objects.create(
                event=row.event,
                employee=row.employee,
                start_at=row.start_at,
                crossmark_schedule_id=move.new_crossmark_id,
                overridden_warnings=accepted,
                override_reason=reason,
                created_by=user if user is not None and user.pk else None,
            )
            move.event.condition = Condition.SCHEDULED
            move.event.save(update_fields=["condition", "updated_at"])
        else:
            schedule = move.schedule
            schedule.employee, schedule.start_at = row.employee, row.start_at
            schedule.crossmark_schedule_id = move.new_crossmark_id
            if accepted:
                schedule.overridden_warnings, schedule.override_reason = accepted, reason
            schedule.save()
        row.status, row.crossmark_schedule_id, row.submit_error = Status.SUBMITTED, move.new_crossmark_id, ""
        row.submitted_at, row.submitted_by = timezone.now(), _user_or_none(user)
        row.save()
        _run_progress(run, user=user)
        return "submitted"


def _row_failed(row: ScheduleProposal, message: str) -> str:
    row.status, row.submit_error = Status.SUBMIT_FAILED, message[:2000]
    row.save()
    return "failed"


def _prepare(row: ScheduleProposal) -> services.Move:
    """Check the row against the world as it is now (posted schedules may have changed since the
    run) with the same rules, and return the Crossmark change to make."""
    if (
        row.submit_error == UNKNOWN_OUTCOME
        and not SyncRun.objects.filter(
            kind=SyncRun.Kind.EVENTS, status=SyncRun.Status.SUCCEEDED, started_at__gt=row.updated_at
        ).exists()
    ):
        raise ValidationError(UNKNOWN_OUTCOME)  # only a sync started since can show whether it was posted
    event = Event.objects.select_for_update().get(pk=row.event_id)
    employee = Employee.objects.select_related("weekly_availability").get(pk=row.employee_id)
    schedule = None
    if row.kind == ScheduleProposal.Kind.MOVE:
        schedule = (
            Schedule.objects.select_for_update(of=("self",))
            .select_related("event", "employee")
            .filter(pk=row.schedule_id)
            .first()
        )
        if schedule is None:
            raise ValidationError("The posted schedule to move no longer exists.")
        if schedule.employee_id != row.previous_employee_id or schedule.start_at != row.previous_start_at:
            raise ValidationError("The posted schedule changed since the run; run the auto-scheduler again.")
    else:
        if Schedule.objects.filter(event=event).exists():
            raise ValidationError("The event was posted since the run.")
        services.schedules._check_event_open(event)
    if event.event_type == EventType.SUPERVISOR and row.kind == ScheduleProposal.Kind.NEW:
        day = timezone.localtime(row.start_at).date()
        core_posted = Schedule.objects.filter(
            event__event_type=EventType.CORE,
            event__event_number=event.event_number,
            start_at__gte=local_midnight(day),
            start_at__lt=local_midnight(day + timedelta(days=1)),
        ).exists()
        if not event.event_number or not core_posted:
            raise ValidationError("Its Core is not posted on that date yet; approve the Core first.")
    violations = services.assignment_violations(event=event, employee=employee, start_at=row.start_at)
    hard = rules.hard(violations)
    if hard:
        raise ValidationError([v.message for v in hard])
    accepted_codes = {w.get("code") for w in row.overridden_warnings or []}
    unaccepted = [v for v in rules.soft(violations) if v.code not in accepted_codes]
    if unaccepted:
        raise ValidationError([v.message for v in unaccepted] + ["Edit the proposal and give a reason to accept."])
    services.schedules._check_rep(employee)
    return services.Move(schedule=schedule, event=event, employee=employee, start_at=row.start_at)


@transaction.atomic
def run_reject(*, run: SchedulerRun, user=None) -> SchedulerRun:
    """Drop the run's open proposals. Events and posted schedules are not touched. Refused once any
    row is submitted (the run is then partly approved: retry the failed rows or close it)."""
    run = SchedulerRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.READY and run.proposals.filter(status=Status.SUBMITTED).exists():
        raise ValidationError({"run": POSTED_CANNOT_REJECT})  # a ready run never has one; never lie if it does
    _transition(run, RunStatus.REJECTED, rejected_at=timezone.now(), rejected_by=_user_or_none(user))
    _drop_open_rows(run)
    return run


@transaction.atomic
def run_close(*, run: SchedulerRun, user=None) -> SchedulerRun:
    """Finish a partly approved run: the rows still open (or failed) are dropped; the submitted
    ones stay posted. Events and posted schedules are not touched."""
    run = SchedulerRun.objects.select_for_update().get(pk=run.pk)
    _transition(run, RunStatus.CLOSED, closed_at=timezone.now(), closed_by=_user_or_none(user))
    _drop_open_rows(run)
    return run


def _drop_open_rows(run: SchedulerRun) -> None:
    run.proposals.filter(status__in=ScheduleProposal.APPROVABLE).update(
        status=Status.REJECTED, submit_started_at=None, updated_at=timezone.now()
    )
