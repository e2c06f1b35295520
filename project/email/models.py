"""E-mail templates (versioned) and the outbox.

Registered under the platform app (imported by project/models.py). This module imports nothing
else of `project`, so project.models can import it without a cycle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .purposes import purpose_choices


class EmailTemplate(models.Model):
    """One version of the template of a purpose. Editing makes version n+1 and activates it;
    exactly one version per purpose is active (a partial unique constraint)."""

    purpose = models.CharField(max_length=50, choices=purpose_choices(), db_index=True)
    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    subject = models.CharField(max_length=200, help_text="Placeholders as {{ name }}.")
    body_text = models.TextField(
        help_text="Plain text with {{ placeholders }}. The HTML part is made from it, escaped."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        app_label = "project"
        ordering = ["purpose", "-version"]
        verbose_name = "e-mail template"
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="email_template_purpose_version"),
            models.UniqueConstraint(fields=["purpose"], condition=Q(is_active=True), name="email_template_one_active"),
            models.CheckConstraint(condition=Q(version__gte=1), name="email_template_version_positive"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} v{self.version}" + (" (active)" if self.is_active else "")


class EmailMessage(models.Model):
    """The outbox and the delivery log in one. Every e-mail is first a row here with a unique
    idempotency key (purpose, recipient, subject of record); a worker sends it only after
    claiming it (pending → sending) with a conditional UPDATE."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Spam complaint"

    FINAL = (Status.SENT, Status.FAILED, Status.BOUNCED, Status.COMPLAINED)

    purpose = models.CharField(max_length=50, db_index=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    subject_of_record = models.CharField(
        max_length=200, help_text="What the e-mail is about, e.g. volunteers.signup:42."
    )
    template = models.ForeignKey(
        EmailTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    to_email = models.EmailField()
    to_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True, help_text="The Message-ID header.")
    error_code = models.CharField(max_length=20, blank=True)
    error_message = models.TextField(blank=True)
    delivery_event_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "project"
        ordering = ["-created_at", "-id"]
        verbose_name = "e-mail message"
        constraints = [
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="email_message_key_not_empty"),
        ]

    def __str__(self):
        return f"{self.purpose} → {self.to_email} ({self.status})"
