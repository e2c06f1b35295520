from django.urls import include, path

from . import views
from .imports import pages as import_pages
from .quality import pages as quality_pages
from .salesforce import pages as salesforce_pages
from .virtual import urls as virtual_urls

app_name = "volunteers"
urlpatterns = [
    path("", views.index, name="index"),
    path("directory/", views.directory, name="directory"),
    path("directory/export.csv", views.directory_export, name="directory_export"),
    path("import/", import_pages.volunteer_import, name="import"),
    path("people/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("events/", views.event_list, name="event_list"),
    path("events/export.csv", views.event_export, name="event_export"),
    path("events/calendar/", views.event_calendar, name="event_calendar"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/candidates/", views.event_candidates, name="event_candidates"),
    path("reports/", views.report_index, name="reports"),
    path("reports/thank-you/", views.report_thank_you, name="report_thank_you"),
    path("reports/district-year-end/", views.report_year_end, name="report_year_end"),
    path("reports/organizations/", views.report_organizations, name="report_organizations"),
    path("reports/first-time/", views.report_first_time, name="report_first_time"),
    path("reports/email/", views.report_email, name="report_email"),
    path("salesforce/", salesforce_pages.sync_status, name="sync"),
    path("quality/", quality_pages.quality_dashboard, name="quality"),
    path("quality/checks/<int:pk>/", quality_pages.quality_check_detail, name="quality_check"),
    path("quality/flags/", quality_pages.quality_flags, name="quality_flags"),
    path("roster/", import_pages.roster, name="roster"),
    path("public/", include("volunteers.partners.urls")),
    path("virtual/", include(virtual_urls)),
]
