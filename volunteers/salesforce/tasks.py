"""Celery tasks of the Salesforce sync. Registered under `volunteers.tasks.*` names (periodic rows
and jobs refer to them); `volunteers/tasks.py` imports this module so autodiscovery finds them."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from integrations.salesforce import get_client
from project.jobs import JobFailed, job_progress, job_task
from project.models import PeriodicTaskStatus

from .sync import sync_all, sync_failure_message

SYNC_QUEUE = "sync"


DAILY_SYNC_STATUS = "Volunteers: Salesforce daily delta sync"  # volunteers/periodic.py; /health/ reads it


def _client():
    return get_client()


def _health_record(failure: str) -> None:
    """A "Sync now" is a run like the nightly one: /health/ shows the sync failing until one succeeds."""
    status, _ = PeriodicTaskStatus.objects.get_or_create(name=DAILY_SYNC_STATUS)
    if failure:
        status.last_failure_at, status.last_error = timezone.now(), failure[:2000]
        status.save(update_fields=["last_failure_at", "last_error"])
    else:
        status.last_success_at = timezone.now()
        status.save(update_fields=["last_success_at"])


@job_task(queue=SYNC_QUEUE, name="volunteers.tasks.salesforce_sync_job")
def salesforce_sync_job(job, *, mode: str = "delta", objects: list[str] | None = None) -> dict:
    """ "Sync now" from the admin or the API: every object in dependency order, with live progress.
    Ends `failed` (first error as the job's error, the per-object summary as its result) when any
    object failed."""
    summary = sync_all(
        client=_client(),
        mode=mode,
        objects=objects,
        job=job,
        progress=lambda percent, message: job_progress(job, percent, message),
    )
    result = {"mode": mode, "objects": summary}
    failure = sync_failure_message(summary)
    _health_record(failure)
    if failure:
        raise JobFailed(failure, result=result)
    return result


class SyncFailed(Exception):
    pass


@shared_task(name="volunteers.tasks.salesforce_daily_delta", queue=SYNC_QUEUE, acks_late=True)
def salesforce_daily_delta() -> dict:
    """Beat: the daily delta sync. Raises when an object failed, so /health/ sees the failure."""
    summary = sync_all(client=_client(), mode="delta")
    failure = sync_failure_message(summary)
    if failure:
        raise SyncFailed(failure)
    return {"objects": summary}
