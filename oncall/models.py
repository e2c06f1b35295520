"""On-call data: teams, members, weekly shift patterns, concrete assignments, overrides and the
SMS outbox. Invariants live in the database (see each Meta.constraints)."""

from __future__ import annotations

import re
import secrets
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from project.models import AuditedModel, SoftDeleteModel
from project.phones import InvalidPhone, phone_to_e164

DEFAULT_TIMEZONE = "America/Chicago"
DEFAULT_SMS_TEMPLATE = "Hi {name}, you are on call for {team} from {start} to {end} ({duration})."
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def validate_e164(value: str) -> None:
    """A real phone number written in E.164 (+ country code and digits, nothing else)."""
    if not E164.match(value or ""):
        raise ValidationError(f"{value!r} is not an E.164 phone number (e.g. +13125550100).", code="e164")
    try:
        phone_to_e164(value, region="")
    except InvalidPhone as exc:
        raise ValidationError(str(exc), code="e164") from exc


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).") from exc
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).")


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class Team(AuditedModel):
    # What a coordinator edits as the team's settings: the page form and the API use this list.
    SETTINGS_FIELDS = (
        "name",
        "timezone",
        "notification_time",
        "sms_template",
        "escalation_enabled",
        "weekly_summary_enabled",
        "auto_renew_enabled",
        "auto_renew_threshold_weeks",
        "auto_renew_weeks",
        "confirm_within_minutes",
    )

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone])
    notification_time = models.TimeField(default=time(8, 0), help_text="Local time of the daily page.")
    sms_template = models.TextField(default=DEFAULT_SMS_TEMPLATE, max_length=320)
    escalation_enabled = models.BooleanField(default=True)
    weekly_summary_enabled = models.BooleanField(default=False)
    auto_renew_enabled = models.BooleanField(default=True)
    auto_renew_threshold_weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    auto_renew_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    confirm_within_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(720)],
        help_text="Minutes to confirm a page by replying 1 or OK; then a reminder, and after as long again "
        "the backup is paged. 0 turns confirmation off.",
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(auto_renew_threshold_weeks__gte=1), name="oncall_team_threshold_min"),
            models.CheckConstraint(condition=Q(auto_renew_weeks__gte=1), name="oncall_team_renew_weeks_min"),
        ]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class EscalationContact(AuditedModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="escalation_contacts")
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, validators=[validate_e164])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["team", "position", "id"]

    def __str__(self):
        return f"{self.name} ({self.team})"


class Member(SoftDeleteModel):
    """A person in the rotation. Never hard-deleted while assignments or messages refer to it
    (PROTECT); removing a member from the API soft-deletes and deactivates it."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, validators=[validate_e164])
    secondary_phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    active = models.BooleanField(default=True)
    rotation_order = models.PositiveIntegerField(default=0)
    sms_opt_out = models.BooleanField(default=False, help_text="Set by an inbound STOP, cleared by START.")
    email = models.EmailField(blank=True)
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)

    class Meta:
        ordering = ["team", "rotation_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "phone"], condition=Q(deleted_at__isnull=True), name="oncall_member_unique_phone"
            ),
            models.CheckConstraint(
                condition=~Q(secondary_phone=models.F("phone")), name="oncall_member_second_phone_differs"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.phone, self.secondary_phone) if p]


class PhoneVerification(models.Model):
    """A code sent to a member's new or changed number. Pages go only to verified numbers (unless
    ONCALL_REQUIRE_VERIFIED_PHONES is off). The code is stored hashed."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="verifications")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "phone"], name="oncall_verification_one_per_member_phone")
        ]

    def __str__(self):
        return f"{self.member} {self.phone} ({'verified' if self.verified_at else 'unverified'})"


class ShiftPattern(AuditedModel):
    """A weekly shift: starts on `weekday` at local `start_time` and lasts `duration_hours`
    of wall-clock time (so a shift across a DST change is 23 or 25 real hours)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="shifts")
    name = models.CharField(max_length=60, blank=True)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField(default=time(8, 0))
    duration_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(168)]
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_hours__gte=1, duration_hours__lte=168), name="oncall_shift_duration_range"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="oncall_shift_weekday_range"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return f"{self.get_weekday_display()} {self.start_time:%H:%M} ({self.duration_hours} h)"


class Assignment(AuditedModel):
    """One concrete occurrence of a shift pattern and who works it. Regeneration updates the row
    of an occurrence in place, so overrides and messages stay attached to it."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="assignments")
    shift = models.ForeignKey(ShiftPattern, on_delete=models.PROTECT, related_name="assignments")
    occurrence_date = models.DateField(help_text="Local date on which the occurrence starts.")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="assignments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    sequence = models.PositiveIntegerField(
        default=0, help_text="Calendar revision: goes up each time the person on call for it changes."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the page was confirmed by SMS reply.")
    confirmed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="confirmations"
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "occurrence_date"], name="oncall_assignment_one_per_occurrence"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_assignment_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "starts_at"]),
            models.Index(fields=["team", "ends_at"]),
            models.Index(fields=["member", "starts_at"]),
        ]

    def __str__(self):
        return f"{self.shift} {self.occurrence_date} → {self.member}"

    @property
    def duration_hours(self) -> int:
        return self.shift.duration_hours


class Override(AuditedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="overrides")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="covering_overrides", help_text="Who covers the occurrence."
    )
    original_member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="covered_overrides")
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="active"), name="oncall_override_one_active_per_assignment"
            ),
            models.CheckConstraint(
                condition=~Q(member=models.F("original_member")), name="oncall_override_other_member"
            ),
        ]

    def __str__(self):
        return f"{self.member} covers {self.original_member} ({self.status})"


class SmsMessage(models.Model):
    """The outbox and the notification log in one: every SMS is first a row here with a unique
    idempotency key, and a worker sends it only after atomically claiming it (pending → sending).
    The row itself is the audit trail, so it carries no separate history table."""

    class Purpose(models.TextChoices):
        PAGE = "page", "Shift page"
        BACKUP_PAGE = "backup_page", "Backup page"
        REMINDER = "reminder", "Confirmation reminder"
        REPLY = "reply", "Reply (help text)"
        VERIFY = "verify", "Phone verification"
        WEEKLY_SUMMARY = "weekly_summary", "Weekly summary"
        MANUAL = "manual", "Manual"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"
        SKIPPED = "skipped", "Skipped (opted out)"

    FINAL = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.EXPIRED, Status.SKIPPED)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="messages")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, db_index=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    recipient_name = models.CharField(max_length=100)
    recipient_phone = models.CharField(max_length=20)
    body = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    not_after = models.DateTimeField(
        null=True, blank=True, help_text="Past this instant the message is pointless (the shift ended)."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_sid = models.CharField(max_length=64, blank=True, db_index=True)
    error_code = models.CharField(max_length=20, blank=True)
    error_message = models.TextField(blank=True)
    escalated = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "SMS message"
        constraints = [
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="oncall_sms_key_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.recipient_name} ({self.status})"
