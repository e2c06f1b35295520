"""Writes for the volunteers domain, by subject: `contacts` (e-mails, phones, addresses),
`people` (volunteers, skills, affiliations, merges, history and recruitment notes), `events`
(create, update, status changes, checked by `rules`), `participations` (recording and attendance,
the registered/attended counts and volunteer figures, deletes that keep them right), `reports`
(reports by e-mail).
Keyword-only, typed, atomic; rules come from `rules`. Every name is re-exported here.
"""

from .contacts import (
    contact_address_add,
    contact_detail_make_primary,
    contact_email_add,
    contact_phone_add,
    normalize_email,
    normalize_phone,
)
from .events import (
    EVENT_FIELDS,
    _event_rule_errors,
    event_create,
    event_status_change,
    event_update,
)
from .participations import (
    COUNT_CHUNK,
    attendance_mark,
    event_counts_recount,
    event_counts_refresh,
    participation_figures_refresh,
    participation_record,
    participations_delete,
    students_delete,
    volunteer_local_status_refresh,
    volunteer_stats_refresh,
    volunteers_delete,
)
from .people import (
    VOLUNTEER_EDITABLE_FIELDS,
    affiliation_set,
    history_note_add,
    recruitment_note_add,
    skill_get_or_create,
    volunteer_create,
    volunteer_skill_add,
    volunteer_update,
    volunteers_exclude_from_reports,
    volunteers_merge,
)
from .reports import (
    REPORT_FORMATS,
    REPORT_PURPOSE,
    report_email_record,
    report_email_send,
)

__all__ = [
    "COUNT_CHUNK",
    "EVENT_FIELDS",
    "REPORT_FORMATS",
    "REPORT_PURPOSE",
    "VOLUNTEER_EDITABLE_FIELDS",
    "_event_rule_errors",
    "affiliation_set",
    "attendance_mark",
    "contact_address_add",
    "contact_detail_make_primary",
    "contact_email_add",
    "contact_phone_add",
    "event_counts_recount",
    "event_counts_refresh",
    "event_create",
    "event_status_change",
    "event_update",
    "history_note_add",
    "normalize_email",
    "normalize_phone",
    "participation_figures_refresh",
    "participation_record",
    "participations_delete",
    "recruitment_note_add",
    "report_email_record",
    "report_email_send",
    "skill_get_or_create",
    "students_delete",
    "volunteer_create",
    "volunteer_local_status_refresh",
    "volunteer_skill_add",
    "volunteer_stats_refresh",
    "volunteer_update",
    "volunteers_delete",
    "volunteers_exclude_from_reports",
    "volunteers_merge",
]
