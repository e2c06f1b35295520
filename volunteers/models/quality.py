"""Data quality: persistent flags per record, scoring runs and their checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from project.models import AuditedModel


class DataQualityFlag(AuditedModel):
    """A persistent data-quality problem on one record; unique per (entity, record, issue)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED = "resolved", "Resolved"
        AUTO_RESOLVED = "auto_resolved", "Resolved automatically"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"
        CRITICAL = "critical", "Critical"

    entity_type = models.CharField(max_length=30, db_index=True)
    entity_key = models.CharField(max_length=40, help_text="Salesforce id, else the Crewbase id.")
    entity_id = models.PositiveIntegerField(null=True, blank=True)
    issue_type = models.CharField(max_length=40, db_index=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    source = models.CharField(max_length=20, default="salesforce_sync")
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity_type", "entity_key", "issue_type"], name="dq_flag_unique_issue")
        ]

    def __str__(self):
        return f"{self.entity_type} {self.entity_key}: {self.issue_type}"


# --------------------------------------------------------------------------- data-quality scoring
class QualityRun(AuditedModel):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    scores = models.JSONField(default=dict, help_text="{entity: {score, dimensions: {dimension: score}}}")
    overall_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Quality run {self.started_at:%Y-%m-%d %H:%M} ({self.overall_score})"


class QualityCheck(AuditedModel):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="checks")
    entity = models.CharField(max_length=20, db_index=True)
    dimension = models.CharField(max_length=20)
    name = models.CharField(max_length=80)
    severity = models.CharField(max_length=8, choices=DataQualityFlag.Severity.choices)
    score = models.PositiveSmallIntegerField()
    message = models.CharField(max_length=500)
    measured = models.JSONField(default=dict, blank=True, help_text="total, offending, ratio, local/remote counts")
    offending_ids = models.JSONField(default=list, blank=True, help_text="Crewbase ids of offending records (≤ 200).")

    class Meta:
        ordering = ["entity", "dimension", "name"]

    def __str__(self):
        return f"{self.entity}/{self.dimension}/{self.name}: {self.severity}"
