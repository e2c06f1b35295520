"""Periodic work is never skipped silently: after an outage, each overdue task runs once.

Every registered periodic task records in PeriodicTaskStatus when it was last sent to the broker
(`last_enqueued_at`, written on publish by `project/signals.py`), started and succeeded. A task is
*overdue* when one of its ticks fell after all of these (and after it was registered) by more than
PERIODIC_CATCH_UP_GRACE_SECONDS: the broker was down when beat sent it, beat was down, or its
message expired while every worker was down. Overdue tasks are sent **once**, however many ticks
they missed; the claim is a compare-and-set on the status row, so two checks running at the same
time send it once between them.

Periodic messages expire (`periodic_expire_seconds`): the interval for interval tasks, twelve
hours for crontab ones. Ticks piling up in a queue while all workers are down are thrown away on
recovery instead of each running; a sent message counts as "on its way" only until it expires.

The check runs inside beat (project/beat.py: while holding the beat lock, once a minute, after
beat has sent whatever was due) and on demand with `manage.py periodic_catch_up`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from .celery import app as celery_app
from .models import PeriodicTaskStatus
from .periodic import periodic_expire_seconds, registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overdue:
    name: str
    task: str
    queue: str
    kwargs: dict
    expires: int
    due_at: datetime  # the first tick that was missed
    # The status row as read: the claim succeeds only if nothing changed it since.
    status_pk: int
    seen: tuple[datetime | None, datetime | None, datetime | None]


def next_tick_after(task: PeriodicTask, moment: datetime) -> datetime | None:
    """The first tick of a django-celery-beat task's schedule after `moment`."""
    if task.interval_id:
        return moment + task.interval.schedule.run_every
    if task.crontab_id:
        start, delta, _ = task.crontab.schedule.remaining_delta(moment)
        return start + delta
    return None  # clocked or solar schedules: none in the registry


def _since(status: PeriodicTaskStatus, *, now: datetime, expires: int) -> datetime:
    """The moment after which a tick counts as missed."""
    moments = [status.registered_at, status.last_started_at, status.last_success_at]
    enqueued = status.last_enqueued_at
    if enqueued is not None and (now - enqueued).total_seconds() < expires:
        moments.append(enqueued)  # sent and not expired yet: it is on its way
    return max(m for m in moments if m is not None)


def periodic_overdue(*, now: datetime | None = None) -> list[Overdue]:
    now = now or timezone.now()
    grace = timedelta(seconds=settings.PERIODIC_CATCH_UP_GRACE_SECONDS)
    specs = {spec.name: spec for spec in registry()}
    tasks = PeriodicTask.objects.filter(enabled=True, name__in=specs).select_related("interval", "crontab")
    statuses = {s.name: s for s in PeriodicTaskStatus.objects.filter(name__in=specs)}
    overdue = []
    for task in tasks:
        spec, status = specs[task.name], statuses.get(task.name)
        if status is None:  # not set up yet (setup_periodic_tasks creates the row)
            continue
        expires = task.expire_seconds or periodic_expire_seconds(spec)
        due = next_tick_after(task, _since(status, now=now, expires=expires))
        if due is None or due > now - grace:
            continue
        overdue.append(
            Overdue(
                name=task.name,
                task=task.task,
                queue=task.queue or spec.queue,
                kwargs=json.loads(task.kwargs or "{}"),
                expires=expires,
                due_at=due,
                status_pk=status.pk,
                seen=(status.last_enqueued_at, status.last_started_at, status.last_success_at),
            )
        )
    return sorted(overdue, key=lambda item: item.due_at)


def _unchanged(item: Overdue) -> dict:
    enqueued, started, succeeded = item.seen
    return {
        "pk": item.status_pk,
        **({"last_enqueued_at": enqueued} if enqueued else {"last_enqueued_at__isnull": True}),
        **({"last_started_at": started} if started else {"last_started_at__isnull": True}),
        **({"last_success_at": succeeded} if succeeded else {"last_success_at__isnull": True}),
    }


def periodic_catch_up_claim(item: Overdue, *, now: datetime) -> bool:
    """Mark the task as sent, unless another check (or beat, or a run) touched its row since it was read."""
    return PeriodicTaskStatus.objects.filter(**_unchanged(item)).update(last_enqueued_at=now, last_catch_up_at=now) == 1


def _send(item: Overdue) -> None:
    celery_app.signature(
        item.task,
        kwargs=item.kwargs,
        queue=item.queue,
        expires=item.expires,
        headers={"periodic_task_name": item.name, "catch_up_due_at": item.due_at.isoformat()},
    ).apply_async()


def periodic_catch_up(*, now: datetime | None = None) -> list[str]:
    """Send each overdue periodic task once; return their names."""
    now = now or timezone.now()
    sent = []
    for item in periodic_overdue(now=now):
        if not periodic_catch_up_claim(item, now=now):
            continue
        try:
            _send(item)
        except Exception:  # the broker is still down: give the claim back, the next check retries
            PeriodicTaskStatus.objects.filter(pk=item.status_pk, last_enqueued_at=now).update(
                last_enqueued_at=item.seen[0]
            )
            logger.warning("periodic catch-up: could not send %r (missed its %s tick)", item.name, item.due_at)
            continue
        logger.warning("periodic catch-up: %r missed its %s tick; sent it once now", item.name, item.due_at)
        sent.append(item.name)
    return sent
