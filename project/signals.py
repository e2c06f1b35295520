"""Celery signal receivers: record the outcome of every registered periodic task."""

import logging

from celery.signals import after_task_publish, beat_init, task_failure, task_prerun, task_success
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from .models import PeriodicTaskStatus
from .periodic import registry

logger = logging.getLogger(__name__)


def _spec_names(task_name: str) -> list[str]:
    return [spec.name for spec in registry() if spec.task == task_name]


@after_task_publish.connect(dispatch_uid="crewbase-periodic-published")
def _periodic_published(sender=None, headers=None, **kwargs):
    """Beat (or a catch-up) handed a periodic task to the broker: it is on its way (project/catchup.py)."""
    name = (headers or {}).get("periodic_task_name")
    if not name:
        return
    try:
        PeriodicTaskStatus.objects.filter(name=name).update(last_enqueued_at=timezone.now())
    except DatabaseError:  # the database is down: the catch-up may send it once more later
        logger.warning("could not record that %r was sent", name, exc_info=True)


@task_prerun.connect(dispatch_uid="crewbase-periodic-prerun")
def _periodic_started(sender=None, **kwargs):
    names = _spec_names(sender.name)
    if names:
        PeriodicTaskStatus.objects.filter(name__in=names).update(last_started_at=timezone.now())


@task_success.connect(dispatch_uid="crewbase-periodic-success")
def _periodic_succeeded(sender=None, **kwargs):
    for name in _spec_names(sender.name):
        status, _ = PeriodicTaskStatus.objects.get_or_create(name=name)
        PeriodicTaskStatus.objects.filter(pk=status.pk).update(last_success_at=timezone.now(), runs=F("runs") + 1)


@task_failure.connect(dispatch_uid="crewbase-periodic-failure")
def _periodic_failed(sender=None, exception=None, **kwargs):
    for name in _spec_names(sender.name):
        status, _ = PeriodicTaskStatus.objects.get_or_create(name=name)
        PeriodicTaskStatus.objects.filter(pk=status.pk).update(
            last_failure_at=timezone.now(), last_error=repr(exception)[:2000], runs=F("runs") + 1
        )


@beat_init.connect(dispatch_uid="crewbase-beat-started")
def _beat_started(sender=None, **kwargs):
    """Send a first heartbeat when beat starts, so /health/ need not wait a minute after a (re)start."""
    from .tasks import beat_heartbeat  # lazy: tasks load after the app registry; signals load with it

    beat_heartbeat.delay()
