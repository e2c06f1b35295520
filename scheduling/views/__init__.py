"""Scheduling pages, by subject: `calendars` (overview, month, week, day, unscheduled, verification),
`schedules` (manual scheduling: find someone, schedule, reschedule, reassign, swap, unschedule),
`people` (employees, Crossmark import and login, rotations, holidays, settings), `sync` (the sync
log and paperwork PDFs), `runs` (auto-scheduler runs), `reports` (coordinator reports); `common`
holds the permission decorators. Reading needs the scheduling view permission (Staff and up);
changing needs the change permission (Coordinators, Administrators). Services do the work.
"""

from .calendars import day_view, index, month_view, unscheduled, verification, week_view
from .common import CHANGE, VIEW, can_change, can_view
from .people import (
    crossmark_login,
    employee_edit,
    employee_import,
    employee_list,
    employee_page,
    employee_weekly,
    holidays,
    rotations,
    settings_page,
)
from .schedules import (
    event_find,
    event_schedule,
    event_type_edit,
    schedule_reassign,
    schedule_reschedule,
    schedule_swap,
    schedule_unschedule,
)
from .sync import daily_pdf, employee_pdf, paperwork_page, sync_page, weekly_pdf

__all__ = [
    "CHANGE",
    "VIEW",
    "can_change",
    "can_view",
    "crossmark_login",
    "daily_pdf",
    "day_view",
    "employee_edit",
    "employee_import",
    "employee_list",
    "employee_page",
    "employee_pdf",
    "employee_weekly",
    "event_find",
    "event_schedule",
    "event_type_edit",
    "holidays",
    "index",
    "month_view",
    "paperwork_page",
    "rotations",
    "schedule_reassign",
    "schedule_reschedule",
    "schedule_swap",
    "schedule_unschedule",
    "settings_page",
    "sync_page",
    "unscheduled",
    "verification",
    "week_view",
    "weekly_pdf",
]
