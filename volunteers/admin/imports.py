"""Admin for teacher roster imports."""

from __future__ import annotations

from django.contrib import admin

from ..models import RosterImport
from .base import ReadOnlyAdmin


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = (
        "created_at",
        "source",
        "sheet_id",
        "filename",
        "rows",
        "added",
        "updated",
        "deactivated",
        "flagged",
        "skipped",
        "imported_by",
    )
    list_filter = ("source",)
    readonly_fields = [f.name for f in RosterImport._meta.fields]
