from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("teams", api.TeamViewSet, basename="team")
router.register("members", api.MemberViewSet, basename="member")
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("schedule", api.ScheduleViewSet, basename="schedule")
router.register("overrides", api.OverrideViewSet, basename="override")
router.register("notifications", api.NotificationViewSet, basename="notification")

app_name = "oncall-api"
urlpatterns = [
    path("now/", api.NowView.as_view(), name="now"),
    path("settings/", api.SettingsView.as_view(), name="settings"),
    path("settings/template-check/", api.TemplateCheckView.as_view(), name="template-check"),
    *router.urls,
]
