"""Scheduling models: Crossmark events (with the local fields) and posted schedules."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from project.models import AuditedModel

from .choices import SUB_TYPES_BY_TYPE, Condition, EventSubType, EventType
from .people import Employee


# --------------------------------------------------------------------------- events and schedules
class Event(AuditedModel):
    """A Crossmark mPlan. Synced fields follow Crossmark; type, sub-type, estimate and the
    auto-scheduling exclusion are local and survive every sync."""

    mplan_id = models.CharField("mPlan id", max_length=32, unique=True)
    name = models.CharField(max_length=300)
    event_type = models.CharField(max_length=16, choices=EventType.choices, default=EventType.OTHER, db_index=True)
    sub_type = models.CharField(max_length=20, choices=EventSubType.choices, default=EventSubType.NONE, blank=True)
    type_edited = models.BooleanField(default=False, help_text="Type/sub-type set by hand; sync keeps them.")
    event_number = models.CharField(
        max_length=6,
        blank=True,
        db_index=True,
        help_text="The 6-digit number that pairs a Core with its Supervisor event.",
    )
    start_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    condition = models.CharField(max_length=16, choices=Condition.choices, default=Condition.UNSTAFFED, db_index=True)
    store_id = models.CharField(
        "location id", max_length=32, blank=True, help_text="Crossmark LocationID / storeID, needed to post."
    )
    store_number = models.CharField(max_length=16, blank=True)
    store_name = models.CharField(max_length=200, blank=True)
    sales_tool_url = models.URLField(max_length=500, blank=True)
    auto_schedule_excluded = models.BooleanField(default=False)
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when a sync no longer finds the event in Crossmark."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start_at__lte=F("due_at")), name="event_start_before_due"),
            models.CheckConstraint(condition=Q(event_type__in=EventType.values), name="event_type_valid"),
            models.CheckConstraint(
                condition=Q(sub_type="")
                | Q(event_type=EventType.DIGITAL, sub_type__in=["digital_setup", "digital_refresh", "digital_teardown"])
                | Q(event_type=EventType.JUICER, sub_type__in=["juicer_production", "juicer_survey"]),
                name="event_sub_type_matches_type",
            ),
        ]
        indexes = [models.Index(fields=["event_type", "event_number"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.start_at and self.due_at and self.start_at > self.due_at:
            errors["due_at"] = "The due date must be after the start."
        if self.sub_type and self.sub_type not in SUB_TYPES_BY_TYPE.get(self.event_type, {EventSubType.NONE}):
            errors["sub_type"] = f"{self.get_sub_type_display()} is not a sub-type of {self.get_event_type_display()}."
        if self.event_number and not re.fullmatch(r"\d{6}", self.event_number):
            errors["event_number"] = "The event number has exactly 6 digits."
        if errors:
            raise ValidationError(errors)

    @property
    def is_missing(self) -> bool:
        return self.missing_since is not None


class Schedule(AuditedModel):
    """A posted assignment: Crossmark accepted it. At most one per event."""

    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="schedule")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="schedules")
    start_at = models.DateTimeField(db_index=True)
    crossmark_schedule_id = models.CharField(max_length=64, blank=True)
    from_sync = models.BooleanField(default=False, help_text="Found already posted in Crossmark by a sync.")
    overridden_warnings = models.JSONField(default=list, blank=True, help_text="Soft warnings a coordinator accepted.")
    override_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start_at", "id"]
        indexes = [models.Index(fields=["employee", "start_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(overridden_warnings=[]) | ~Q(override_reason=""), name="schedule_override_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.employee} at {timezone.localtime(self.start_at):%Y-%m-%d %H:%M}"
