"""Writes of the scheduling domain, by subject: `clients` (which Crossmark client a user or the sync
uses, applying and undoing Crossmark changes), `schedules` (manual scheduling: assign,
unschedule, reschedule, reassign, swap, each validated by `scheduling.rules`), `people` (time off,
availability, rotations, holidays, employees, events' local fields, the settings row).

Manual scheduling talks to Crossmark first and saves the local change only when Crossmark
accepted every call; otherwise it undoes what Crossmark already did (best effort) and changes
nothing locally. Tests replace the Crossmark client at `scheduling.services.clients.crossmark_for_user`.
"""

from .clients import (
    CrossmarkFailed,
    Move,
    ScheduleOutcome,
    crossmark_account_set,
    crossmark_for_sync,
    crossmark_for_user,
    logger,
)
from .people import (
    date_availability_set,
    employee_save,
    event_update,
    holiday_save,
    rotation_exception_set,
    rotations_set,
    settings_update,
    time_off_create,
    time_off_update,
    weekly_availability_set,
)
from .schedules import (
    SCHEDULABLE_CONDITIONS,
    TIME_CODES,
    assignment_violations,
    schedule_assign,
    schedule_reassign,
    schedule_reschedule,
    schedule_swap_cores,
    schedule_unschedule,
)

__all__ = [
    "CrossmarkFailed",
    "Move",
    "SCHEDULABLE_CONDITIONS",
    "ScheduleOutcome",
    "TIME_CODES",
    "assignment_violations",
    "crossmark_account_set",
    "crossmark_for_sync",
    "crossmark_for_user",
    "date_availability_set",
    "employee_save",
    "event_update",
    "holiday_save",
    "logger",
    "rotation_exception_set",
    "rotations_set",
    "schedule_assign",
    "schedule_reassign",
    "schedule_reschedule",
    "schedule_swap_cores",
    "schedule_unschedule",
    "settings_update",
    "time_off_create",
    "time_off_update",
    "weekly_availability_set",
]
