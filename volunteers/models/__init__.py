"""Volunteers models, one module per subsystem; `from volunteers.models import X` keeps working.

- `people`: geography, organizations, skills, contacts (volunteers, teachers, students), history,
  viewer access and merges;
- `events`: events, participations, recruitment notes;
- `sync`: Salesforce sync runs, the sync lock, pending participations;
- `quality`: data-quality flags, scoring runs and checks;
- `imports`: teacher roster imports.
"""

from .base import Synced
from .events import (
    REPORTABLE_EVENT_STATUSES,
    CancellationReason,
    Event,
    EventFormat,
    EventStatus,
    EventType,
    Participation,
    ParticipationStatus,
    RecruitmentNote,
    StudentParticipation,
    TeacherParticipation,
    VolunteerParticipation,
)
from .imports import RosterImport
from .people import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactDetail,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    District,
    LocalStatus,
    Organization,
    OrganizationAlias,
    School,
    SchoolAlias,
    SchoolClass,
    SchoolLevel,
    Skill,
    Student,
    Teacher,
    ViewerDistrict,
    Volunteer,
    VolunteerMerge,
    VolunteerSkill,
)
from .quality import DataQualityFlag, QualityCheck, QualityRun
from .sync import PendingParticipation, SyncLock, SyncRun

__all__ = [
    "REPORTABLE_EVENT_STATUSES",
    "Affiliation",
    "CancellationReason",
    "Contact",
    "ContactAddress",
    "ContactDetail",
    "ContactEmail",
    "ContactHistory",
    "ContactPhone",
    "DataQualityFlag",
    "District",
    "Event",
    "EventFormat",
    "EventStatus",
    "EventType",
    "LocalStatus",
    "Organization",
    "OrganizationAlias",
    "Participation",
    "ParticipationStatus",
    "PendingParticipation",
    "QualityCheck",
    "QualityRun",
    "RecruitmentNote",
    "RosterImport",
    "School",
    "SchoolAlias",
    "SchoolClass",
    "SchoolLevel",
    "Skill",
    "Student",
    "StudentParticipation",
    "Synced",
    "SyncLock",
    "SyncRun",
    "Teacher",
    "TeacherParticipation",
    "ViewerDistrict",
    "Volunteer",
    "VolunteerMerge",
    "VolunteerParticipation",
    "VolunteerSkill",
]
