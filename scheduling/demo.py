"""Demo data: one store, 12 employees, rotations, time off, holidays and three weeks of
Crossmark events of every type (from the deterministic fake), some of them already posted.
Idempotent: running it twice changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from integrations.crossmark import FakeCrossmarkClient
from integrations.crossmark.fake import DEMO_REPS, demo_events

from . import rules
from .models import (
    Attendance,
    CompanyHoliday,
    DateAvailability,
    Employee,
    Event,
    EventType,
    RotationAssignment,
    Schedule,
    SchedulerRun,
    SyncRun,
    TimeOff,
    WeeklyAvailability,
)
from .runs import run_create, run_execute
from .selectors import employee_infos, event_info, parse_hhmm, rule_context_build, scheduling_settings_get
from .sync import events_sync

PHONES = "+1317555{:04d}"


def _employees(stdout) -> dict[str, Employee]:
    out = {}
    for i, (rep_id, crossmark_id, name, title) in enumerate(DEMO_REPS[:-1]):  # the last rep is "new" for import
        employee, created = Employee.objects.get_or_create(
            crossmark_rep_id=rep_id,
            defaults={
                "name": name,
                "job_title": title,
                "crossmark_employee_id": crossmark_id,
                "mv_employee_number": f"MV{7000 + i}",
                "phone": PHONES.format(i + 10),
                "email": f"{name.split()[0].lower()}@example.org",
            },
        )
        if created:
            stdout.write(f"  created employee {name}")
        out[rep_id] = employee
    return out


def _calendars(people: dict[str, Employee], today) -> None:
    # Weekly availability: two part-timers.
    WeeklyAvailability.objects.get_or_create(employee=people["5009"], defaults={"saturday": False, "sunday": False})
    WeeklyAvailability.objects.get_or_create(employee=people["5010"], defaults={"monday": False, "tuesday": False})
    # Rotations: the two baristas alternate juicing; three leads share the Primary Lead days.
    for weekday in range(7):
        RotationAssignment.objects.get_or_create(
            weekday=weekday,
            rotation_type="juicer",
            defaults={"employee": people["5011" if weekday % 2 == 0 else "5012"]},
        )
        RotationAssignment.objects.get_or_create(
            weekday=weekday,
            rotation_type="primary_lead",
            defaults={"employee": people[("5002", "5003", "5004")[weekday % 3]]},
        )
    # Time off (only for people who have none, so that re-runs on later days add nothing overlapping).
    for rep_id, offset, days, reason in (
        ("5006", 3, 2, "Family visit"),
        ("5008", 9, 4, "Vacation"),
        ("5004", 12, 1, "Dentist"),
    ):
        employee = people[rep_id]
        if not TimeOff.objects.filter(employee=employee).exists():
            TimeOff.objects.create(
                employee=employee,
                start_date=today + timedelta(days=offset),
                end_date=today + timedelta(days=offset + days - 1),
                reason=reason,
            )
    DateAvailability.objects.get_or_create(
        employee=people["5007"], date=today + timedelta(days=6), defaults={"is_available": False, "reason": "Class"}
    )
    for name, day, recurring in (
        ("Christmas Day", today.replace(month=12, day=25), True),
        ("New Year's Day", today.replace(month=1, day=1), True),
        ("Store inventory day", today + timedelta(days=17), False),
    ):
        CompanyHoliday.objects.get_or_create(name=name, date=day, defaults={"is_recurring": recurring})
    for back in range(1, 6):
        day = today - timedelta(days=back)
        for rep_id, status in (
            ("5002", "on_time"),
            ("5005", "late" if back == 2 else "on_time"),
            ("5006", "called_in" if back == 4 else "on_time"),
        ):
            Attendance.objects.get_or_create(employee=people[rep_id], date=day, defaults={"status": status})


def _post_some(today, stdout) -> int:
    """Post the Cores (with their Supervisors) and Juicers of the next week, following the rules."""
    settings_row = scheduling_settings_get()
    ctx = rule_context_build(start=today, end=today + timedelta(days=7), settings_row=settings_row)
    people = sorted(employee_infos().values(), key=lambda e: e.id)
    slots = [parse_hhmm(v) for v in settings_row.core_slots]
    created = 0
    events = list(
        Event.objects.filter(
            schedule__isnull=True,
            start_at__lt=timezone.make_aware(datetime.combine(today + timedelta(days=7), time.min)),
        ).order_by("due_at", "id")
    )
    supervisors = {e.event_number: e for e in events if e.event_type == EventType.SUPERVISOR}
    per_day: dict = {}
    for event in events:
        if event.event_type not in (EventType.CORE, EventType.JUICER):
            continue
        info = event_info(event)
        for offset in range(0, 7):
            day = today + timedelta(days=offset)
            if per_day.get(day, 0) >= 3:
                continue
            if event.event_type == EventType.JUICER:
                at = datetime.combine(day, settings_row.juicer_production_time, tzinfo=info.start_at.tzinfo)
            else:
                at = datetime.combine(day, slots[per_day.get(day, 0) % len(slots)], tzinfo=info.start_at.tzinfo)
            chosen = next(
                (p for p in people if not rules.validate_assignment(event=info, employee=p, start_at=at, ctx=ctx)), None
            )
            if chosen is None:
                continue
            Schedule.objects.create(
                event=event, employee_id=chosen.id, start_at=at, crossmark_schedule_id=f"DEMO-{event.mplan_id}"
            )
            Event.objects.filter(pk=event.pk).update(condition="Scheduled")
            ctx.add_booking(
                rules.Booking(event.pk, chosen.id, at, at + ctx.duration(info), event.event_type, event.name)
            )
            created += 1
            if event.event_type == EventType.CORE:
                per_day[day] = per_day.get(day, 0) + 1
                supervisor = supervisors.get(event.event_number)
                if supervisor is not None:
                    sup_info = event_info(supervisor)
                    sup_at = rules.supervisor_start(at, ctx)
                    for candidate in rules.supervisor_candidates(day, people, ctx):
                        if not rules.validate_assignment(event=sup_info, employee=candidate, start_at=sup_at, ctx=ctx):
                            Schedule.objects.create(
                                event=supervisor,
                                employee_id=candidate.id,
                                start_at=sup_at,
                                crossmark_schedule_id=f"DEMO-{supervisor.mplan_id}",
                            )
                            Event.objects.filter(pk=supervisor.pk).update(condition="Scheduled")
                            ctx.add_booking(
                                rules.Booking(
                                    supervisor.pk,
                                    candidate.id,
                                    sup_at,
                                    sup_at + ctx.duration(sup_info),
                                    EventType.SUPERVISOR,
                                    supervisor.name,
                                )
                            )
                            created += 1
                            break
            break
    return created


@transaction.atomic
def load(*, stdout) -> None:
    today = timezone.localdate()
    people = _employees(stdout)
    _calendars(people, today)
    if not Event.objects.exists():
        run = events_sync(
            client=FakeCrossmarkClient(events=demo_events(today=today)), run=SyncRun.objects.create(), today=today
        )
        stdout.write(f"  synced {run.created} demo Crossmark events")
        posted = _post_some(today, stdout)
        stdout.write(f"  posted {posted} demo schedules")
    _auto_schedule_run(stdout)


def _auto_schedule_run(stdout) -> None:
    """One auto-scheduler run waiting for review, so the Auto-schedule pages show something."""

    if SchedulerRun.objects.exists():
        return
    run = run_execute(run=run_create())
    stdout.write(
        f"  auto-schedule run #{run.pk}: {run.proposed} proposed, {run.failed} not placed, "
        f"{run.moves} moves (waiting for review)"
    )
