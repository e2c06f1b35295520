"""Jobs: long work run by Celery with progress the user can watch.

Start one with `job_start(kind=..., task=..., user=..., params=...)`; write the task with the
`@job_task` decorator. The task receives the Job and reports progress through
`job_progress(job, percent, message)`.

Never stuck: while a worker runs a job it renews a lease on the row (`heartbeat_at`, every
JOB_HEARTBEAT_SECONDS from a small thread, and on each progress report). `jobs_reap_stale`, run
every minute by beat, finds running jobs whose lease is older than JOB_LEASE_SECONDS (their worker
died: killed, out of memory, the machine lost) and sends them again once (job tasks are idempotent)
or, the second time, marks them failed with "the worker stopped; safe to retry". A message that
Redis redelivers later finds the job finished, or running under a live lease, and does nothing.
"""

from __future__ import annotations

import functools
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from celery import current_app, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from integrations.base import TransientError, backoff_delay

from .models import Job
from .periodic import periodic_manual_run_succeeded

logger = logging.getLogger(__name__)

MAX_TRANSIENT_RETRIES = 5
UNSEEN_JOB_RETRIES = 8
WORKER_LOST_ERROR = "The worker stopped while running this job; it is safe to retry."
WORKER_LOST_REQUEUED = "The worker stopped; the job was queued again."


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
    job = Job.objects.create(
        kind=kind,
        params=params or {},
        created_by=user if user and user.pk else None,
        task_name=task.name,
        queue=queue or "",
    )
    try:
        _job_send(job)
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


def _job_send(job: Job) -> None:
    options = {"queue": job.queue} if job.queue else {}
    current_app.tasks[job.task_name].apply_async(kwargs={"job_id": str(job.pk)}, retry=False, **options)


def job_progress(job: Job, percent: float, message: str = "") -> None:
    """Report progress (0-100). Writes only the progress columns, so it is cheap and race-free."""
    percent = max(0, min(100, int(percent)))
    job.progress, job.message = percent, message[:500]
    Job.objects.filter(pk=job.pk).update(progress=percent, message=job.message, heartbeat_at=timezone.now())


def _job_finish(job: Job, *, status: str, result: Any = None, error: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        result=result,
        error=error[:5000],
        progress=100 if status == Job.Status.SUCCEEDED else F("progress"),
        finished_at=timezone.now(),
    )


def job_task(*, queue: str = "default", name: str | None = None, requeue_if_lost: bool = True):
    """Decorator turning `fn(job, **params) -> result` into an idempotent Celery job task.

    Re-running a finished job does nothing (acks_late may deliver a task twice), nor does a second
    delivery while another worker holds the job's lease. Transient integration errors are retried
    with backoff; anything else fails the job with its message.
    `requeue_if_lost=False` marks a task that must not run again after its worker died mid-way:
    the reaper then fails the job at once instead of queuing it again.
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
            job = _job_claim(job_id)
            if job is None:
                if not self.request.is_eager and self.request.retries < UNSEEN_JOB_RETRIES and not _job_exists(job_id):
                    # Started inside a transaction not committed yet (an API call wrapped whole for its
                    # Idempotency-Key, say): look again shortly; a rolled-back job is never seen.
                    raise self.retry(countdown=1 + self.request.retries, max_retries=UNSEEN_JOB_RETRIES)
                return None
            lease = None if self.request.is_eager else _LeaseKeeper(job.pk)
            try:
                if lease is not None:
                    lease.start()
                result = fn(job, **job.params)
            except TransientError as exc:
                if self.request.retries < MAX_TRANSIENT_RETRIES and not self.request.is_eager:
                    # Queued again while waiting for the retry: the reaper watches running jobs only.
                    Job.objects.filter(pk=job.pk).update(
                        status=Job.Status.QUEUED, heartbeat_at=None, message=f"Temporary failure, retrying: {exc}"[:500]
                    )
                    raise self.retry(
                        exc=exc, countdown=backoff_delay(self.request.retries + 1, base=5, cap=300)
                    ) from exc
                _job_finish(job, status=Job.Status.FAILED, error=str(exc))
                return None
            except SoftTimeLimitExceeded:
                limit = settings.JOB_TIME_LIMIT_SECONDS
                _job_finish(job, status=Job.Status.FAILED, error=f"The job ran longer than {limit} s and was stopped.")
                return None
            except JobFailed as exc:
                logger.warning("job %s (%s) failed: %s", job.pk, job.kind, exc)
                _job_finish(job, status=Job.Status.FAILED, error=str(exc), result=exc.result)
                return None
            except Exception as exc:
                logger.exception("job %s (%s) failed", job.pk, job.kind)
                _job_finish(job, status=Job.Status.FAILED, error=str(exc) or exc.__class__.__name__)
                return None
            finally:
                if lease is not None:
                    lease.stop()
            _job_finish(job, status=Job.Status.SUCCEEDED, result=result)
            periodic_manual_run_succeeded(task_name=self.name)
            return None

        run.requeue_if_lost = requeue_if_lost
        return run

    return decorator


def _job_exists(job_id: str) -> bool:
    return Job.objects.filter(pk=job_id).exists()


def _lease_is_live(job: Job, now: datetime) -> bool:
    return job.heartbeat_at is not None and job.heartbeat_at > now - timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _job_claim(job_id: str) -> Job | None:
    """Take the job for this worker: queued, or running under a lease that has lapsed (its worker
    died and the broker delivered the message again). None when there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if job.status == Job.Status.RUNNING and _lease_is_live(job, now):
            logger.info("job %s is running elsewhere under a live lease; this delivery does nothing", job.pk)
            return None
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.RUNNING,
            started_at=job.started_at or now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
    job.refresh_from_db()
    return job


class _LeaseKeeper(threading.Thread):
    """Renews the job's lease every JOB_HEARTBEAT_SECONDS while the task runs, so that a long step
    without progress reports is not mistaken for a dead worker. Dies with the worker process."""

    def __init__(self, job_pk):
        super().__init__(name=f"job-lease-{job_pk}", daemon=True)
        self.job_pk = job_pk
        self._stopped = threading.Event()

    def run(self):
        try:
            while not self._stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_pk, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
                except Exception:  # a database blip: the next beat renews the lease
                    logger.warning("could not renew the lease of job %s", self.job_pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def stop(self):
        self._stopped.set()
        self.join(timeout=5)


def jobs_reap_stale(*, now: datetime | None = None) -> dict[str, int]:
    """Running jobs whose lease lapsed lost their worker: send each once more (when its task allows
    it and it was not sent again before), otherwise fail it with a message saying a retry is safe."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    lapsed = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    counts = {"requeued": 0, "failed": 0}
    for job_pk in Job.objects.filter(lapsed, status=Job.Status.RUNNING).values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(lapsed, pk=job_pk, status=Job.Status.RUNNING).first()
            if job is None:  # finished or renewed meanwhile
                continue
            task = current_app.tasks.get(job.task_name) if job.task_name else None
            if task is not None and job.requeues == 0 and getattr(task, "requeue_if_lost", False):
                Job.objects.filter(pk=job.pk).update(
                    status=Job.Status.QUEUED,
                    heartbeat_at=None,
                    requeues=F("requeues") + 1,
                    message=WORKER_LOST_REQUEUED,
                )
                transaction.on_commit(functools.partial(_job_resend, job.pk))
                counts["requeued"] += 1
            else:
                _job_finish(job, status=Job.Status.FAILED, error=WORKER_LOST_ERROR)
                counts["failed"] += 1
            logger.warning("job %s (%s) lost its worker: %s", job.pk, job.kind, counts)
    return counts


def _job_resend(job_pk) -> None:
    job = Job.objects.get(pk=job_pk)
    try:
        _job_send(job)
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.error("could not queue job %s again: %s", job.pk, exc)
        _job_finish(job, status=Job.Status.FAILED, error=WORKER_LOST_ERROR)
