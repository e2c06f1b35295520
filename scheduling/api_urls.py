from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("employees", api.EmployeeViewSet, basename="employee")
router.register("availability", api.DateAvailabilityViewSet, basename="availability")
router.register("time-off", api.TimeOffViewSet, basename="time-off")
router.register("holidays", api.HolidayViewSet, basename="holiday")
router.register("rotations", api.RotationViewSet, basename="rotation")
router.register("rotation-exceptions", api.RotationExceptionViewSet, basename="rotation-exception")
router.register("events", api.EventViewSet, basename="event")
router.register("schedules", api.ScheduleViewSet, basename="schedule")
router.register("sync", api.SyncViewSet, basename="sync")
router.register("runs", api.SchedulerRunViewSet, basename="run")
router.register("proposals", api.ProposalViewSet, basename="proposal")

app_name = "scheduling-api"
urlpatterns = [path("settings/", api.SettingsView.as_view(), name="settings"), *router.urls]
