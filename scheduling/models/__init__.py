"""Scheduling models, by subject: `choices` (job titles, event types and sub-types, conditions,
rotation types, weekdays), `people` (employees, availability, time off, attendance, rotations,
holidays), `events` (Crossmark events and posted schedules), `config` (the settings row, Crossmark
accounts, the sync log, EDR reports and sessions), `runs` (auto-scheduler runs and proposals).
Every model is re-exported here, so `scheduling.models.X` keeps working.

Invariants live in `Meta.constraints`; rules that span rows (overlapping time off, one Core per
employee per day, overlaps by duration) live in `scheduling.rules` and are enforced by the
services, which lock the employee row first.
"""

from .choices import (
    EVENT_NUMBER_RE,
    SUB_TYPES_BY_TYPE,
    Condition,
    EventSubType,
    EventType,
    JobTitle,
    RotationType,
    Weekday,
)
from .config import (
    CrossmarkAccount,
    EdrReport,
    EdrSession,
    SchedulingSettings,
    SecretHoldingModel,
    SyncRun,
    default_core_slots,
    default_digital_setup_slots,
    default_digital_teardown_slots,
    default_durations,
)
from .events import Event, Schedule
from .people import (
    Attendance,
    CompanyHoliday,
    DateAvailability,
    Employee,
    RotationAssignment,
    RotationException,
    TimeOff,
    WeeklyAvailability,
)
from .runs import ScheduleProposal, SchedulerRun

__all__ = [
    "Attendance",
    "CompanyHoliday",
    "Condition",
    "CrossmarkAccount",
    "DateAvailability",
    "EVENT_NUMBER_RE",
    "EdrReport",
    "EdrSession",
    "Employee",
    "Event",
    "EventSubType",
    "EventType",
    "JobTitle",
    "RotationAssignment",
    "RotationException",
    "RotationType",
    "SUB_TYPES_BY_TYPE",
    "Schedule",
    "ScheduleProposal",
    "SchedulerRun",
    "SchedulingSettings",
    "SecretHoldingModel",
    "SyncRun",
    "TimeOff",
    "Weekday",
    "WeeklyAvailability",
    "default_core_slots",
    "default_digital_setup_slots",
    "default_digital_teardown_slots",
    "default_durations",
]
