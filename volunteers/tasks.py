"""Celery tasks of the volunteers app: Salesforce sync, data-quality scoring, roster import."""

from __future__ import annotations

from celery import shared_task

from integrations.salesforce import get_client
from project.jobs import job_progress, job_task

from .quality_services import quality_run_execute
from .sync_services import sync_all

SYNC_QUEUE = "sync"


def _client():

    return get_client()


@job_task(queue=SYNC_QUEUE, name="volunteers.tasks.salesforce_sync_job")
def salesforce_sync_job(job, *, mode: str = "delta", objects: list[str] | None = None) -> dict:
    """ "Sync now" from the admin or the API: every object in dependency order, with live progress."""

    summary = sync_all(
        client=_client(),
        mode=mode,
        objects=objects,
        job=job,
        progress=lambda percent, message: job_progress(job, percent, message),
    )
    return {"mode": mode, "objects": summary}


class SyncFailed(Exception):
    pass


@shared_task(name="volunteers.tasks.salesforce_daily_delta", queue=SYNC_QUEUE, acks_late=True)
def salesforce_daily_delta() -> dict:
    """Beat: the daily delta sync. Raises when an object failed, so /health/ sees the failure."""

    summary = sync_all(client=_client(), mode="delta")
    failed = [row["object"] for row in summary if row["status"] in ("failed", "busy")]
    if failed:
        raise SyncFailed(f"Salesforce sync failed or was busy for: {', '.join(failed)}")
    return {"objects": summary}


@job_task(queue="default", name="volunteers.tasks.quality_score_job")
def quality_score_job(job) -> dict:

    run = quality_run_execute(user=job.created_by, progress=lambda p, m: job_progress(job, p, m))
    return {"run": run.pk, "overall_score": float(run.overall_score or 0)}


@shared_task(name="volunteers.tasks.quality_score_daily", queue="default", acks_late=True)
def quality_score_daily() -> dict:

    run = quality_run_execute(user=None)
    return {"run": run.pk}
