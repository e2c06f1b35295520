"""Scheduling pages: the Crossmark sync log and the paperwork PDFs (daily, weekly, per employee)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from integrations.base import IntegrationError
from project.jobs import JobNotQueued, job_start
from project.models import Job
from project.permissions import permission_require

from .. import paperwork
from ..forms import EdrCodeForm
from ..models import Employee
from ..selectors import sync_run_list
from ..tasks import crossmark_sync_job
from .common import _date, can_view


# --------------------------------------------------------------------------- sync and paperwork
@can_view
def sync_page(request):
    job = None
    if request.method == "POST":
        permission_require(request.user, "scheduling.add_syncrun")
        try:
            job = job_start(
                kind="scheduling.crossmark_sync",
                task=crossmark_sync_job,
                user=request.user,
                params={"user_id": request.user.pk},
                queue="sync",
            )
            return redirect(f"{request.path}?job={job.pk}")
        except JobNotQueued:
            messages.error(request, "The sync could not be started: the task queue is unavailable. Try again later.")
    if request.GET.get("job"):
        job = Job.objects.filter(pk=request.GET["job"]).first() if len(request.GET["job"]) == 36 else None
    runs = sync_run_list()[:20]
    return render(
        request,
        "scheduling/sync.html",
        {"job": job, "runs": runs, "can_sync": request.user.has_perm("scheduling.add_syncrun")},
    )


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@can_view
def daily_pdf(request, day: str):
    day = _date(day)
    return _pdf_response(paperwork.daily_package_pdf(day=day, user=request.user), f"daily-{day}.pdf")


@can_view
def weekly_pdf(request, day: str):
    start = paperwork.week_start_for(_date(day))
    return _pdf_response(paperwork.weekly_schedule_pdf(start=start), f"week-{start}.pdf")


@can_view
def employee_pdf(request, pk: int):
    employee = get_object_or_404(Employee, pk=pk)
    start = _date(request.GET["start"]) if request.GET.get("start") else timezone.localdate()
    return _pdf_response(
        paperwork.employee_schedule_pdf(employee=employee, start=start), f"schedule-{employee.pk}-{start}.pdf"
    )


@can_view
def paperwork_page(request):
    form = EdrCodeForm(request.POST or None) if request.POST.get("step") == "code" else EdrCodeForm()
    if request.method == "POST":
        try:
            if request.POST.get("step") == "request":
                paperwork.edr_request_code(user=request.user)
                messages.info(request, "A code was sent by text message. Enter it below.")
                return redirect("scheduling:paperwork")
            if form.is_valid():
                paperwork.edr_submit_code(user=request.user, code=form.cleaned_data["code"])
                messages.success(request, "Logged in to Retail Link; EDR reports will be fetched for your prints.")
                return redirect("scheduling:paperwork")
        except IntegrationError as exc:
            messages.error(request, f"Retail Link: {exc}")
    today = timezone.localdate()
    return render(
        request,
        "scheduling/paperwork.html",
        {
            "form": form,
            "authenticated": paperwork.edr_is_authenticated(request.user),
            "today": today,
            "days": [today + timedelta(days=i) for i in range(7)],
        },
    )
