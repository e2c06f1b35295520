"""Celery entry points. Each re-reads what it needs and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from project.jobs import job_progress, job_task

from .models import SchedulerRun, SyncRun
from .runs import run_approve, run_create, run_execute
from .selectors import scheduling_settings_get
from .services import crossmark_for_sync
from .sync import events_sync

logger = logging.getLogger(__name__)


def _sync(*, job=None, user_id: int | None = None) -> SyncRun:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = SyncRun.objects.create(job_id=job.pk if job else None, triggered_by=user)
    progress = (lambda pct, msg: job_progress(job, pct, msg)) if job else None
    try:
        return events_sync(client=crossmark_for_sync(), run=run, progress=progress)
    except Exception as exc:
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


def _summary(run: SyncRun) -> dict:
    return {
        "sync_run": run.pk,
        "fetched": run.fetched,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "vanished": run.vanished,
        "skipped": run.skipped,
        "schedules_imported": run.schedules_imported,
    }


@job_task(queue="sync", name="scheduling.tasks.crossmark_sync_job")
def crossmark_sync_job(job, user_id: int | None = None) -> dict:
    """ "Sync now": the same sync as the beat task, with progress on the job."""
    return _summary(_sync(job=job, user_id=user_id))


@shared_task(name="scheduling.tasks.crossmark_sync_periodic", queue="sync", acks_late=True)
def crossmark_sync_periodic() -> dict:
    """Every 30 minutes; raises on failure so that /health/ sees a stale sync."""
    return _summary(_sync())


# --------------------------------------------------------------------------- auto-scheduler
@job_task(queue="default", name="scheduling.tasks.auto_schedule_job")
def auto_schedule_job(job, run_id: int) -> dict:
    """One auto-scheduler run (started from the API or the page), with progress on the job."""
    run = SchedulerRun.objects.get(pk=run_id)
    if run.status != SchedulerRun.Status.RUNNING:  # a redelivered task: the run is already done
        return _run_summary(run)
    return _run_summary(run_execute(run=run, progress=lambda pct, msg: job_progress(job, pct, msg)))


@shared_task(name="scheduling.tasks.auto_schedule_nightly", queue="default", acks_late=True)
def auto_schedule_nightly() -> dict:
    """Nightly run that leaves proposals for review; does nothing unless the setting is on.
    Raises on failure so that the periodic-task log shows it."""
    if not scheduling_settings_get().nightly_auto_schedule:
        return {"skipped": "nightly auto-scheduling is off in the scheduling settings"}
    run = run_create(trigger=SchedulerRun.Trigger.NIGHTLY)
    return _run_summary(run_execute(run=run))


def _run_summary(run) -> dict:
    return {
        "run": run.pk,
        "status": run.status,
        "candidates": run.candidates,
        "proposed": run.proposed,
        "failed": run.failed,
        "moves": run.moves,
    }


@job_task(queue="sync", name="scheduling.tasks.auto_schedule_approve_job")
def auto_schedule_approve_job(job, run_id: int, user_id: int | None = None, retry_only: bool = False) -> dict:
    """Approve (or retry) a whole run in the background, with the approving user's Crossmark
    account, one row at a time; progress per row. Submitted rows are never sent twice."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = SchedulerRun.objects.get(pk=run_id)
    result = run_approve(
        run=run, user=user, retry_only=retry_only, progress=lambda pct, msg: job_progress(job, pct, msg)
    )
    return {"run": run_id, **result}
