"""Data-quality pages: dashboard with trend, check drill-down, flags to dismiss or resolve."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from project.jobs import JobNotQueued, job_start
from project.permissions import permission_require

from ..models import DataQualityFlag, QualityCheck, QualityRun
from ..views import contacts_required
from . import checks as q
from .services import flag_close, offending_records
from .tasks import quality_score_job


@contacts_required
@require_http_methods(["GET", "POST"])
def quality_dashboard(request):
    permission_require(request.user, "volunteers.view_qualityrun")
    job = None
    if request.method == "POST":
        permission_require(request.user, "volunteers.add_qualityrun")
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
    permission_require(request.user, "volunteers.view_qualityrun")
    check = get_object_or_404(QualityCheck.objects.select_related("run"), pk=pk)
    return render(request, "volunteers/quality_check.html", {"check": check, "records": offending_records(check)})


@contacts_required
@require_http_methods(["GET", "POST"])
def quality_flags(request):
    permission_require(request.user, "volunteers.view_dataqualityflag")
    if request.method == "POST":
        permission_require(request.user, "volunteers.change_dataqualityflag")
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
