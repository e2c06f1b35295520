from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api
from .quality import api as quality_api

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

app_name = "volunteers-api"
urlpatterns = [
    path("reports/thank-you/", api.ThankYouReportView.as_view(), name="report-thank-you"),
    path("reports/district-year-end/", api.DistrictYearEndReportView.as_view(), name="report-district-year-end"),
    path("reports/organizations/", api.OrganizationReportView.as_view(), name="report-organizations"),
    path("reports/first-time/", api.FirstTimeReportView.as_view(), name="report-first-time"),
    *router.urls,
]
