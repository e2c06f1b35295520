"""Pages of the auto-scheduler: start a run (a job with a progress bar), review its proposals by
day next to the posted schedules, edit a proposal (same rules), approve, retry, reject."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from project.jobs import JobNotQueued
from project.models import Job

from .. import runs
from ..models import Employee, ScheduleProposal, SchedulerRun
from ..selectors import proposal_counts, proposal_facts, proposal_queryset, schedule_list, scheduler_run_list
from ..services import CrossmarkFailed
from ..views import can_view

RUN_PERMISSION = "scheduling.change_schedulerrun"


class RunStartForm(forms.Form):
    as_of = forms.DateTimeField(
        required=False,
        label="As of",
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class ProposalEditForm(forms.Form):
    employee = forms.ModelChoiceField(queryset=Employee.objects.filter(is_active=True).order_by("name"))
    start_at = forms.DateTimeField(label="Start", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    override_reason = forms.CharField(required=False, max_length=300, help_text="Needed only to accept soft warnings.")


def _can_run(request) -> bool:
    return request.user.has_perm(RUN_PERMISSION)


def _require_run(request) -> None:
    """Writes (start, approve, retry, reject, edit) are for Coordinators and Administrators: 403."""
    if not _can_run(request):
        raise PermissionDenied("Only Coordinators and Administrators can do this.")


@can_view
def run_list(request):
    form = RunStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require_run(request)
        if form.is_valid():
            try:
                run, _ = runs.run_start(as_of=form.cleaned_data.get("as_of"), user=request.user)
            except JobNotQueued:
                messages.error(request, "The run could not be started: the task queue is unavailable. Try again later.")
                return redirect("scheduling:runs")
            return redirect("scheduling:run", pk=run.pk)
    return render(
        request, "scheduling/runs.html", {"form": form, "runs": scheduler_run_list()[:30], "can_run": _can_run(request)}
    )


def _review(run: SchedulerRun) -> dict:
    proposals = list(proposal_queryset().filter(run=run).select_related("previous_employee", "bumped_by"))
    placed = [p for p in proposals if p.status != ScheduleProposal.Status.UNPLACED]
    failures = [p for p in proposals if p.status == ScheduleProposal.Status.UNPLACED]
    days: dict = defaultdict(list)
    for p in placed:
        days[timezone.localtime(p.start_at).date()].append(
            {"kind": "proposal", "at": timezone.localtime(p.start_at), "proposal": p}
        )
    moving = {p.schedule_id for p in placed if p.kind == ScheduleProposal.Kind.MOVE}
    if days:
        for s in schedule_list(start=min(days), end=max(days)):
            day = timezone.localtime(s.start_at).date()
            if day in days:
                days[day].append(
                    {"kind": "posted", "at": timezone.localtime(s.start_at), "schedule": s, "moving": s.pk in moving}
                )
    grouped = [(day, sorted(rows, key=lambda r: (r["at"], r["kind"]))) for day, rows in sorted(days.items())]
    return {"days": grouped, "failures": failures}


@can_view
def run_detail(request, pk: int):
    run = get_object_or_404(SchedulerRun.objects.select_related("superseded_by", "approved_by"), pk=pk)
    job = Job.objects.filter(pk=run.job_id).first() if run.job_id else None
    approve_job = None
    wanted = request.GET.get("job", "")
    if len(wanted) == 36:
        approve_job = Job.objects.filter(pk=wanted, kind="scheduling.auto_schedule_approve").first()
    counts = proposal_counts(run)
    actions = runs.run_actions(run, counts) if _can_run(request) else None
    context = {
        "run": run,
        "job": job,
        "approve_job": approve_job,
        "facts": proposal_facts(counts),
        "actions": actions,
        "can_run": actions is not None and actions.edit,
    }
    if run.status not in (SchedulerRun.Status.RUNNING, SchedulerRun.Status.FAILED):
        context.update(_review(run))
    return render(request, "scheduling/run.html", context)


@require_POST
@can_view
def run_action(request, pk: int, action: str):
    if action not in ("approve", "retry", "reject", "close"):
        raise Http404("Unknown action")
    run = get_object_or_404(SchedulerRun, pk=pk)
    _require_run(request)
    try:
        if action == "reject":
            runs.run_reject(run=run, user=request.user)
            messages.success(request, "Run rejected: no event or schedule changed.")
        elif action == "close":
            runs.run_close(run=run, user=request.user)
            messages.success(request, "Run closed: its submitted rows stay posted; the rows still open were dropped.")
        elif not request.POST.getlist("proposals"):
            # The whole run: in the background (one Crossmark call per row), progress on the run page.
            job = runs.run_approve_start(run=run, user=request.user, retry_only=action == "retry")
            return redirect(f"{reverse('scheduling:run', args=[pk])}?job={job.pk}")
        else:
            ids = [int(v) for v in request.POST.getlist("proposals") if v.isdigit()] or None
            result = runs.run_approve(run=run, user=request.user, proposal_ids=ids, retry_only=action == "retry")
            level = messages.success if not result["failed"] else messages.warning
            level(
                request,
                f"{result['submitted']} submitted to Crossmark, {result['failed']} failed"
                + (" (see each row; retry when fixed)." if result["failed"] else "."),
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except CrossmarkFailed as exc:
        messages.error(request, str(exc))
    except JobNotQueued:
        messages.error(request, "Approval could not be started: the task queue is unavailable. Try again later.")
    return redirect("scheduling:run", pk=pk)


@can_view
def proposal_edit(request, pk: int):
    proposal = get_object_or_404(proposal_queryset(), pk=pk)
    _require_run(request)
    initial = {
        "employee": proposal.employee_id,
        "start_at": timezone.localtime(proposal.start_at).strftime("%Y-%m-%dT%H:%M") if proposal.start_at else None,
        "override_reason": proposal.override_reason,
    }
    form = ProposalEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        start_at = form.cleaned_data["start_at"]
        if timezone.is_naive(start_at):
            start_at = timezone.make_aware(start_at)
        try:
            runs.proposal_update(
                proposal=proposal,
                employee=form.cleaned_data["employee"],
                start_at=start_at,
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Proposal updated; it was checked with the same rules as every placement.")
            return redirect("scheduling:run", pk=proposal.run_id)
    return render(request, "scheduling/proposal_edit.html", {"proposal": proposal, "form": form})
