"""Pages for the Salesforce sync, data quality (dashboard, drill-down, flags) and roster import."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from integrations.base import IntegrationError
from project.jobs import JobNotQueued, job_start
from project.models import Job

from . import quality as q
from .models import DataQualityFlag, PendingParticipation, QualityCheck, QualityRun, RosterImport, SyncRun
from .quality_services import flag_close, offending_records
from .roster import csv_table, roster_import, roster_import_from_sheet
from .salesforce_sync import SPECS
from .tasks import quality_score_job, salesforce_sync_job
from .views import _require_perm, contacts_required

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@contacts_required
@require_http_methods(["GET", "POST"])
def sync_status(request):
    _require_perm(request, "volunteers.view_syncrun")
    job = None
    if request.method == "POST":
        _require_perm(request, "volunteers.add_syncrun")
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


@contacts_required
@require_http_methods(["GET", "POST"])
def quality_dashboard(request):
    _require_perm(request, "volunteers.view_qualityrun")
    job = None
    if request.method == "POST":
        _require_perm(request, "volunteers.add_qualityrun")
        try:
            job = job_start(kind="volunteers.quality_score", task=quality_score_job, user=request.user)
            messages.success(request, "Data-quality scoring started.")
        except JobNotQueued:
            messages.error(request, "The scoring could not be queued: the task broker is unreachable.")
    runs = list(QualityRun.objects.filter(status=QualityRun.Status.SUCCESS).order_by("-started_at")[:30])
    latest = runs[0] if runs else None
    checks = list(latest.checks.all()) if latest else []
    cards = []
    for entity in q.ENTITIES:
        score = (latest.scores.get(entity) if latest else None) or {}
        cards.append(
            {
                "entity": entity,
                "score": score.get("score"),
                "dimensions": score.get("dimensions", {}),
                "checks": [c for c in checks if c.entity == entity],
            }
        )
    trend = {
        "labels": [r.started_at.strftime("%b %d %H:%M") for r in reversed(runs)],
        "series": {
            entity: [(r.scores.get(entity) or {}).get("score") for r in reversed(runs)] for entity in q.ENTITIES
        },
    }
    return render(
        request,
        "volunteers/quality.html",
        {
            "latest": latest,
            "cards": cards,
            "trend_json": json.dumps(trend),
            "job": job,
            "can_run": request.user.has_perm("volunteers.add_qualityrun"),
            "weights": q.WEIGHTS,
            "open_flags": DataQualityFlag.objects.filter(status=DataQualityFlag.Status.OPEN).count(),
        },
    )


@contacts_required
def quality_check_detail(request, pk: int):
    _require_perm(request, "volunteers.view_qualityrun")
    check = get_object_or_404(QualityCheck.objects.select_related("run"), pk=pk)
    return render(request, "volunteers/quality_check.html", {"check": check, "records": offending_records(check)})


@contacts_required
@require_http_methods(["GET", "POST"])
def quality_flags(request):
    _require_perm(request, "volunteers.view_dataqualityflag")
    if request.method == "POST":
        _require_perm(request, "volunteers.change_dataqualityflag")
        flag = get_object_or_404(DataQualityFlag, pk=request.POST.get("flag"))
        status = {"dismiss": DataQualityFlag.Status.DISMISSED, "resolve": DataQualityFlag.Status.RESOLVED}.get(
            request.POST.get("action"), ""
        )
        try:
            flag_close(flag=flag, status=status, user=request.user, note=request.POST.get("note", ""))
            messages.success(request, f"Flag {flag.get_status_display().lower()}.")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        return redirect(request.get_full_path())
    status = request.GET.get("status", DataQualityFlag.Status.OPEN)
    flags = DataQualityFlag.objects.order_by("-updated_at", "-id")
    if status in DataQualityFlag.Status.values:
        flags = flags.filter(status=status)
    for name in ("entity_type", "issue_type"):
        if request.GET.get(name):
            flags = flags.filter(**{name: request.GET[name]})
    page = Paginator(flags, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/quality_flags.html",
        {
            "page": page,
            "status": status,
            "statuses": DataQualityFlag.Status.choices,
            "issue_types": DataQualityFlag.objects.values_list("issue_type", flat=True)
            .distinct()
            .order_by("issue_type"),
            "can_close": request.user.has_perm("volunteers.change_dataqualityflag"),
        },
    )


@contacts_required
@require_http_methods(["GET", "POST"])
def roster(request):
    _require_perm(request, "volunteers.view_rosterimport")
    log = None
    if request.method == "POST":
        _require_perm(request, "volunteers.add_rosterimport")
        upload = request.FILES.get("file")
        sheet_id = request.POST.get("sheet_id", "").strip()
        try:
            if upload is not None:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ValidationError("The file is larger than 5 MB.")
                header, rows = csv_table(upload.read())
                log = roster_import(
                    header=header, rows=rows, source=RosterImport.Source.CSV, filename=upload.name, user=request.user
                )
            elif sheet_id:
                log = roster_import_from_sheet(
                    sheet_id=sheet_id, worksheet=request.POST.get("worksheet", "").strip(), user=request.user
                )
            else:
                raise ValidationError("Choose a CSV file or give a Google Sheet id.")
            messages.success(
                request,
                f"Roster imported: {log.added} added, {log.updated} updated, "
                f"{log.deactivated} deactivated, {log.flagged} flagged, {log.skipped} skipped.",
            )
        except UnicodeDecodeError:
            messages.error(request, "The file is not UTF-8 text (CSV).")
        except (ValidationError, IntegrationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return render(
        request,
        "volunteers/roster.html",
        {
            "log": log,
            "imports": RosterImport.objects.select_related("imported_by")[:20],
            "can_import": request.user.has_perm("volunteers.add_rosterimport"),
        },
    )
