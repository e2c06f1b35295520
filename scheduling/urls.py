from django.urls import path

from . import views
from .views import reports as report_views
from .views import runs as run_views

app_name = "scheduling"
urlpatterns = [
    path("", views.index, name="index"),
    path("calendar/", views.month_view, name="month"),
    path("day/<str:day>/", views.day_view, name="day"),
    path("week/", views.week_view, name="week_current"),
    path("week/<str:day>/", views.week_view, name="week"),
    path("unscheduled/", views.unscheduled, name="unscheduled"),
    path("verify/", views.verification, name="verify_today"),
    path("workload/", report_views.workload, name="workload"),
    path("attendance/", report_views.attendance, name="attendance"),
    path("unreported/", report_views.unreported, name="unreported"),
    path("verify/<str:day>/", views.verification, name="verify"),
    path("events/<int:pk>/schedule/", views.event_schedule, name="event_schedule"),
    path("events/<int:pk>/find/", views.event_find, name="event_find"),
    path("events/<int:pk>/type/", views.event_type_edit, name="event_type"),
    path("schedules/<int:pk>/reschedule/", views.schedule_reschedule, name="reschedule"),
    path("schedules/<int:pk>/reassign/", views.schedule_reassign, name="reassign"),
    path("schedules/<int:pk>/swap/", views.schedule_swap, name="swap"),
    path("schedules/<int:pk>/unschedule/", views.schedule_unschedule, name="unschedule"),
    path("employees/", views.employee_list, name="employees"),
    path("employees/new/", views.employee_edit, name="employee_new"),
    path("employees/import/", views.employee_import, name="employee_import"),
    path("crossmark-login/", views.crossmark_login, name="crossmark_login"),
    path("employees/<int:pk>/", views.employee_page, name="employee"),
    path("employees/<int:pk>/edit/", views.employee_edit, name="employee_edit"),
    path("employees/<int:pk>/weekly/", views.employee_weekly, name="employee_weekly"),
    path("employees/<int:pk>/schedule.pdf", views.employee_pdf, name="employee_pdf"),
    path("rotations/", views.rotations, name="rotations"),
    path("holidays/", views.holidays, name="holidays"),
    path("settings/", views.settings_page, name="settings"),
    path("sync/", views.sync_page, name="sync"),
    path("paperwork/", views.paperwork_page, name="paperwork"),
    path("auto/", run_views.run_list, name="runs"),
    path("auto/<int:pk>/", run_views.run_detail, name="run"),
    path("auto/<int:pk>/<str:action>/", run_views.run_action, name="run_action"),
    path("auto/proposals/<int:pk>/edit/", run_views.proposal_edit, name="proposal_edit"),
    path("paperwork/daily/<str:day>.pdf", views.daily_pdf, name="daily_pdf"),
    path("paperwork/weekly/<str:day>.pdf", views.weekly_pdf, name="weekly_pdf"),
]
