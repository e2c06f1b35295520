"""Platform models and the abstract bases every domain model builds on."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .bugreports.models import BugReport  # noqa: F401 - registered with the platform app
from .email.models import EmailMessage, EmailTemplate  # noqa: F401 - registered with the platform app
from .fields import EncryptedTextField


# --------------------------------------------------------------------------- bases
class AuditedModel(models.Model):
    """Timestamps plus a django-simple-history trail (who, when, what changed)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def soft_delete(self) -> int:
        return self.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())

    def restore(self) -> int:
        return self.filter(deleted_at__isnull=False).update(deleted_at=None)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeleteModel(AuditedModel):
    """`objects` hides soft-deleted rows; `all_objects` keeps them (admin, restore, audits)."""

    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    objects = AliveManager()
    all_objects = models.Manager.from_queryset(SoftDeleteQuerySet)()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self) -> None:
        # Saving through the instance keeps the history trail (who deleted, when).
        if self.deleted_at is None:
            self.deleted_at = timezone.now()
            self.save(update_fields=["deleted_at", "updated_at"])

    def restore(self) -> None:
        if self.deleted_at is not None:
            self.deleted_at = None
            self.save(update_fields=["deleted_at", "updated_at"])


# --------------------------------------------------------------------------- jobs
class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=100, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Where the job's message goes, so that a job whose worker died can be sent again.
    task_name = models.CharField(max_length=200, blank=True)
    queue = models.CharField(max_length=50, blank=True)
    # The lease: renewed while a worker runs the job; a running job whose lease is older than
    # JOB_LEASE_SECONDS lost its worker (see `jobs_reap_stale`).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_max_100"),
        ]

    def __str__(self):
        return f"{self.kind} ({self.status}, {self.progress}%)"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


# --------------------------------------------------------------------------- API tokens
def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


# --------------------------------------------------------------------------- periodic tasks
class PeriodicTaskStatus(models.Model):
    """Last outcome of each registered periodic task (health reads sync freshness from here)."""

    name = models.CharField(max_length=200, unique=True)
    # Last time a run was sent to the broker (by beat or a catch-up): project/catchup.py.
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_catch_up_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    # When the task was first registered: a sync that has never run is "pending", not late,
    # until its freshness window has passed since then.
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "periodic task statuses"

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------- credentials
class IntegrationCredential(models.Model):
    """A secret for one integration (e.g. salesforce / password), encrypted with Fernet."""

    class System(models.TextChoices):
        SALESFORCE = "salesforce", "Salesforce"
        TWILIO = "twilio", "Twilio"
        CROSSMARK = "crossmark", "Crossmark"
        EDR = "edr", "Walmart EDR"
        SHEETS = "sheets", "Google Sheets"
        PLACES = "places", "Google Places"

    system = models.CharField(max_length=20, choices=System.choices)
    key = models.CharField(max_length=100, help_text="e.g. username, password, auth_token, api_key")
    value = EncryptedTextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["value"])

    class Meta:
        ordering = ["system", "key"]
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="credential_unique_key")]

    def __str__(self):
        return f"{self.get_system_display()} · {self.key}"


# --------------------------------------------------------------------------- idempotent API calls
class IdempotencyRecord(models.Model):
    """The first response to a state-changing API call made with an `Idempotency-Key` header,
    kept per (user, key) so that a retry replays it instead of doing the work twice. Written in
    the same transaction as the call's own writes: the work is committed if and only if this is."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self):
        return f"{self.key} ({self.status_code})"
