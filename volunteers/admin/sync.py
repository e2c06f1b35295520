"""Admin for the Salesforce sync: run history with "Sync now", pending participations."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse

from project.admin import export_as_csv
from project.jobs import JobNotQueued, job_start

from ..models import PendingParticipation, SyncRun
from ..salesforce.tasks import salesforce_sync_job
from .base import ReadOnlyAdmin


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    """Run history; "Sync now" (delta or full) starts a job and opens its live progress page."""

    change_list_template = "volunteers/admin/syncrun_change_list.html"
    list_display = (
        "object_name",
        "mode",
        "status",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
        "queued",
        "error_count",
        "watermark",
    )
    list_filter = ("status", "object_name", "mode")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def get_urls(self):
        return [
            path("sync-now/", self.admin_site.admin_view(self.sync_now), name="volunteers_syncrun_sync_now"),
            *super().get_urls(),
        ]

    def sync_now(self, request):
        if request.method != "POST" or not request.user.has_perm("volunteers.add_syncrun"):
            messages.error(request, "Starting a sync needs the Coordinator or Administrator role.")
            return redirect(reverse("admin:volunteers_syncrun_changelist"))

        mode = "full" if request.POST.get("mode") == "full" else "delta"
        try:
            job = job_start(
                kind="volunteers.salesforce_sync", task=salesforce_sync_job, user=request.user, params={"mode": mode}
            )
        except JobNotQueued:
            messages.error(request, "The sync could not be queued: the task broker is unreachable. Try again later.")
            return redirect(reverse("admin:volunteers_syncrun_changelist"))
        messages.success(request, f"Salesforce {mode} sync started.")
        return redirect(reverse("job_detail", args=[job.pk]))


@admin.register(PendingParticipation)
class PendingParticipationAdmin(ReadOnlyAdmin):
    list_display = (
        "salesforce_id",
        "kind",
        "missing",
        "contact_salesforce_id",
        "event_salesforce_id",
        "attempts",
        "likely_orphan",
        "updated_at",
    )
    list_filter = ("kind", "likely_orphan", "missing")
    search_fields = ("salesforce_id", "contact_salesforce_id", "event_salesforce_id")
    actions = [export_as_csv]
