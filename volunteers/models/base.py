"""The abstract base of every model Salesforce syncs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Synced(models.Model):
    # Unique by a constraint, not `unique=True`: on PostgreSQL the field option adds a second,
    # `varchar_pattern_ops` index for LIKE 'prefix%' that nothing asks for and every sync insert pays.
    # A model that declares its own Meta extends Synced.Meta (and its constraints) to keep it.
    salesforce_id = models.CharField(  # noqa: DJ001 - NULL, not '', when absent: the unique constraint allows many NULLs
        max_length=18,
        null=True,
        blank=True,
        help_text="Salesforce record id; empty for rows created in Crewbase.",
    )
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["salesforce_id"], name="%(app_label)s_%(class)s_salesforce_id_key"),
        ]


def bulk_written_created_at() -> models.DateTimeField:
    """AuditedModel's `created_at` without its index, for the tables the sync inserts tens of
    thousands of rows into per run (contacts, their e-mails, phones and addresses, events,
    participations): no page, report, filter or admin ordering reads these rows by creation time,
    and each insert would pay for the index."""
    return models.DateTimeField(default=timezone.now, editable=False)
