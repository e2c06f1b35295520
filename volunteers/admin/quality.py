"""Admin for data quality: flags (dismiss/resolve actions) and scoring runs."""

from __future__ import annotations

from django.contrib import admin, messages

from project.admin import AuditedAdmin, export_as_csv

from ..models import DataQualityFlag, QualityCheck, QualityRun
from ..quality.services import flag_close
from .base import ReadOnlyAdmin


@admin.action(description="Dismiss selected flags (not a problem)", permissions=["change"])
def dismiss_flags(modeladmin, request, queryset):

    n = 0
    for flag in queryset.filter(status=DataQualityFlag.Status.OPEN):
        flag_close(flag=flag, status=DataQualityFlag.Status.DISMISSED, user=request.user)
        n += 1
    messages.success(request, f"{n} flag(s) dismissed.")


@admin.action(description="Mark selected flags resolved", permissions=["change"])
def resolve_flags(modeladmin, request, queryset):

    n = 0
    for flag in queryset.filter(status=DataQualityFlag.Status.OPEN):
        flag_close(flag=flag, status=DataQualityFlag.Status.RESOLVED, user=request.user)
        n += 1
    messages.success(request, f"{n} flag(s) resolved.")


@admin.register(DataQualityFlag)
class DataQualityFlagAdmin(AuditedAdmin):
    date_hierarchy = "created_at"
    list_display = ("entity_type", "entity_key", "issue_type", "severity", "status", "message", "updated_at")
    list_filter = ("status", "severity", "entity_type", "issue_type", "source")
    search_fields = ("entity_key", "message")
    readonly_fields = (
        "entity_type",
        "entity_key",
        "entity_id",
        "issue_type",
        "severity",
        "source",
        "message",
        "details",
        "resolved_at",
        "resolved_by",
    )
    actions = [dismiss_flags, resolve_flags, export_as_csv]


class QualityCheckInline(admin.TabularInline):
    model = QualityCheck
    extra = 0
    can_delete = False
    fields = ("entity", "dimension", "name", "severity", "score", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QualityRun)
class QualityRunAdmin(ReadOnlyAdmin):
    date_hierarchy = "started_at"
    list_display = ("started_at", "status", "overall_score", "started_by")
    inlines = [QualityCheckInline]
    readonly_fields = ("started_at", "finished_at", "status", "overall_score", "scores", "error", "started_by")
