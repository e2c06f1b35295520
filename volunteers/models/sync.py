"""Salesforce sync bookkeeping: runs, the lock, participations waiting for their contact or event."""

from __future__ import annotations

from django.db import models

from project.models import AuditedModel


# --------------------------------------------------------------------------- Salesforce sync
class SyncRun(AuditedModel):
    """One sync of one Salesforce object (e.g. "volunteers"): window, counts, errors, watermark."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        PARTIAL = "partial", "Partial (some records failed)"
        FAILED = "failed", "Failed"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        DELTA = "delta", "Delta"

    object_name = models.CharField(max_length=40, db_index=True)
    mode = models.CharField(max_length=5, choices=Mode.choices)
    requested_mode = models.CharField(max_length=5, choices=Mode.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    modified_since = models.DateTimeField(
        null=True, blank=True, help_text="Lower bound sent to Salesforce (watermark minus buffer)."
    )
    watermark = models.DateTimeField(help_text="When this run started querying; the next delta starts from here.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0, help_text="Participations sent to the pending queue.")
    errors = models.JSONField(
        default=list, blank=True, help_text="Structured errors: code, message, Salesforce id (first 200)."
    )
    error_count = models.PositiveIntegerField(default=0)
    job = models.ForeignKey("project.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["object_name", "-started_at"], name="syncrun_object_started_idx")]

    def __str__(self):
        return f"{self.object_name} {self.mode} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped + self.failed + self.queued


class SyncLock(AuditedModel):
    """A database lock per synced object: a conditional UPDATE takes it (atomic on SQLite and
    PostgreSQL); it expires so a crashed worker cannot hold it forever."""

    name = models.CharField(max_length=40, primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class PendingParticipation(AuditedModel):
    """A Salesforce participation whose volunteer/student or event is not in Crewbase yet."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", "Volunteer"
        STUDENT = "student", "Student"

    salesforce_id = models.CharField(max_length=18, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    contact_salesforce_id = models.CharField(max_length=18, blank=True)
    event_salesforce_id = models.CharField(max_length=18, blank=True)
    missing = models.CharField(max_length=40, help_text="What was missing: contact, event or both.")
    payload = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(default=1)
    likely_orphan = models.BooleanField(default=False, help_text="Still unmatched after many runs.")

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return f"{self.kind} participation {self.salesforce_id} (missing {self.missing})"
