"""Job tasks for the tests that run a real Celery worker (`celery worker -I tests.project.worker_tasks`)."""

import time

from project.jobs import job_progress, job_task


@job_task(name="tests.worker.hang")
def hang(job, hang_attempts: int = 1):
    """Hangs (as a long sync step does) on its first `hang_attempts` attempts, then finishes."""
    if job.attempts <= hang_attempts:
        job_progress(job, 15, "2/124 rows")
        time.sleep(600)
    return {"attempt": job.attempts}


@job_task(name="tests.worker.hang_once_only", requeue_if_lost=False)
def hang_once_only(job):
    job_progress(job, 15, "2/124 rows")
    time.sleep(600)
    return {"attempt": job.attempts}
