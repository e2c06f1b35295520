from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api
from .quality import api as quality_api
from .virtual import api as virtual_api

router = DefaultRouter(trailing_slash=True)
router.register("volunteers", api.VolunteerViewSet, basename="volunteer")
router.register("organizations", api.OrganizationViewSet, basename="organization")
router.register("districts", api.DistrictViewSet, basename="district")
router.register("schools", api.SchoolViewSet, basename="school")
router.register("skills", api.SkillViewSet, basename="skill")
router.register("events", api.EventViewSet, basename="event")
router.register("participations", api.ParticipationViewSet, basename="participation")
router.register("quality/runs", quality_api.QualityRunViewSet, basename="quality-run")
router.register("quality/flags", quality_api.DataQualityFlagViewSet, basename="quality-flag")
router.register("virtual/progress", virtual_api.ProgressViewSet, basename="virtual-progress")
router.register("virtual/imports", virtual_api.PathfulImportViewSet, basename="virtual-import")
router.register("virtual/unmatched", virtual_api.UnmatchedViewSet, basename="virtual-unmatched")
router.register("virtual/overrides", virtual_api.OverrideViewSet, basename="virtual-override")

app_name = "volunteers-api"
urlpatterns = [
    path("reports/thank-you/", api.ThankYouReportView.as_view(), name="report-thank-you"),
    path("reports/district-year-end/", api.DistrictYearEndReportView.as_view(), name="report-district-year-end"),
    path("reports/organizations/", api.OrganizationReportView.as_view(), name="report-organizations"),
    path("reports/first-time/", api.FirstTimeReportView.as_view(), name="report-first-time"),
    *router.urls,
]
