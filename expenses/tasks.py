from celery import shared_task

from .services import import_drafts_purge_expired


@shared_task(name="expenses.tasks.purge_expired_import_drafts", queue="default")
def purge_expired_import_drafts() -> int:
    """Delete import drafts past their expiry (applied or not). Safe to run twice."""
    return import_drafts_purge_expired()
