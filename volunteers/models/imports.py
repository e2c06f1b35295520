"""Teacher roster imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from project.models import AuditedModel


# --------------------------------------------------------------------------- roster import
class RosterImport(AuditedModel):
    class Source(models.TextChoices):
        SHEET = "sheet", "Google Sheet"
        CSV = "csv", "Uploaded CSV"

    source = models.CharField(max_length=5, choices=Source.choices)
    sheet_id = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Roster import {self.created_at:%Y-%m-%d %H:%M} (+{self.added} ~{self.updated} -{self.deactivated})"
