"""Celery tasks of the outbox: take ids, re-read rows, safe to run twice (acks_late is on)."""

from __future__ import annotations

from celery import shared_task

from . import outbox


@shared_task(name=outbox.SEND_TASK, acks_late=True, ignore_result=True)
def email_send(message_id: int) -> str:
    """Send one outbox row. A transient failure re-schedules this task with a countdown (the
    worker is free meanwhile); the every-minute dispatcher re-sends anything left pending."""
    result = outbox.email_deliver(message_id=message_id)
    if result.retry_in is not None and not email_send.app.conf.task_always_eager:
        outbox.email_enqueue(message_id, countdown=result.retry_in)
    return result.status


@shared_task(name="project.email.tasks.outbox_dispatch")
def outbox_dispatch() -> dict:
    """Periodic: send every pending row that is due (retries, rows queued while the broker was
    down) and fail rows a dead worker left in `sending`."""
    stale = outbox.outbox_release_stale()
    sent = 0
    for message_id in outbox.outbox_due():
        sent += outbox.email_deliver(message_id=message_id).status == "sent"
    return {"sent": sent, "stale": stale}
