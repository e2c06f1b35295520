"""Admin of the teacher programme. Overrides, imports and magic links are read-only here: they are
written through the pages and API, whose services keep reasons, originals and the audit trail."""

from __future__ import annotations

from django.contrib import admin, messages

from project.admin import AuditedAdmin

from ..models import (
    AttendanceOverride,
    EventAttendanceDetail,
    MagicLink,
    PathfulImport,
    PathfulSession,
    PathfulUnmatched,
    TeacherIssue,
    TeacherProgress,
    UnmatchedStatus,
)
from . import progress, services


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only through the services (the package's pages and API)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PathfulImport)
class PathfulImportAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = (
        "created_at",
        "filename",
        "status",
        "rows",
        "events_created",
        "events_updated",
        "people_matched",
        "unmatched",
        "imported_by",
    )
    list_filter = ("status",)
    list_select_related = ("imported_by",)
    search_fields = ("filename",)
    readonly_fields = [f.name for f in PathfulImport._meta.fields]


@admin.register(PathfulSession)
class PathfulSessionAdmin(ReadOnlyAdmin):
    list_display = ("session_id", "event", "status_raw", "last_import")
    list_select_related = ("event", "last_import")
    search_fields = ("session_id", "event__title")
    readonly_fields = [f.name for f in PathfulSession._meta.fields]


@admin.register(PathfulUnmatched)
class PathfulUnmatchedAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = ("kind", "status", "session_id", "name", "email", "reason", "created_at")
    list_filter = ("kind", "status")
    list_select_related = ("contact",)
    search_fields = ("name", "email", "session_id")
    readonly_fields = [f.name for f in PathfulUnmatched._meta.fields]
    actions = ["ignore_rows"]

    @admin.action(description="Ignore the selected pending rows")
    def ignore_rows(self, request, queryset):
        if not request.user.has_perm("volunteers.change_pathfulunmatched"):
            messages.error(request, "You may not change unmatched rows.")
            return
        rows = list(queryset.filter(status=UnmatchedStatus.PENDING))
        for row in rows:
            services.unmatched_ignore(row=row, user=request.user, note="Ignored in the admin.")
        messages.success(request, f"{len(rows)} row(s) ignored.")


@admin.register(TeacherProgress)
class TeacherProgressAdmin(AuditedAdmin):
    list_display = (
        "name",
        "email",
        "district",
        "school",
        "academic_year",
        "target_sessions",
        "sessions_completed",
        "is_active",
    )
    list_filter = ("academic_year", "is_active", "deactivation_source", "district")
    list_select_related = ("district", "school")
    search_fields = ("name", "email")
    autocomplete_fields = ("district", "school", "teacher")
    readonly_fields = (
        "is_active",
        "deactivation_source",
        "deactivated_by",
        "deactivated_at",
        "deactivation_reason",
        "sessions_completed",
        "in_progress_until",
    )

    def save_model(self, request, obj, form, change):
        """A corrected target or teacher changes what counts: recount the row."""
        super().save_model(request, obj, form, change)
        progress.progress_counts_refresh(progress_ids=[obj.pk])


@admin.register(AttendanceOverride)
class AttendanceOverrideAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = ("progress", "event", "action", "reason", "is_active", "created_by", "created_at")
    list_filter = ("action", "is_active")
    list_select_related = ("progress", "event", "created_by")
    search_fields = ("progress__name", "progress__email", "event__title", "reason")
    readonly_fields = [f.name for f in AttendanceOverride._meta.fields]


@admin.register(MagicLink)
class MagicLinkAdmin(ReadOnlyAdmin):
    list_display = ("email", "created_at", "expires_at", "used_at")
    search_fields = ("email",)
    readonly_fields = ("email", "created_at", "expires_at", "used_at")
    exclude = ("token_hash",)


@admin.register(TeacherIssue)
class TeacherIssueAdmin(AuditedAdmin):
    date_hierarchy = "created_at"
    list_display = ("progress", "kind", "status", "event", "created_at")
    list_filter = ("kind", "status")
    list_select_related = ("progress", "event")
    search_fields = ("progress__name", "progress__email", "text")
    readonly_fields = ("progress", "kind", "event", "text", "resolved_by", "resolved_at")
    actions = ["resolve"]

    @admin.action(description="Mark the selected issues resolved")
    def resolve(self, request, queryset):
        for issue in queryset:
            services.teacher_issue_resolve(issue=issue, user=request.user)
        messages.success(request, "Issues resolved.")


@admin.register(EventAttendanceDetail)
class EventAttendanceDetailAdmin(AuditedAdmin):
    list_display = ("event", "classrooms", "rotations", "total_students", "students_per_volunteer")
    list_select_related = ("event",)
    search_fields = ("event__title",)
    autocomplete_fields = ("event",)
