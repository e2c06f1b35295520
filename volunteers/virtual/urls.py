"""Pages of the teacher programme, included by volunteers/urls.py (names start with `virtual_`)."""

from django.urls import path

from . import pages

urlpatterns = [
    path("", pages.dashboard, name="virtual_dashboard"),
    path("export/", pages.export, name="virtual_export"),
    path("schools/<int:pk>/", pages.school_detail, name="virtual_school"),
    path("teachers/<int:pk>/", pages.teacher_detail, name="virtual_teacher"),
    path("imports/", pages.imports, name="virtual_imports"),
    path("imports/<int:pk>/", pages.import_detail, name="virtual_import"),
    path("unmatched/", pages.unmatched, name="virtual_unmatched"),
    path("issues/", pages.issues, name="virtual_issues"),
    path("events/<int:pk>/attendance-detail/", pages.attendance_detail, name="virtual_attendance_detail"),
    path("my-progress/", pages.magic_request, name="virtual_magic_request"),
    path("my-progress/me/", pages.teacher_me, name="virtual_teacher_me"),
    path("my-progress/<str:token>/", pages.magic_open, name="virtual_magic_open"),
]
