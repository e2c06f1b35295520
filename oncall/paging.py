"""SMS paging through the outbox.

Every SMS is first an `SmsMessage` row whose `idempotency_key` is unique in the database, so
queueing the same page twice (a duplicated task, a re-run beat, a second worker) finds the
existing row instead of creating another. Sending claims the row with a conditional UPDATE
(pending → sending); only the worker whose UPDATE matched sends, so no message goes out twice.
Transient errors put the row back to pending with a backoff; the task is re-scheduled with a
countdown (never a sleep) and the every-minute dispatcher is the safety net.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from integrations.base import PermanentError, TransientError, backoff_delay
from integrations.twilio import sms_gateway
from project import outbox
from project.email.outbox import admin_alert, email_send
from project.outbox import DeliveryOutcome

from .models import Assignment, Member, SmsMessage, Team
from .selectors import (
    assignment_effective_member,
    assignment_list,
    member_page_phones,
    oncall_now,
    with_overrides,
)
from .sms_template import template_render
from .timeutils import duration_label

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # with the 15-minute cap: about four hours of retrying
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 900.0
MANUAL_MAX_CHARS = 1600
SEND_TASK = "oncall.tasks.sms_send"
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO"}  # the carrier / Twilio answers these itself
CONFIRM_WORDS = {"1", "OK", "OKAY", "CONFIRM", "CONFIRMED", "ACK", "Y"}
CONFIRM_HINT = " Reply 1 or OK to confirm."
REPLY_HELP = "Crewbase on-call: reply 1 or OK to confirm your shift, STOP to stop pages, START to resume them."
CONFIRMABLE = ("page", "reminder", "backup_page")


def _max_attempts() -> int:
    return getattr(settings, "ONCALL_SMS_MAX_ATTEMPTS", MAX_ATTEMPTS)


def mask_phone(phone: str) -> str:
    return phone[:-4] + "····" if len(phone) > 4 else "····"


# --------------------------------------------------------------------------- queueing
def message_queue(
    *,
    team: Team,
    purpose: str,
    key: str,
    phone: str,
    name: str,
    body: str,
    member: Member | None = None,
    assignment: Assignment | None = None,
    not_after: datetime | None = None,
    user=None,
    enqueue: bool = True,
) -> tuple[SmsMessage, bool]:
    """The outbox row for `key`, created if new. Opted-out members get a `skipped` row so the
    log shows why nothing went out. Safe under concurrency: the unique key decides."""
    existing = SmsMessage.objects.filter(idempotency_key=key).first()
    if existing:
        return existing, False
    status = SmsMessage.Status.SKIPPED if member is not None and member.sms_opt_out else SmsMessage.Status.PENDING
    row = SmsMessage(
        team=team,
        purpose=purpose,
        idempotency_key=key,
        assignment=assignment,
        member=member,
        recipient_name=name,
        recipient_phone=phone,
        body=body,
        status=status,
        not_after=not_after,
        created_by=user if user and user.pk else None,
        error_message="Recipient replied STOP." if status == SmsMessage.Status.SKIPPED else "",
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return SmsMessage.objects.get(idempotency_key=key), False
    if status == SmsMessage.Status.PENDING and enqueue:
        transaction.on_commit(lambda: _enqueue(row.pk))
    return row, True


def _enqueue(message_id: int, countdown: float | None = None) -> None:
    # Looked up by name: tasks.py imports this module, not the other way round.
    sms_send = current_app.tasks[SEND_TASK]
    try:
        sms_send.apply_async(args=[message_id], countdown=countdown, retry=False)
    except Exception as exc:  # broker down: the row stays pending and the dispatcher sends it
        logger.warning("could not enqueue SMS %s (%s); the dispatcher will pick it up", message_id, exc)


def page_body(*, team: Team, assignment: Assignment, member: Member) -> str:
    """The team's template filled in for this occurrence, plus the reply hint when pages must
    be confirmed."""
    zone = team.zone
    text = template_render(
        team.sms_template,
        name=member.name,
        team=team.name,
        start=assignment.starts_at.astimezone(zone).strftime("%a %b %-d %H:%M"),
        end=assignment.ends_at.astimezone(zone).strftime("%a %b %-d %H:%M"),
        duration=duration_label(assignment.shift.duration_hours),
    )
    return text + (CONFIRM_HINT if team.confirm_within_minutes else "")


def assignment_page(
    *,
    assignment: Assignment,
    purpose: str = SmsMessage.Purpose.PAGE,
    member: Member | None = None,
    enqueue: bool = True,
    prefix: str = "",
) -> list[SmsMessage]:
    """Queue the page for one occurrence: one outbox row per phone of the (override) member."""
    team = assignment.team
    member = member or assignment_effective_member(assignment)
    body = prefix + page_body(team=team, assignment=assignment, member=member)
    rows = []
    for phone in member_page_phones(member):  # unverified numbers are not paged
        key = f"{purpose}:{assignment.shift_id}:{assignment.occurrence_date.isoformat()}:{phone}"
        row, _ = message_queue(
            team=team,
            purpose=purpose,
            key=key,
            phone=phone,
            name=member.name,
            body=body,
            member=member,
            assignment=assignment,
            not_after=assignment.ends_at,
            enqueue=enqueue,
        )
        rows.append(row)
    return rows


@transaction.atomic
def pages_queue_due(*, now: datetime | None = None) -> int:
    """Queue the pages whose local notification time has passed and whose shift still runs.

    Runs every few minutes: at the team's notification time it pages the members whose shift
    starts that local day (a 48 h shift once, on its first day); after downtime it catches up
    every occurrence that is still running. Already-queued pages are found by their key.
    """
    now = now or timezone.now()
    queued = 0
    for team in Team.objects.all():
        local = now.astimezone(team.zone)
        latest_day = local.date() if local.time() >= team.notification_time else local.date() - timedelta(days=1)
        due = Assignment.objects.filter(team=team, occurrence_date__lte=latest_day, ends_at__gt=now).select_related(
            "team"
        )
        due = with_overrides(due)
        for assignment in due:
            keys = {
                f"page:{assignment.shift_id}:{assignment.occurrence_date.isoformat()}:{p}"
                for p in member_page_phones(assignment_effective_member(assignment))
            }
            if SmsMessage.objects.filter(idempotency_key__in=keys).count() == len(keys):
                continue
            queued += sum(1 for row in assignment_page(assignment=assignment) if row.status != "skipped")
    return queued


def manual_sms(*, member: Member, body: str, user=None) -> SmsMessage:
    text = template_render(body, name=member.name) if "{" in body else body
    if not text.strip() or len(text) > MANUAL_MAX_CHARS:
        raise ValidationError({"body": [f"Write between 1 and {MANUAL_MAX_CHARS} characters."]})
    key = f"manual:{member.pk}:{timezone.now().isoformat()}:{member.phone}"
    with transaction.atomic():
        row, _ = message_queue(
            team=member.team,
            purpose=SmsMessage.Purpose.MANUAL,
            key=key,
            phone=member.phone,
            name=member.name,
            body=text,
            member=member,
            user=user,
        )
    return row


# --------------------------------------------------------------------------- sending
def _status_callback_url() -> str | None:
    base = getattr(settings, "ONCALL_PUBLIC_BASE_URL", "")
    return f"{base.rstrip('/')}{reverse('oncall_webhooks:twilio-status')}" if base else None


def sms_deliver(*, message_id: int, now: datetime | None = None, gateway=None) -> DeliveryOutcome:
    """Send one outbox row if this caller wins the claim. Never raises for provider errors."""
    now = now or timezone.now()
    if (lost := outbox.claim(SmsMessage, message_id, now=now)) is not None:
        return lost
    message = SmsMessage.objects.select_related("team").get(pk=message_id)
    if message.not_after is not None and now >= message.not_after:
        _finish(message, status=SmsMessage.Status.EXPIRED, error="The shift had ended before the page could go out.")
        return DeliveryOutcome(status=SmsMessage.Status.EXPIRED)
    try:
        sent = (gateway or sms_gateway()).send_sms(
            to=message.recipient_phone, body=message.body, status_callback=_status_callback_url()
        )
    except TransientError as exc:
        delay = (
            exc.retry_after
            if exc.retry_after is not None
            else backoff_delay(message.attempts, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS)
        )
        delay = min(delay, BACKOFF_CAP_SECONDS)
        # Keep trying while the page still matters (Twilio down for an hour loses nothing);
        # give up after the attempt budget or when the next try would land after the shift.
        too_late = message.not_after is not None and now + timedelta(seconds=delay) >= message.not_after
        if message.attempts >= _max_attempts() or too_late:
            _fail(message, exc, now=now)
            return DeliveryOutcome(status=SmsMessage.Status.FAILED)
        outbox.retry_later(
            SmsMessage, message.pk, at=now + timedelta(seconds=delay), code=str(exc.code or ""), error=str(exc)
        )
        logger.warning(
            "SMS %s to %s: transient error, retry in %.0fs: %s",
            message.pk,
            mask_phone(message.recipient_phone),
            delay,
            exc,
        )
        return DeliveryOutcome(status=SmsMessage.Status.PENDING, retry_in=delay)
    except PermanentError as exc:
        _fail(message, exc, now=now)
        return DeliveryOutcome(status=SmsMessage.Status.FAILED)
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsMessage.Status.SENT, sent_at=now, provider_sid=sent.sid, error_code="", error_message=""
    )
    return DeliveryOutcome(status=SmsMessage.Status.SENT)


def _finish(message: SmsMessage, *, status: str, error: str = "", code: str = "") -> None:
    SmsMessage.objects.filter(pk=message.pk).update(status=status, error_message=error[:2000], error_code=code)


def _fail(message: SmsMessage, exc: Exception, *, now: datetime) -> None:
    _finish(message, status=SmsMessage.Status.FAILED, error=str(exc), code=str(getattr(exc, "code", "") or ""))
    logger.error("SMS %s to %s failed for good: %s", message.pk, mask_phone(message.recipient_phone), exc)
    page_failed(message_id=message.pk, now=now)


def page_failed(*, message_id: int, now: datetime | None = None) -> SmsMessage | None:
    """A page that finally failed goes to the backup, and administrators get an email. Runs once
    per message (the `escalated` flag is claimed atomically)."""
    now = now or timezone.now()
    if not SmsMessage.objects.filter(pk=message_id, escalated=False).update(escalated=True):
        return None
    message = SmsMessage.objects.select_related("team", "assignment__shift", "assignment__team").get(pk=message_id)
    reason = (
        f"The {message.get_purpose_display().lower()} to {message.recipient_name} "
        f"({mask_phone(message.recipient_phone)}) failed: {message.error_message or message.status}."
    )
    try:
        admin_alert(
            title=f"On-call page failed: {message.recipient_name} ({message.team})",
            message=reason + ("\nCrewbase is paging the backup." if message.purpose == SmsMessage.Purpose.PAGE else ""),
            subject_of_record=f"oncall_page_failed:{message.pk}",
        )
    except ValidationError as exc:  # a misconfigured ADMIN_EMAILS must not stop the backup page
        logger.warning("on-call admin alert not queued: %s", exc)
    if message.purpose != SmsMessage.Purpose.PAGE or message.assignment is None:
        return None
    assignment = message.assignment
    backup = oncall_now(team=assignment.team, at=max(now, assignment.starts_at)).backup
    if backup is None or backup.pk == message.member_id:
        return None
    rows = assignment_page(assignment=assignment, purpose=SmsMessage.Purpose.BACKUP_PAGE, member=backup)
    escalation_email(assignment=assignment, backup=backup, reason=reason)
    return rows[0] if rows else None


def escalation_email(*, assignment: Assignment, backup: Member, reason: str) -> None:
    """The backup paged for an occurrence also gets an e-mail (when they have an address),
    through the e-mail outbox: once per occurrence and person, however often the escalation
    runs and whichever path (failed page, unconfirmed page) escalated first."""
    if not backup.email:
        return
    zone = assignment.team.zone
    try:
        _escalation_email_send(assignment=assignment, backup=backup, reason=reason, zone=zone)
    except ValidationError as exc:  # e.g. a stored address the outbox refuses: the SMS still goes
        logger.warning("escalation e-mail to member %s not queued: %s", backup.pk, exc)


def _escalation_email_send(*, assignment: Assignment, backup: Member, reason: str, zone) -> None:
    email_send(
        purpose="oncall_escalation",
        to=backup.email,
        to_name=backup.name,
        subject_of_record=f"oncall_backup:{assignment.pk}:{backup.pk}",
        context={
            "team": assignment.team.name,
            "shift": assignment.shift.label,
            "reason": reason,
            "starts_at": f"{assignment.starts_at.astimezone(zone):%b %-d, %Y %-I:%M %p}",
            "ends_at": f"{assignment.ends_at.astimezone(zone):%b %-d, %Y %-I:%M %p}",
        },
    )


def outbox_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of pending rows due now (includes rows left behind while the broker was down)."""
    return outbox.due_ids(SmsMessage, now=now or timezone.now(), limit=limit)


def outbox_release_stale(*, now: datetime | None = None) -> int:
    """A worker that died mid-send leaves a `sending` row. Whether Twilio accepted it is
    unknown, so it is failed (and escalated) rather than resent: never send twice."""
    now = now or timezone.now()
    failed = outbox.stale_fail(SmsMessage, now=now)
    for message_id in failed:
        page_failed(message_id=message_id, now=now)
    return len(failed)


# --------------------------------------------------------------------------- callbacks
def delivery_status_record(*, sid: str, status: str, error_code: str = "", now: datetime | None = None) -> int:
    """Twilio status callback: delivered / undelivered / failed."""
    now = now or timezone.now()
    status = status.lower()
    if status == "delivered":
        return (
            SmsMessage.objects.filter(provider_sid=sid)
            .exclude(status=SmsMessage.Status.DELIVERED)
            .update(status=SmsMessage.Status.DELIVERED, delivered_at=now)
        )
    if status in ("undelivered", "failed"):
        ids = list(SmsMessage.objects.filter(provider_sid=sid).values_list("id", flat=True))
        changed = SmsMessage.objects.filter(pk__in=ids).update(
            status=SmsMessage.Status.UNDELIVERED,
            error_code=error_code,
            error_message=f"Carrier reported {status}" + (f" (error {error_code})." if error_code else "."),
        )
        for message_id in ids:
            page_failed(message_id=message_id, now=now)
        return changed
    return 0


def inbound_keyword(*, from_phone: str, body: str) -> str | None:
    """STOP-style words opt the sender out of pages; START-style words opt back in."""
    word = (body or "").strip().upper()
    if word in STOP_WORDS:
        opt_out = True
    elif word in START_WORDS:
        opt_out = False
    else:
        return None
    members = Member.all_objects.filter(Q(phone=from_phone) | Q(secondary_phone=from_phone))
    for member in members:
        member.sms_opt_out = opt_out
        member.save(update_fields=["sms_opt_out", "updated_at"])
    return "opted_out" if opt_out else "opted_in"


def inbound_reply(*, from_phone: str, body: str, now: datetime | None = None) -> str:
    """Every inbound SMS: STOP/START (opt-out), HELP (answered by the carrier), a confirmation
    ("1", "OK", …) of the latest page sent to that phone, or else a short help text — once a day
    per phone, and only to phones of members (strangers get nothing)."""
    now = now or timezone.now()
    outcome = inbound_keyword(from_phone=from_phone, body=body)
    if outcome:
        return outcome
    word = (body or "").strip().upper().rstrip(".!")
    if word in HELP_WORDS:
        return "help"
    if word in CONFIRM_WORDS and confirmation_record(from_phone=from_phone, now=now) is not None:
        return "confirmed"
    member = Member.objects.filter(Q(phone=from_phone) | Q(secondary_phone=from_phone)).select_related("team").first()
    if member is None:
        return "ignored"
    local_day = now.astimezone(member.team.zone).date()
    with transaction.atomic():
        _, created = message_queue(
            team=member.team,
            purpose=SmsMessage.Purpose.REPLY,
            key=f"reply:{from_phone}:{local_day.isoformat()}",
            phone=from_phone,
            name=member.name,
            body=REPLY_HELP,
            member=member,
        )
    return "help_sent" if created else "help_already_sent"


@transaction.atomic
def confirmation_record(*, from_phone: str, now: datetime | None = None) -> Assignment | None:
    """Confirm the occurrence of the latest page, reminder or backup page sent to `from_phone`
    whose shift has not ended. The first reply counts; later ones change nothing."""
    now = now or timezone.now()
    message = (
        SmsMessage.objects.filter(
            recipient_phone=from_phone,
            purpose__in=CONFIRMABLE,
            sent_at__isnull=False,
            assignment__ends_at__gt=now,
        )
        .order_by("-sent_at", "-id")
        .first()
    )
    if message is None:
        return None
    assignment = Assignment.objects.select_for_update().get(pk=message.assignment_id)
    if assignment.confirmed_at is None:
        assignment.confirmed_at, assignment.confirmed_by_id = now, message.member_id
        assignment.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
    return assignment


def confirmations_check(*, now: datetime | None = None) -> dict:
    """Unconfirmed pages: after the team's confirmation time a reminder to the same phone, after
    twice that time the backup is paged. Both through the outbox under their own keys, so
    running this twice (or alongside a failed-page escalation) never sends anything twice."""
    now = now or timezone.now()
    counts = {"reminders": 0, "backups": 0}
    teams = Team.objects.filter(confirm_within_minutes__gt=0)
    for team in teams:
        wait = timedelta(minutes=team.confirm_within_minutes)
        pages = (
            SmsMessage.objects.filter(
                team=team,
                purpose=SmsMessage.Purpose.PAGE,
                sent_at__lte=now - wait,
                assignment__confirmed_at__isnull=True,
                assignment__ends_at__gt=now,
            )
            .select_related("member", "assignment__shift", "assignment__team")
            .order_by("id")
        )
        for page in pages:
            assignment = page.assignment
            with transaction.atomic():
                occurrence = f"{assignment.shift_id}:{assignment.occurrence_date.isoformat()}"
                _, created = message_queue(
                    team=team,
                    purpose=SmsMessage.Purpose.REMINDER,
                    key=f"reminder:{occurrence}:{page.recipient_phone}",
                    phone=page.recipient_phone,
                    name=page.recipient_name,
                    body="Reminder: " + page.body,
                    member=page.member,
                    assignment=assignment,
                    not_after=assignment.ends_at,
                )
                counts["reminders"] += created
                if page.sent_at > now - 2 * wait:
                    continue
                backup = oncall_now(team=team, at=max(now, assignment.starts_at)).backup
                if backup is None or backup.pk == page.member_id:
                    continue
                paged = SmsMessage.objects.filter(purpose=SmsMessage.Purpose.BACKUP_PAGE, assignment=assignment)
                if paged.exists():  # already paged (this check, or a failed page's escalation)
                    continue
                assignment_page(
                    assignment=assignment,
                    purpose=SmsMessage.Purpose.BACKUP_PAGE,
                    member=backup,
                    prefix=f"Not confirmed by {page.recipient_name}: ",
                )
                escalation_email(
                    assignment=assignment,
                    backup=backup,
                    reason=f"{page.recipient_name} has not confirmed the on-call page.",
                )
                counts["backups"] += 1
    return counts


# --------------------------------------------------------------------------- weekly summary
def weekly_summary_body(*, team: Team, week_start) -> str:
    lines = [f"{team.name} on-call {week_start:%m/%d}-{week_start + timedelta(days=6):%m/%d}:"]
    rows = {
        a.occurrence_date: a for a in assignment_list(team=team, start=week_start, end=week_start + timedelta(days=6))
    }
    carry = None
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        if day in rows:
            a = rows[day]
            member = assignment_effective_member(a)
            suffix = f" ({a.shift.duration_hours}h)" if a.shift.duration_hours > 24 else ""
            lines.append(f"{day:%a %m/%d}: {member.name} {member.phone}{suffix}")
            carry = (a, member)
        elif carry and carry[0].ends_at.astimezone(team.zone).date() > day:
            lines.append(f"{day:%a %m/%d}: {carry[1].name} (continues)")
        else:
            lines.append(f"{day:%a %m/%d}: no assignment")
    return "\n".join(lines)


def weekly_summary_queue(*, team: Team, now: datetime | None = None) -> list[SmsMessage]:
    """The coming week's schedule (this week if run on Monday before noon) to each escalation contact."""
    now = now or timezone.now()
    local = now.astimezone(team.zone)
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() != 0 or local.hour >= 12:
        monday += timedelta(days=7)
    body = weekly_summary_body(team=team, week_start=monday)
    rows = []
    with transaction.atomic():
        for contact in team.escalation_contacts.all():
            key = f"weekly_summary:{team.pk}:{monday.isoformat()}:{contact.phone}"
            row, _ = message_queue(
                team=team,
                purpose=SmsMessage.Purpose.WEEKLY_SUMMARY,
                key=key,
                phone=contact.phone,
                name=contact.name,
                body=body,
            )
            rows.append(row)
    return rows


def outbox_stats(*, team: Team | None = None) -> dict:
    qs = SmsMessage.objects.all() if team is None else SmsMessage.objects.filter(team=team)
    return outbox.status_counts(qs, SmsMessage.Status.values)
