"""The Salesforce sync page: per-object status, recent runs, "Sync now"."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from project.jobs import JobNotQueued, job_start
from project.models import Job
from project.permissions import permission_require

from ..models import PendingParticipation, SyncRun
from ..views import contacts_required
from .mapping import SPECS
from .tasks import salesforce_sync_job


@contacts_required
@require_http_methods(["GET", "POST"])
def sync_status(request):
    permission_require(request.user, "volunteers.view_syncrun")
    job = None
    if request.method == "POST":
        permission_require(request.user, "volunteers.add_syncrun")
        mode = "full" if request.POST.get("mode") == "full" else "delta"
        try:
            job = job_start(
                kind="volunteers.salesforce_sync", task=salesforce_sync_job, user=request.user, params={"mode": mode}
            )
            messages.success(request, f"Salesforce {mode} sync started.")
        except JobNotQueued:
            messages.error(request, "The sync could not be queued: the task broker is unreachable. Try again later.")
    if job is None:
        job = Job.objects.filter(kind="volunteers.salesforce_sync").order_by("-created_at").first()
    latest = {}
    for run in SyncRun.objects.order_by("-started_at", "-id")[:200]:
        latest.setdefault(run.object_name, run)
    objects = [{"spec": spec, "run": latest.get(spec.key)} for spec in SPECS]
    return render(
        request,
        "volunteers/sync.html",
        {
            "objects": objects,
            "job": job,
            "can_sync": request.user.has_perm("volunteers.add_syncrun"),
            "pending": PendingParticipation.objects.count(),
            "runs": SyncRun.objects.order_by("-started_at", "-id")[:30],
        },
    )
