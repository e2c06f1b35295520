"""Bug reports (registered under the platform app, imported by project/models.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class BugReport(models.Model):
    class Kind(models.TextChoices):
        BUG = "bug", "Something is broken"
        DATA_ERROR = "data_error", "Wrong or missing data"
        OTHER = "other", "Other"

    class Source(models.TextChoices):
        PAGE = "page", "Report a problem button"
        TEACHER_FLAG = "teacher_flag", "Teacher flag (magic link)"
        SYSTEM = "system", "Crewbase"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.BUG, db_index=True)
    source = models.CharField(max_length=14, choices=Source.choices, default=Source.PAGE, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    description = models.TextField()
    page_url = models.CharField(max_length=500, blank=True)
    page_title = models.CharField(max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_email = models.EmailField(blank=True, help_text="For reports without an account (teachers).")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        app_label = "project"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True) | Q(status="resolved", resolved_at__isnull=False),
                name="bugreport_resolved_has_time",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"
