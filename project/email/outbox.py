"""E-mail through the outbox: the platform's one way to send e-mail.

Same guarantees as the SMS outbox of on-call: every e-mail is first an `EmailMessage` row whose
`idempotency_key` (purpose, recipient, subject of record) is unique in the database, so asking
twice (a retried request, a duplicated task, a second worker) finds the existing row instead of
queueing another. Sending claims the row with a conditional UPDATE (pending → sending); only the
worker whose UPDATE matched talks to the mail server, so no e-mail goes out twice. Transient
errors (connection refused, 4xx replies, timeouts) put the row back to pending with a capped,
jittered backoff; permanent ones (a refused address, 5xx) fail at once. A worker that died
mid-send leaves a `sending` row that is failed, never resent: whether it went out is unknown.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import uuid
from datetime import datetime, timedelta
from email.utils import formataddr

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from integrations.base import backoff_delay
from project import outbox as shared
from project.outbox import DeliveryOutcome

from . import templating
from .models import EmailMessage, EmailTemplate

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # with the 30-minute cap: several hours of retrying
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 1800.0
BODY_MAX_CHARS = 100_000
NAME_MAX_CHARS = 200
SEND_TASK = "project.email.tasks.email_send"

# Sent after a bounce or complaint is recorded: apps flag the address (e.g. a contact's
# "e-mail bounced" date) without the platform knowing about them. kwargs: message, event.
delivery_problem = Signal()


def _max_attempts() -> int:
    return getattr(settings, "EMAIL_OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def idempotency_key(*, purpose: str, to: str, subject_of_record: str) -> str:
    raw = f"{purpose}:{to}:{subject_of_record}"
    if len(raw) <= 255:
        return raw
    return f"{purpose}:sha256:{hashlib.sha256(raw.encode()).hexdigest()}"


def _one_line(value: str, *, field: str, label: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValidationError({field: [f"{label} must be one line (no line breaks)."]})


def recipient_clean(address: str) -> str:
    """A single, valid address, lower-cased; anything else is a ValidationError on `to`."""
    value = (address or "").strip()
    _one_line(value, field="to", label="The recipient address")
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({"to": [f"“{value}” is not a valid e-mail address."]}) from exc
    return value.lower()


# --------------------------------------------------------------------------- queueing
def email_send(
    *,
    purpose: str,
    to: str,
    subject_of_record: str,
    context: dict[str, object] | None = None,
    to_name: str = "",
    template: EmailTemplate | None = None,
    user=None,
    enqueue: bool = True,
) -> EmailMessage:
    """Queue the e-mail `purpose` to `to` about `subject_of_record` (once: asking again returns
    the row already queued or sent) and send it from a worker after the transaction commits.

    The body is rendered now with the purpose's active template (or `template`) and stored, so
    the outbox shows exactly what was sent. Bad input raises ValidationError naming the field
    (`to`, `to_name`, `subject`, `body`, `purpose`, `subject_of_record`); nothing is queued."""
    address = recipient_clean(to)
    to_name = (to_name or "").strip()
    _one_line(to_name, field="to_name", label="The recipient name")
    if len(to_name) > NAME_MAX_CHARS:
        raise ValidationError({"to_name": [f"At most {NAME_MAX_CHARS} characters."]})
    record = (subject_of_record or "").strip()
    if not record or len(record) > 200:
        raise ValidationError({"subject_of_record": ["Between 1 and 200 characters."]})
    key = idempotency_key(purpose=purpose, to=address, subject_of_record=record)
    existing = EmailMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if template is None:
        template = templating.template_active(purpose=purpose)
    elif template.purpose != purpose:
        raise ValidationError({"template": [f"{template} is not a template for “{purpose}”."]})
    values = {**templating.common_context(recipient_name=to_name), **(context or {})}
    rendered = templating.render(subject=template.subject, body_text=template.body_text, context=values)
    _one_line(rendered.subject, field="subject", label="The subject (with its placeholder values)")
    if len(rendered.subject) > 300:
        raise ValidationError({"subject": ["The subject is longer than 300 characters."]})
    if len(rendered.body_text) > BODY_MAX_CHARS:
        raise ValidationError({"body": [f"The message is longer than {BODY_MAX_CHARS} characters."]})
    row = EmailMessage(
        purpose=purpose,
        idempotency_key=key,
        subject_of_record=record,
        template=template,
        to_email=address,
        to_name=to_name,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        message_id=message_id_header(key),
        created_by=user if user is not None and user.pk else None,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # a concurrent caller queued the same e-mail first
        return EmailMessage.objects.get(idempotency_key=key)
    if enqueue:
        transaction.on_commit(lambda: email_enqueue(row.pk))
    return row


def admin_alert(*, title: str, message: str, subject_of_record: str) -> list[EmailMessage]:
    """An operational alert to every address in ADMIN_EMAILS, through the outbox (so a retried
    job alerts once per subject of record, e.g. "sync_failed:<run id>")."""
    return [
        email_send(
            purpose="admin_alert",
            to=address,
            to_name=name,
            subject_of_record=subject_of_record,
            context={"title": title, "message": message},
        )
        for name, address in settings.ADMINS
    ]


def email_enqueue(message_id: int, countdown: float | None = None) -> None:
    # Looked up by name: tasks.py imports this module, not the other way round.
    task = current_app.tasks[SEND_TASK]
    try:
        task.apply_async(args=[message_id], countdown=countdown, retry=False)
    except Exception as exc:  # broker down: the row stays pending and the dispatcher sends it
        logger.warning("could not enqueue e-mail %s (%s); the dispatcher will pick it up", message_id, exc)


# --------------------------------------------------------------------------- sending
def error_is_transient(exc: Exception) -> bool:
    """SMTP 4xx, lost connections and timeouts are worth another try; a refused recipient, a
    5xx reply or a message the library cannot build are not. Rejected credentials are retried
    (an operator fixes them) until the attempt budget runs out."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError | TimeoutError):
        return True
    if isinstance(exc, ValueError | UnicodeError | smtplib.SMTPNotSupportedError):
        return False
    return True


def _error_code(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return ",".join(str(code) for code, _ in exc.recipients.values())[:20]
    return str(getattr(exc, "smtp_code", "") or "")[:20]


def message_id_header(key: str) -> str:
    """The Message-ID of the e-mail with this idempotency key: fixed when it is queued, so a
    bounce report finds the row."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or "crewbase.invalid"
    return f"<outbox.{digest}@{domain}>"


def email_build(message: EmailMessage, *, connection=None) -> EmailMultiAlternatives:
    recipient = formataddr((message.to_name, message.to_email)) if message.to_name else message.to_email
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": message.message_id},
        connection=connection,
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    return mail


def _attempt(message: EmailMessage, *, now: datetime, connection) -> DeliveryOutcome:
    """Send a row this caller has claimed. Errors are recorded here; a success is left to the
    caller to record (one row, or a whole batch in one UPDATE)."""
    try:
        email_build(message, connection=connection).send(fail_silently=False)
    except Exception as exc:  # classified below: the row must never stay `sending`
        if error_is_transient(exc) and message.attempts < _max_attempts():
            delay = backoff_delay(message.attempts, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS)
            shared.retry_later(
                EmailMessage,
                message.pk,
                at=now + timedelta(seconds=delay),
                code=_error_code(exc),
                error=f"{type(exc).__name__}: {exc}",
            )
            logger.warning(
                "e-mail %s to %s: transient error, retry in %.0fs: %s",
                message.pk,
                mask_email(message.to_email),
                delay,
                exc,
            )
            return DeliveryOutcome(status=EmailMessage.Status.PENDING, retry_in=delay)
        EmailMessage.objects.filter(pk=message.pk).update(
            status=EmailMessage.Status.FAILED,
            error_code=_error_code(exc),
            error_message=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.error("e-mail %s to %s failed for good: %s", message.pk, mask_email(message.to_email), exc)
        return DeliveryOutcome(status=EmailMessage.Status.FAILED)
    return DeliveryOutcome(status=EmailMessage.Status.SENT)


def _record_sent(ids: list[int], *, now: datetime) -> None:
    if ids:
        EmailMessage.objects.filter(pk__in=ids, status=EmailMessage.Status.SENDING).update(
            status=EmailMessage.Status.SENT, sent_at=now, error_code="", error_message=""
        )


def email_deliver(*, message_id: int, now: datetime | None = None, connection=None) -> DeliveryOutcome:
    """Send one outbox row if this caller wins the claim. Never raises for mail-server errors."""
    now = now or timezone.now()
    if (lost := shared.claim(EmailMessage, message_id, now=now, claim_token="")) is not None:
        return lost
    message = EmailMessage.objects.get(pk=message_id)
    outcome = _attempt(message, now=now, connection=connection or get_connection())
    if outcome.status == EmailMessage.Status.SENT:
        _record_sent([message.pk], now=now)
    return outcome


def outbox_send_due(*, now: datetime | None = None, limit: int = 500, connection=None) -> dict[str, int]:
    """The dispatcher's batch: claim up to `limit` due rows in one UPDATE stamped with a fresh
    claim token (only this caller's rows carry it, so a concurrent sender claims none of them),
    send them over one connection, and record the successes in one UPDATE."""
    now = now or timezone.now()
    ids = outbox_due(now=now, limit=limit)
    counts = dict.fromkeys(("sent", "pending", "failed"), 0)
    if not ids:
        return counts
    token = uuid.uuid4().hex
    EmailMessage.objects.filter(pk__in=ids, status=EmailMessage.Status.PENDING, next_attempt_at__lte=now).update(
        status=EmailMessage.Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    claimed = list(EmailMessage.objects.filter(claim_token=token, status=EmailMessage.Status.SENDING).order_by("id"))
    connection = connection or get_connection()
    sent: list[int] = []
    try:
        connection.open()
        for message in claimed:
            outcome = _attempt(message, now=now, connection=connection)
            counts[outcome.status] += 1
            if outcome.status == EmailMessage.Status.SENT:
                sent.append(message.pk)
    finally:
        _record_sent(sent, now=now)
        connection.close()
    return counts


def outbox_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of pending rows due now (retries, and rows queued while the broker was down)."""
    return shared.due_ids(EmailMessage, now=now or timezone.now(), limit=limit)


def outbox_release_stale(*, now: datetime | None = None) -> int:
    """A worker that died mid-send leaves a `sending` row. Whether the server accepted it is
    unknown, so it is failed rather than resent: never send twice."""
    return len(shared.stale_fail(EmailMessage, now=now or timezone.now()))


@transaction.atomic
def email_retry(*, message: EmailMessage, now: datetime | None = None) -> bool:
    """A person decided to try a failed e-mail again (e.g. after fixing the address book or the
    SMTP credentials). Only failed rows; the attempt budget starts over."""
    now = now or timezone.now()
    changed = EmailMessage.objects.filter(pk=message.pk, status=EmailMessage.Status.FAILED).update(
        status=EmailMessage.Status.PENDING, attempts=0, next_attempt_at=now, error_message=""
    )
    if changed:
        transaction.on_commit(lambda: email_enqueue(message.pk))
    return bool(changed)


# --------------------------------------------------------------------------- delivery tracking
DELIVERY_EVENTS = {"bounce": EmailMessage.Status.BOUNCED, "complaint": EmailMessage.Status.COMPLAINED}


def delivery_event_record(*, message_id: str, event: str, detail: str = "", now: datetime | None = None) -> int:
    """A bounce or complaint reported by the provider for the e-mail with this Message-ID.
    Returns the number of rows changed (0 for an unknown id or a repeated report)."""
    status = DELIVERY_EVENTS.get(event)
    if status is None:
        raise ValidationError({"event": [f"Unknown event “{event}”; expected one of {', '.join(DELIVERY_EVENTS)}."]})
    now = now or timezone.now()
    rows = list(EmailMessage.objects.filter(message_id=message_id).exclude(status=status))
    for message in rows:
        EmailMessage.objects.filter(pk=message.pk).update(
            status=status, delivery_event_at=now, error_message=(detail or event)[:2000]
        )
        message.status = status
        delivery_problem.send(sender=EmailMessage, message=message, event=event)
    return len(rows)


def outbox_stats() -> dict[str, int]:
    return shared.status_counts(EmailMessage.objects.all(), EmailMessage.Status.values)
