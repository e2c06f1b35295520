"""The periodic-task registry.

Every app declares its periodic tasks in `<app>/periodic.py` as `PERIODIC_TASKS = [PeriodicSpec(...)]`;
`registry()` collects them all. `manage.py setup_periodic_tasks` upserts them by name into
django-celery-beat (schedules and pauses edited in the admin survive a re-run), and the
Celery signal handlers in `project/signals.py` record each run's outcome in PeriodicTaskStatus.
"""

from __future__ import annotations

import dataclasses
import functools
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
    # A sync: /health/ reports "degraded" when its last success is older than this (and "pending"
    # while it has never run yet but was registered less than this long ago).
    freshness: timedelta | None = None
    # Tasks doing the same work on demand ("Sync now" jobs): their success counts as this task's.
    manual_tasks: tuple[str, ...] = ()

    def __post_init__(self):
        if (self.every_seconds is None) == (self.crontab is None):
            raise ValueError(f"{self.name}: give exactly one of every_seconds or crontab")


# A periodic message waits in a queue at most this long (see project/catchup.py): an interval
# task's interval, twelve hours for crontab tasks (their ticks are a day or more apart).
CRONTAB_EXPIRE_SECONDS = 12 * 3600


def periodic_expire_seconds(spec: PeriodicSpec) -> int:
    """How long a periodic task's message may wait in a queue before workers throw it away, so
    ticks piling up while every worker is down run once on recovery, not once each."""
    return spec.every_seconds if spec.every_seconds is not None else CRONTAB_EXPIRE_SECONDS


# The on-demand job tasks that do a periodic task's work, for specs that do not list them yet.
KNOWN_MANUAL_TASKS = {
    "volunteers.tasks.salesforce_daily_delta": ("volunteers.tasks.salesforce_sync_job",),
    "scheduling.tasks.crossmark_sync_periodic": ("scheduling.tasks.crossmark_sync_job",),
}


@functools.cache
def _periodic_modules() -> tuple:
    """The installed apps' `periodic` modules, looked up once per process: /health/ reads the
    registry on every probe, and each app without one was a failed import (a search of the file
    system) every time."""
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.periodic"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.periodic":
                raise
    return tuple(modules)


def registry() -> list[PeriodicSpec]:
    specs: list[PeriodicSpec] = []
    for module in _periodic_modules():
        specs.extend(
            spec if spec.manual_tasks or spec.task not in KNOWN_MANUAL_TASKS
            else dataclasses.replace(spec, manual_tasks=KNOWN_MANUAL_TASKS[spec.task])
            for spec in getattr(module, "PERIODIC_TASKS", [])
        )  # fmt: skip
    names = [s.name for s in specs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate periodic task names: {sorted(duplicates)}")
    return specs


def periodic_manual_run_succeeded(*, task_name: str) -> int:
    """A job doing a periodic task's work on demand succeeded: it counts as that task's success
    (so /health/ is not "degraded" until the next tick after a good manual sync)."""
    names = [spec.name for spec in registry() if task_name in spec.manual_tasks]
    if not names:
        return 0
    return PeriodicTaskStatus.objects.filter(name__in=names).update(last_success_at=timezone.now())


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
                expire_seconds=periodic_expire_seconds(spec),
                **_schedule_for(spec),
            )
            counts["created"] += 1
        elif (
            existing.task != spec.task
            or existing.description != spec.description
            or (existing.expire_seconds is None and existing.expires is None)  # set up before messages expired
        ):
            existing.task, existing.description = spec.task, spec.description
            if existing.expires is None:
                existing.expire_seconds = existing.expire_seconds or periodic_expire_seconds(spec)
            existing.save(update_fields=["task", "description", "expire_seconds"])
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
        name="Reap stuck jobs",
        task="project.tasks.reap_stale_jobs",
        every_seconds=60,
        description="Re-queues once, or fails, running jobs whose worker stopped (their lease lapsed).",
    ),
    PeriodicSpec(
        name="Purge old jobs",
        task="project.tasks.purge_old_jobs",
        crontab={"minute": "30", "hour": "3"},
        description="Deletes finished jobs older than JOB_RETENTION_DAYS and expired idempotency keys.",
    ),
    PeriodicSpec(
        name="E-mail outbox dispatch",
        task="project.email.tasks.outbox_dispatch",
        every_seconds=60,
        description="Sends due e-mails (retries, rows queued while the broker was down); fails stale claims.",
    ),
]
