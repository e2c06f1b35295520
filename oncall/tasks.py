"""Celery tasks: take ids, re-read rows, safe to run twice (acks_late is on)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import paging, services
from .models import Team

SMS_QUEUE = "sms"


@shared_task(name="oncall.tasks.sms_send", queue=SMS_QUEUE, acks_late=True, ignore_result=True)
def sms_send(message_id: int) -> str:
    """Send one outbox row. A transient failure re-schedules this task with a countdown (the
    worker is free meanwhile); the every-minute dispatcher re-sends anything left pending."""
    outcome = paging.sms_deliver(message_id=message_id)
    if outcome.retry_in is not None and not sms_send.app.conf.task_always_eager:
        sms_send.apply_async(args=[message_id], countdown=outcome.retry_in, retry=False)
    return outcome.status


@shared_task(name="oncall.tasks.outbox_dispatch", queue=SMS_QUEUE)
def outbox_dispatch() -> dict:
    """Periodic: send every pending row that is due (retries, and rows queued while the broker
    was down), and fail rows a dead worker left in `sending`."""
    stale = paging.outbox_release_stale()
    sent = 0
    for message_id in paging.outbox_due():
        sent += paging.sms_deliver(message_id=message_id).status == "sent"
    return {"sent": sent, "stale": stale}


@shared_task(name="oncall.tasks.pages_queue_due", queue=SMS_QUEUE)
def pages_queue_due() -> dict:
    """Periodic (every 5 minutes): the daily page at each team's notification time, and the
    catch-up of pages missed while workers were down (for shifts still running)."""
    return {"queued": paging.pages_queue_due()}


@shared_task(name="oncall.tasks.confirmations_check", queue=SMS_QUEUE)
def confirmations_check() -> dict:
    """Periodic (every 5 minutes): remind members who have not confirmed their page, then page
    the backup."""
    return paging.confirmations_check()


@shared_task(name="oncall.tasks.weekly_summary", queue=SMS_QUEUE)
def weekly_summary() -> dict:
    count = 0
    for team in Team.objects.filter(weekly_summary_enabled=True, escalation_enabled=True):
        count += len(paging.weekly_summary_queue(team=team))
    return {"queued": count}


@shared_task(name="oncall.tasks.schedule_auto_renew", queue="default")
def schedule_auto_renew() -> dict:
    renewed = {}
    for team in Team.objects.filter(auto_renew_enabled=True):
        if not team.members.filter(active=True).exists() or not team.shifts.filter(active=True).exists():
            continue
        result = services.schedule_auto_renew(team=team, now=timezone.now())
        if result is not None:
            renewed[team.name] = result.created
    completed = services.overrides_complete_past()
    return {"renewed": renewed, "overrides_completed": completed}
