"""Jobs: long work run by Celery with progress the user can watch.

Start one with `job_start(kind=..., task=..., user=..., params=...)`; write the task with the
`@job_task` decorator. The task receives the Job and reports progress through
`job_progress(job, percent, message)`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import current_app, shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from integrations.base import TransientError, backoff_delay

from .models import Job

logger = logging.getLogger(__name__)

MAX_TRANSIENT_RETRIES = 5


class JobNotQueued(Exception):
    """The broker could not take the job; the Job row is marked failed with the reason."""


class JobFailed(Exception):
    """Raised by a job function whose work ran but failed: the job ends `failed` with this message
    as its error and `result` (e.g. a per-part summary) kept for the pages and the API."""

    def __init__(self, message: str, *, result: Any = None):
        super().__init__(message)
        self.result = result


def job_start(*, kind: str, task, user=None, params: dict | None = None, queue: str | None = None) -> Job:
    """Create a Job and hand it to Celery. Raises JobNotQueued when the broker is unreachable.

    `task` is the task or its registered name; a service names it so that it need not import its
    own tasks module (tasks call services, never the other way round)."""
    if isinstance(task, str):
        task = current_app.tasks[task]
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user if user and user.pk else None)
    options = {"queue": queue} if queue else {}
    try:
        task.apply_async(kwargs={"job_id": str(job.pk)}, retry=False, **options)
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.error("could not queue job %s (%s): %s", job.pk, kind, exc)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            error="The job could not be queued: the task broker is unreachable. Try again later.",
            finished_at=timezone.now(),
        )
        raise JobNotQueued(str(exc)) from exc
    job.refresh_from_db()
    return job


def job_progress(job: Job, percent: float, message: str = "") -> None:
    """Report progress (0-100). Writes only the progress columns, so it is cheap and race-free."""
    percent = max(0, min(100, int(percent)))
    job.progress, job.message = percent, message[:500]
    Job.objects.filter(pk=job.pk).update(progress=percent, message=job.message)


def _job_finish(job: Job, *, status: str, result: Any = None, error: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        result=result,
        error=error[:5000],
        progress=100 if status == Job.Status.SUCCEEDED else F("progress"),
        finished_at=timezone.now(),
    )


def job_task(*, queue: str = "default", name: str | None = None):
    """Decorator turning `fn(job, **params) -> result` into an idempotent Celery job task.

    Re-running a finished job does nothing (acks_late may deliver a task twice). Transient
    integration errors are retried with backoff; anything else fails the job with its message.
    """

    def decorator(fn):
        @shared_task(
            bind=True,
            name=name or f"{fn.__module__}.{fn.__name__}",
            queue=queue,
            acks_late=True,
            max_retries=MAX_TRANSIENT_RETRIES,
        )
        @functools.wraps(fn)
        def run(self, job_id: str):
            with transaction.atomic():
                job = Job.objects.select_for_update().filter(pk=job_id).first()
                if job is None or job.is_finished:
                    return None
                Job.objects.filter(pk=job.pk).update(
                    status=Job.Status.RUNNING,
                    started_at=job.started_at or timezone.now(),
                    attempts=F("attempts") + 1,
                )
            job.refresh_from_db()
            try:
                result = fn(job, **job.params)
            except TransientError as exc:
                if self.request.retries < MAX_TRANSIENT_RETRIES and not self.request.is_eager:
                    job_progress(job, job.progress, f"Temporary failure, retrying: {exc}")
                    raise self.retry(
                        exc=exc, countdown=backoff_delay(self.request.retries + 1, base=5, cap=300)
                    ) from exc
                _job_finish(job, status=Job.Status.FAILED, error=str(exc))
                return None
            except JobFailed as exc:
                logger.warning("job %s (%s) failed: %s", job.pk, job.kind, exc)
                _job_finish(job, status=Job.Status.FAILED, error=str(exc), result=exc.result)
                return None
            except Exception as exc:
                logger.exception("job %s (%s) failed", job.pk, job.kind)
                _job_finish(job, status=Job.Status.FAILED, error=str(exc) or exc.__class__.__name__)
                return None
            _job_finish(job, status=Job.Status.SUCCEEDED, result=result)
            return None

        return run

    return decorator
