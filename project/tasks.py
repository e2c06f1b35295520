from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .email import tasks as email_tasks  # noqa: F401 - the outbox tasks, found by name
from .jobs import job_progress, job_task
from .models import Job


@shared_task(name="project.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat():
    """Runs every minute from beat; its recorded success proves beat and a worker are alive."""
    return "ok"


def jobs_purge(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff).delete()
    return deleted


@shared_task(name="project.tasks.purge_old_jobs", ignore_result=True)
def purge_old_jobs():
    return jobs_purge(older_than_days=settings.JOB_RETENTION_DAYS)


@job_task(name="project.tasks.purge_jobs_job")
def purge_jobs_job(job, older_than_days: int | None = None):
    days = settings.JOB_RETENTION_DAYS if older_than_days is None else int(older_than_days)
    job_progress(job, 10, f"Removing finished jobs older than {days} days")
    return {"deleted": jobs_purge(older_than_days=days)}
