"""Celery tasks of the Salesforce sync. Registered under `volunteers.tasks.*` names (periodic rows
and jobs refer to them); `volunteers/tasks.py` imports this module so autodiscovery finds them."""

from __future__ import annotations

from celery import shared_task

from integrations.salesforce import get_client
from project.jobs import job_progress, job_task

from .sync import sync_all

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
