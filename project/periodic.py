"""The periodic-task registry.

Every app declares its periodic tasks in `<app>/periodic.py` as `PERIODIC_TASKS = [PeriodicSpec(...)]`;
`registry()` collects them all. `manage.py setup_periodic_tasks` upserts them by name into
django-celery-beat (schedules and pauses edited in the admin survive a re-run), and the
Celery signal handlers in `project/signals.py` record each run's outcome in PeriodicTaskStatus.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from .models import PeriodicTaskStatus


@dataclass(frozen=True)
class PeriodicSpec:
    name: str  # unique, human readable; the key in django-celery-beat
    task: str  # dotted Celery task name
    every_seconds: int | None = None
    crontab: dict | None = None  # e.g. {"minute": "0", "hour": "6"}
    kwargs: dict = field(default_factory=dict)
    queue: str = "default"
    description: str = ""
    # A sync: /health/ reports "degraded" when its last success is older than this.
    freshness: timedelta | None = None

    def __post_init__(self):
        if (self.every_seconds is None) == (self.crontab is None):
            raise ValueError(f"{self.name}: give exactly one of every_seconds or crontab")


def registry() -> list[PeriodicSpec]:
    specs: list[PeriodicSpec] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.periodic")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.periodic":
                raise
            continue
        specs.extend(getattr(module, "PERIODIC_TASKS", []))
    names = [s.name for s in specs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate periodic task names: {sorted(duplicates)}")
    return specs


def registered_task_names() -> set[str]:
    return {spec.task for spec in registry()}


def _schedule_for(spec: PeriodicSpec) -> dict:
    if spec.every_seconds is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(every=spec.every_seconds, period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=spec.crontab.get("minute", "*"),
        hour=spec.crontab.get("hour", "*"),
        day_of_week=spec.crontab.get("day_of_week", "*"),
        day_of_month=spec.crontab.get("day_of_month", "*"),
        month_of_year=spec.crontab.get("month_of_year", "*"),
        timezone=timezone.get_default_timezone_name(),
    )
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def periodic_tasks_setup() -> dict[str, int]:
    """Upsert the registry into beat. New tasks are created; existing ones keep their schedule,
    enabled flag and arguments as edited in the admin (only the task path and description
    follow the code). Tasks that left the registry are disabled, never deleted."""
    counts = {"created": 0, "updated": 0, "disabled": 0}
    specs = registry()
    for spec in specs:
        existing = PeriodicTask.objects.filter(name=spec.name).first()
        if existing is None:
            PeriodicTask.objects.create(
                name=spec.name,
                task=spec.task,
                kwargs=json.dumps(spec.kwargs),
                queue=spec.queue,
                description=spec.description,
                **_schedule_for(spec),
            )
            counts["created"] += 1
        elif existing.task != spec.task or existing.description != spec.description:
            existing.task, existing.description = spec.task, spec.description
            existing.save(update_fields=["task", "description"])
            counts["updated"] += 1
        PeriodicTaskStatus.objects.get_or_create(name=spec.name)
    stale = (
        PeriodicTask.objects.exclude(name__in=[s.name for s in specs])
        .exclude(name__startswith="celery.")
        .filter(enabled=True)
    )
    counts["disabled"] = stale.update(enabled=False)
    if counts["disabled"]:
        PeriodicTasks.update_changed()  # bulk updates bypass beat's change signal
    return counts


# The platform's own periodic tasks (each app lists its own in <app>/periodic.py).
PERIODIC_TASKS = [
    PeriodicSpec(
        name="Beat heartbeat",
        task="project.tasks.beat_heartbeat",
        every_seconds=60,
        description="Proves that beat and a worker are alive; read by /health/.",
    ),
    PeriodicSpec(
        name="Purge old jobs",
        task="project.tasks.purge_old_jobs",
        crontab={"minute": "30", "hour": "3"},
        description="Deletes finished jobs older than JOB_RETENTION_DAYS.",
    ),
    PeriodicSpec(
        name="E-mail outbox dispatch",
        task="project.email.tasks.outbox_dispatch",
        every_seconds=60,
        description="Sends due e-mails (retries, rows queued while the broker was down); fails stale claims.",
    ),
]
