"""Celery tasks of the teacher programme (imported by `volunteers.tasks` for autodiscovery)."""

from __future__ import annotations

from project.jobs import job_progress, job_task

from ..models import PathfulImport
from .importing import pathful_import_run


@job_task(queue="default", name="volunteers.virtual.tasks.pathful_import_job")
def pathful_import_job(job, *, import_id: int) -> dict:
    log = pathful_import_run(import_id=import_id, progress=lambda p, m: job_progress(job, p, m))
    if log.status == PathfulImport.Status.FAILED:
        raise ValueError("; ".join(e["message"] for e in log.errors) or "The import failed.")
    return {
        "import_id": log.pk,
        "rows": log.rows,
        "events_created": log.events_created,
        "events_updated": log.events_updated,
        "people_matched": log.people_matched,
        "unmatched": log.unmatched,
        "errors": len(log.errors),
    }
