"""Scheduling choices shared by the models: job titles, event types and sub-types, conditions,
rotation types, weekdays."""

from __future__ import annotations

import re

from django.db import models

EVENT_NUMBER_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class JobTitle(models.TextChoices):
    CLUB_SUPERVISOR = "club_supervisor", "Club Supervisor"
    LEAD_EVENT_SPECIALIST = "lead_event_specialist", "Lead Event Specialist"
    EVENT_SPECIALIST = "event_specialist", "Event Specialist"
    JUICER_BARISTA = "juicer_barista", "Juicer Barista"


class EventType(models.TextChoices):
    CORE = "core", "Core"
    SUPERVISOR = "supervisor", "Supervisor"
    JUICER = "juicer", "Juicer"
    FREEOSK = "freeosk", "Freeosk"
    DIGITAL = "digital", "Digital"
    OTHER = "other", "Other"


class EventSubType(models.TextChoices):
    NONE = "", "—"
    DIGITAL_SETUP = "digital_setup", "Digital setup"
    DIGITAL_REFRESH = "digital_refresh", "Digital refresh"
    DIGITAL_TEARDOWN = "digital_teardown", "Digital teardown"
    JUICER_PRODUCTION = "juicer_production", "Juicer production"
    JUICER_SURVEY = "juicer_survey", "Juicer survey"


# Which sub-types belong to which type (anything else is rejected by Event.clean and a DB check).
SUB_TYPES_BY_TYPE = {
    EventType.DIGITAL: {
        EventSubType.NONE,
        EventSubType.DIGITAL_SETUP,
        EventSubType.DIGITAL_REFRESH,
        EventSubType.DIGITAL_TEARDOWN,
    },
    EventType.JUICER: {EventSubType.NONE, EventSubType.JUICER_PRODUCTION, EventSubType.JUICER_SURVEY},
}


class Condition(models.TextChoices):
    UNSTAFFED = "Unstaffed"
    SCHEDULED = "Scheduled"
    STAFFED = "Staffed"
    CANCELED = "Canceled"
    IN_PROGRESS = "In Progress"
    PAUSED = "Paused"
    REISSUED = "Reissued"
    EXPIRED = "Expired"
    SUBMITTED = "Submitted"


class RotationType(models.TextChoices):
    JUICER = "juicer", "Juicer"
    PRIMARY_LEAD = "primary_lead", "Primary Lead"


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6
