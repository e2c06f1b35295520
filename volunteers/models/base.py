"""The abstract base of every model Salesforce syncs."""

from __future__ import annotations

from django.db import models


class Synced(models.Model):
    salesforce_id = models.CharField(
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text="Salesforce record id; empty for rows created in Crewbase.",
    )
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
