"""The volunteers REST API under /api/v1/volunteers/ (routes in volunteers/api_urls.py), by subject:
`common` (the contacts permission, the Salesforce-id mixin that makes synced fields read-only),
`organizations` (districts, schools, organisations), `people` (volunteers, the directory, skills),
`events` (events, candidates, attendance, participations), `reports` (the four reports as JSON).
Every class is re-exported here.
"""

from .common import CONTACT_PERMISSIONS, SCOPED_PERMISSIONS, SalesforceIdMixin, SeesContacts
from .events import (
    AttendanceSerializer,
    CandidateParams,
    CandidateSerializer,
    EventFilter,
    EventSerializer,
    EventViewSet,
    ParticipationFilter,
    ParticipationSerializer,
    ParticipationViewSet,
)
from .organizations import (
    DistrictSerializer,
    DistrictViewSet,
    OrganizationFilter,
    OrganizationSerializer,
    OrganizationViewSet,
    SchoolSerializer,
    SchoolViewSet,
)
from .people import DirectoryParams, SkillSerializer, SkillViewSet, VolunteerSerializer, VolunteerViewSet
from .reports import (
    REPORT_RESPONSE,
    DateRangeParams,
    DistrictYearEndReportView,
    FirstTimeReportView,
    OrganizationReportParams,
    OrganizationReportView,
    ThankYouParams,
    ThankYouReportView,
    YearEndParams,
    report_payload,
    user_may_see_district,
)

__all__ = [
    "AttendanceSerializer",
    "CONTACT_PERMISSIONS",
    "CandidateParams",
    "CandidateSerializer",
    "DateRangeParams",
    "DirectoryParams",
    "DistrictSerializer",
    "DistrictViewSet",
    "DistrictYearEndReportView",
    "EventFilter",
    "EventSerializer",
    "EventViewSet",
    "FirstTimeReportView",
    "OrganizationFilter",
    "OrganizationReportParams",
    "OrganizationReportView",
    "OrganizationSerializer",
    "OrganizationViewSet",
    "ParticipationFilter",
    "ParticipationSerializer",
    "ParticipationViewSet",
    "REPORT_RESPONSE",
    "SCOPED_PERMISSIONS",
    "SalesforceIdMixin",
    "SchoolSerializer",
    "SchoolViewSet",
    "SeesContacts",
    "SkillSerializer",
    "SkillViewSet",
    "ThankYouParams",
    "ThankYouReportView",
    "VolunteerSerializer",
    "VolunteerViewSet",
    "YearEndParams",
    "report_payload",
    "user_may_see_district",
]
