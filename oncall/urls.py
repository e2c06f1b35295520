from django.urls import path

from . import feeds, views

app_name = "oncall"
urlpatterns = [
    path("", views.index, name="index"),
    path("calendar/", views.calendar, name="calendar"),
    path("members/", views.members, name="members"),
    path("shifts/", views.shifts, name="shifts"),
    path("schedule/", views.schedule, name="schedule"),
    path("overrides/", views.overrides, name="overrides"),
    path("notifications/", views.notifications, name="notifications"),
    path("settings/", views.team_settings, name="settings"),
    path("feeds/team/<str:token>.ics", feeds.team_feed, name="team-feed"),
    path("feeds/member/<str:token>.ics", feeds.member_feed, name="member-feed"),
]
