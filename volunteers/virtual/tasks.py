"""Celery tasks of the teacher programme (imported by `volunteers.tasks` for autodiscovery); the
periodic ones are scheduled in `volunteers/periodic.py`."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from project.jobs import job_progress, job_task

from .. import rules
from ..models import PathfulImport
from .importing import pathful_import_run
from .progress import progress_counts_recount, progress_year_close

logger = logging.getLogger(__name__)


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


@shared_task(name="volunteers.virtual.tasks.progress_counts_recount", queue="default", acks_late=True)
def progress_counts_recount_nightly() -> dict:
    """Beat: recount the stored progress counts of this academic year and the last one; reports the
    rows that had drifted (written outside the programme's own write paths) and were corrected."""
    year = rules.academic_year_of(timezone.localdate())
    corrected = progress_counts_recount(academic_years=[year - 1, year])
    if corrected:
        logger.warning("Teacher progress counts had drifted on %d row(s); corrected.", corrected)
    else:
        logger.info("Teacher progress counts: no drift.")
    return {"corrected": corrected}


@shared_task(name="volunteers.virtual.tasks.progress_year_close", queue="default", acks_late=True)
def progress_year_close_on_aug_1() -> dict:
    """Beat, Aug 1: the academic year that ended on Jul 31 is closed (its still-active rows
    deactivated with the year-end source). Safe to run twice or late: closed rows stay closed."""
    year = rules.academic_year_of(timezone.localdate()) - 1
    return {"academic_year": year, "closed": progress_year_close(academic_year=year)}
