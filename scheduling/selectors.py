"""Reads: querysets with their joins applied, and the RuleContext the rules run on."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from . import rules, verification
from .models import (
    CompanyHoliday,
    DateAvailability,
    EdrReport,
    Employee,
    Event,
    EventType,
    RotationAssignment,
    RotationException,
    Schedule,
    ScheduleProposal,
    SchedulerRun,
    SchedulingSettings,
    SyncRun,
    TimeOff,
    WeeklyAvailability,
)


def scheduling_settings_get() -> SchedulingSettings:
    settings_row, _ = SchedulingSettings.objects.get_or_create(pk=1)
    return settings_row


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


# --------------------------------------------------------------------------- lists
def employee_list() -> QuerySet[Employee]:
    return Employee.objects.select_related("weekly_availability").order_by("name", "id")


def event_list(
    *,
    event_type: str | None = None,
    condition: str | None = None,
    unscheduled: bool | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Event]:
    qs = Event.objects.select_related("schedule__employee").order_by("start_at", "id")
    if event_type:
        qs = qs.filter(event_type=event_type)
    if condition:
        qs = qs.filter(condition=condition)
    if unscheduled is True:
        qs = qs.filter(schedule__isnull=True)
    elif unscheduled is False:
        qs = qs.filter(schedule__isnull=False)
    if start:
        qs = qs.filter(due_at__gte=local_midnight(start))
    if end:
        qs = qs.filter(start_at__lt=local_midnight(end + timedelta(days=1)))
    return qs


def unscheduled_event_list() -> QuerySet[Event]:
    return Event.objects.filter(
        schedule__isnull=True,
        missing_since__isnull=True,
        condition__in=["Unstaffed", "Reissued"],
        due_at__gte=timezone.now(),
    ).order_by("due_at", "id")


def schedule_list(
    *, start: date | None = None, end: date | None = None, employee_id: int | None = None
) -> QuerySet[Schedule]:
    qs = Schedule.objects.select_related("event", "employee").order_by("start_at", "id")
    if start:
        qs = qs.filter(start_at__gte=local_midnight(start))
    if end:
        qs = qs.filter(start_at__lt=local_midnight(end + timedelta(days=1)))
    if employee_id:
        qs = qs.filter(employee_id=employee_id)
    return qs


def schedules_on(day: date) -> QuerySet[Schedule]:
    return schedule_list(start=day, end=day)


def time_off_list() -> QuerySet[TimeOff]:
    return TimeOff.objects.select_related("employee").order_by("start_date", "id")


def sync_run_list() -> QuerySet[SyncRun]:
    return SyncRun.objects.select_related("triggered_by").order_by("-started_at")


def paired_supervisor_event(core: Event) -> Event | None:
    """The Supervisor event that shares the Core's 6-digit number (the one pairing key)."""
    if core.event_type != EventType.CORE or not core.event_number:
        return None
    return (
        Event.objects.filter(
            event_type=EventType.SUPERVISOR, event_number=core.event_number, missing_since__isnull=True
        )
        .order_by("id")
        .first()
    )


def paired_core_event(supervisor: Event) -> Event | None:
    if supervisor.event_type != EventType.SUPERVISOR or not supervisor.event_number:
        return None
    return Event.objects.filter(event_type=EventType.CORE, event_number=supervisor.event_number).order_by("id").first()


# --------------------------------------------------------------------------- rule inputs
def employee_info(employee: Employee) -> rules.EmployeeInfo:
    try:
        weekly = employee.weekly_availability.as_tuple()
    except WeeklyAvailability.DoesNotExist:
        weekly = None
    return rules.EmployeeInfo(
        id=employee.pk,
        name=employee.name,
        job_title=employee.job_title,
        is_active=employee.is_active,
        termination_date=employee.termination_date,
        weekly=weekly,
    )


def event_info(event: Event) -> rules.EventInfo:
    return rules.EventInfo(
        id=event.pk,
        name=event.name,
        event_type=event.event_type,
        sub_type=event.sub_type,
        event_number=event.event_number,
        start_at=timezone.localtime(event.start_at),
        due_at=timezone.localtime(event.due_at),
        estimated_minutes=event.estimated_minutes,
    )


def employee_infos() -> dict[int, rules.EmployeeInfo]:
    return {e.pk: employee_info(e) for e in employee_list()}


def rule_context_build(*, start: date, end: date, settings_row: SchedulingSettings | None = None) -> rules.RuleContext:
    """Everything the rules need for dates start..end, in a fixed number of queries."""
    s = settings_row or scheduling_settings_get()
    ctx = rules.RuleContext(
        durations=dict(s.durations or {}),
        core_slots=tuple(parse_hhmm(v) for v in s.core_slots),
        supervisor_time=s.supervisor_time,
    )
    for employee_id, off_start, off_end in TimeOff.objects.filter(start_date__lte=end, end_date__gte=start).values_list(
        "employee_id", "start_date", "end_date"
    ):
        ctx.time_off[employee_id].append((off_start, off_end))
    for employee_id, day, available in DateAvailability.objects.filter(date__range=(start, end)).values_list(
        "employee_id", "date", "is_available"
    ):
        ctx.date_availability[(employee_id, day)] = available
    for day, recurring in CompanyHoliday.objects.filter(is_active=True).values_list("date", "is_recurring"):
        if recurring:
            ctx.recurring_holidays.add((day.month, day.day))
        else:
            ctx.holidays.add(day)
    for weekday, rotation_type, employee_id in RotationAssignment.objects.values_list(
        "weekday", "rotation_type", "employee_id"
    ):
        ctx.rotations[(rotation_type, weekday)] = employee_id
    for day, rotation_type, employee_id in RotationException.objects.filter(date__range=(start, end)).values_list(
        "date", "rotation_type", "employee_id"
    ):
        ctx.rotation_exceptions[(rotation_type, day)] = employee_id
    rows = Schedule.objects.filter(
        start_at__gte=local_midnight(start - timedelta(days=1)), start_at__lt=local_midnight(end + timedelta(days=2))
    ).values_list(
        "event_id",
        "employee_id",
        "start_at",
        "event__event_type",
        "event__sub_type",
        "event__estimated_minutes",
        "event__name",
    )
    for event_id, employee_id, start_at, event_type, sub_type, minutes, name in rows:
        local = timezone.localtime(start_at)
        duration = timedelta(
            minutes=rules.duration_minutes(ctx.durations, event_type=event_type, sub_type=sub_type, estimated=minutes)
        )
        ctx.add_booking(
            rules.Booking(
                event_id=event_id,
                employee_id=employee_id,
                start_at=local,
                end_at=local + duration,
                event_type=event_type,
                event_name=name,
            )
        )
    return ctx


def employees_available_for(*, event: Event, start_at: datetime) -> list[int]:
    """The active employees the rules allow (no violation, hard or soft) on `event` at `start_at`
    against the posted schedules — the people a manual scheduling form lists first. Fixed queries."""
    local = timezone.localtime(start_at)
    ctx = rule_context_build(start=local.date(), end=local.date())
    info = event_info(event)
    return [
        e.pk
        for e in employee_list().filter(is_active=True)
        if not rules.validate_assignment(event=info, employee=employee_info(e), start_at=local, ctx=ctx)
    ]


def employees_with_counts() -> QuerySet[Employee]:
    now = timezone.now()
    return employee_list().annotate(
        upcoming=Count("schedules", filter=Q(schedules__start_at__gte=now)),
        off_now=Exists(
            TimeOff.objects.filter(employee=OuterRef("pk"), start_date__lte=now.date(), end_date__gte=now.date())
        ),
    )


def employee_detail(pk: int) -> Employee:
    return (
        Employee.objects.select_related("weekly_availability")
        .prefetch_related(
            Prefetch("time_off", queryset=TimeOff.objects.order_by("start_date")),
            Prefetch("date_availability", queryset=DateAvailability.objects.order_by("date")),
        )
        .get(pk=pk)
    )


def day_verification(day: date) -> list[dict]:
    """Run the ten checks on the posted schedules of `day`."""
    ctx = rule_context_build(start=day, end=day + timedelta(days=1))
    schedules = list(schedules_on(day).select_related("employee__weekly_availability"))
    assignments = [
        verification.DayAssignment(
            event=event_info(s.event), employee=employee_info(s.employee), start_at=timezone.localtime(s.start_at)
        )
        for s in schedules
    ]
    tomorrow = day + timedelta(days=1)
    due = [
        event_info(e)
        for e in Event.objects.filter(
            schedule__isnull=True,
            missing_since__isnull=True,
            condition__in=["Unstaffed", "Reissued"],
            due_at__gte=local_midnight(tomorrow),
            due_at__lt=local_midnight(tomorrow + timedelta(days=1)),
        )
    ]
    numbers = {
        sch.event.event_number: sch.event_id
        for sch in schedules
        if sch.event.event_type == EventType.CORE and sch.event.event_number
    }
    items = [
        verification.DayItem(
            event_id=numbers[number], event_number=number, item_number=i.get("item_number", ""), upc=i.get("upc", "")
        )
        for number, payload in EdrReport.objects.filter(event_number__in=list(numbers)).values_list(
            "event_number", "payload"
        )
        for i in (payload or {}).get("items", [])
    ]
    return verification.summary(
        verification.verify_day(day=day, assignments=assignments, ctx=ctx, due_tomorrow_unscheduled=due, items=items)
    )


def proposal_queryset():
    return ScheduleProposal.objects.select_related("event", "employee").order_by("status", "start_at", "id")


def proposal_counts(run: SchedulerRun) -> dict[str, int]:
    """The run's proposals by status, in one query."""
    rows = run.proposals.order_by().values_list("status").annotate(n=Count("id"))
    return dict(rows.values_list("status", "n"))


def proposal_facts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, count) per status, in the statuses' order: what a page shows (never raw keys)."""
    return [(status.label, counts[status.value]) for status in ScheduleProposal.Status if counts.get(status.value)]


def scheduler_run_list():
    return SchedulerRun.objects.select_related("started_by").order_by("-started_at", "-id")
