"""Celery tasks of data-quality scoring. Registered under `volunteers.tasks.*` names (periodic rows
and jobs refer to them); `volunteers/tasks.py` imports this module so autodiscovery finds them."""

from __future__ import annotations

from celery import shared_task

from project.jobs import job_progress, job_task

from .services import quality_run_execute


@job_task(queue="default", name="volunteers.tasks.quality_score_job")
def quality_score_job(job) -> dict:

    run = quality_run_execute(user=job.created_by, progress=lambda p, m: job_progress(job, p, m))
    return {"run": run.pk, "overall_score": float(run.overall_score or 0)}


@shared_task(name="volunteers.tasks.quality_score_daily", queue="default", acks_late=True)
def quality_score_daily() -> dict:

    run = quality_run_execute(user=None)
    return {"run": run.pk}
