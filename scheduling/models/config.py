"""Scheduling models: the single settings row (encrypted passwords), per-user Crossmark accounts,
the sync run log, EDR reports and sessions."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from project.fields import EncryptedTextField
from project.models import AuditedModel

from .. import rules


# --------------------------------------------------------------------------- settings and sync log
# The defaults live in `scheduling.rules` (the pure rule module); the settings row starts from them.
def _hhmm(times) -> list[str]:
    return [t.strftime("%H:%M") for t in times]


def default_core_slots() -> list[str]:
    return _hhmm(rules.DEFAULT_CORE_SLOTS)


def default_digital_setup_slots() -> list[str]:
    return _hhmm(rules.DEFAULT_DIGITAL_SETUP_SLOTS)


def default_digital_teardown_slots() -> list[str]:
    return _hhmm(rules.DEFAULT_DIGITAL_TEARDOWN_SLOTS)


def default_durations() -> dict[str, int]:
    return dict(rules.DEFAULT_DURATIONS)


class SecretHoldingModel(models.Model):
    """AuditedModel's timestamps, with a history trail declared per model so that it can leave
    the secret columns out (the trail must never hold secrets, not even encrypted ones)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SchedulingSettings(SecretHoldingModel):
    """The single settings row (pk 1). Read it with `scheduling_settings_get()`."""

    history = HistoricalRecords(excluded_fields=["crossmark_password", "edr_password"])

    core_slots = models.JSONField(default=default_core_slots)
    supervisor_time = models.TimeField(default=rules.DEFAULT_SUPERVISOR_TIME)
    freeosk_time = models.TimeField(default=rules.DEFAULT_FREEOSK_TIME)
    other_time = models.TimeField(default=rules.DEFAULT_OTHER_TIME)
    digital_setup_slots = models.JSONField(default=default_digital_setup_slots)
    digital_teardown_slots = models.JSONField(default=default_digital_teardown_slots)
    juicer_production_time = models.TimeField(default=rules.DEFAULT_JUICER_PRODUCTION_TIME)
    juicer_survey_time = models.TimeField(default=rules.DEFAULT_JUICER_SURVEY_TIME)
    durations = models.JSONField(
        default=default_durations,
        help_text="Minutes per event type, and per sub-type where it differs (a sub-type wins over its type).",
    )
    non_core_buffer_days = models.PositiveSmallIntegerField(default=3)
    short_notice_uses_free_slots = models.BooleanField(default=True)
    nightly_auto_schedule = models.BooleanField(default=False)
    sync_days_back = models.PositiveSmallIntegerField(default=30)
    sync_days_ahead = models.PositiveSmallIntegerField(default=90)
    crossmark_username = models.CharField(
        max_length=200, blank=True, help_text="The store account used by the background sync."
    )
    crossmark_password = EncryptedTextField(blank=True)
    edr_username = models.CharField(max_length=200, blank=True)
    edr_password = EncryptedTextField(blank=True)
    edr_mfa_credential_id = models.CharField(max_length=100, blank=True)

    # What the page form, the admin and the API may change (all through `services.settings_update`).
    EDITABLE_FIELDS = (
        "core_slots",
        "supervisor_time",
        "freeosk_time",
        "other_time",
        "digital_setup_slots",
        "digital_teardown_slots",
        "juicer_production_time",
        "juicer_survey_time",
        "durations",
        "non_core_buffer_days",
        "short_notice_uses_free_slots",
        "nightly_auto_schedule",
        "sync_days_back",
        "sync_days_ahead",
        "crossmark_username",
        "crossmark_password",
        "edr_username",
        "edr_password",
        "edr_mfa_credential_id",
    )
    SECRET_FIELDS = ("crossmark_password", "edr_password")  # write-only; blank keeps the current one

    class Meta:
        verbose_name = verbose_name_plural = "scheduling settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="scheduling_settings_singleton")]

    def __str__(self):
        return "Scheduling settings"

    def clean(self):
        errors = {}
        for name in ("core_slots", "digital_setup_slots", "digital_teardown_slots"):
            value = getattr(self, name)
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v) for v in value)
            ):
                errors[name] = "A non-empty list of HH:MM times."
        if (
            not isinstance(self.durations, dict)
            or set(self.durations) - set(rules.DURATION_KEYS)
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 24 * 60 for v in self.durations.values()
            )
        ):
            errors["durations"] = "Minutes (1–1440) per event type or sub-type: " + ", ".join(rules.DURATION_KEYS) + "."
        if errors:
            raise ValidationError(errors)


class CrossmarkAccount(SecretHoldingModel):
    """A site user's own Crossmark login. Manual scheduling acts with the user's account, so
    Crossmark records who did what; sessions are kept per account, never shared."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crossmark_account")
    username = models.CharField(max_length=200)
    password = EncryptedTextField()
    session_id = EncryptedTextField(blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["password", "session_id"])

    def __str__(self):
        return f"Crossmark account of {self.user}"


class SyncRun(AuditedModel):
    class Kind(models.TextChoices):
        EVENTS = "events", "Events"
        REPS = "reps", "Reps"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EVENTS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    job_id = models.UUIDField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    vanished = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    schedules_imported = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="Skipped rows and unmatched or ambiguous reps to resolve."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_kind_display()} sync {timezone.localtime(self.started_at):%Y-%m-%d %H:%M} ({self.status})"


class EdrReport(AuditedModel):
    """Cached Walmart EDR report of one event number."""

    event_number = models.CharField(max_length=6, unique=True)
    payload = models.JSONField()
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"EDR {self.event_number}"


class EdrSession(SecretHoldingModel):
    """A user's Walmart Retail Link login in progress or done (kept server-side, per user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edr_session")
    state = EncryptedTextField(blank=True, help_text="Cookies/token of the EDR client, encrypted.")
    history = HistoricalRecords(excluded_fields=["state"])
    authenticated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"EDR session of {self.user}"
