from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BugReport


@admin.register(BugReport)
class BugReportAdmin(SimpleHistoryAdmin):
    list_display = ("id", "created_at", "kind", "source", "status", "page_title", "reporter", "resolved_by")
    list_filter = ("status", "kind", "source")
    search_fields = ("description", "page_url", "page_title", "reporter__username", "reporter_email")
    list_select_related = ("reporter", "resolved_by")
    readonly_fields = ("created_at", "updated_at", "reporter", "resolved_by", "resolved_at", "source")
    date_hierarchy = "created_at"
