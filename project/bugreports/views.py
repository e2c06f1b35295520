"""Report a problem (any signed-in user) and the coordinators' list (resolve; delete by admins)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ..roles import ADMINISTRATOR, COORDINATOR, user_has_role
from . import services
from .forms import BugFilterForm, BugReportForm, ResolveForm
from .models import BugReport

PAGE_SIZE = 25


def _role_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _back(request, path: str) -> str:
    if path and url_has_allowed_host_and_scheme(path, {request.get_host()}, require_https=request.is_secure()):
        return path
    return "/"


@require_POST
@login_required
def bug_report_create(request):
    form = BugReportForm(request.POST)
    back = _back(request, request.POST.get("page_url", ""))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"Problem not reported: {field.replace('_', ' ')}: {' '.join(errors)}")
        return redirect(back)
    data = form.cleaned_data
    try:
        report = services.bug_report_create(
            kind=data["kind"],
            description=data["description"],
            page_url=data["page_url"],
            page_title=data["page_title"],
            reporter=request.user,
        )
    except ValidationError as exc:
        messages.error(request, f"Problem not reported: {' '.join(exc.messages)}")
        return redirect(back)
    messages.success(request, f"Thank you: problem #{report.pk} was reported to the coordinators.")
    return redirect(back)


@require_GET
@_role_required(COORDINATOR, ADMINISTRATOR)
def bug_report_list(request):
    form = BugFilterForm(request.GET or {"status": BugReport.Status.OPEN})
    filters = form.cleaned_data if form.is_valid() else {}
    reports = services.bug_report_list(
        status=filters.get("status", ""), kind=filters.get("kind", ""), query=filters.get("q", "")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bugreports/list.html",
        {
            "form": form,
            "page": page,
            "resolve_form": ResolveForm(),
            "can_delete": user_has_role(request.user, ADMINISTRATOR),
            "query": request.GET.urlencode(),
        },
    )


@require_POST
@_role_required(COORDINATOR, ADMINISTRATOR)
def bug_report_resolve(request, pk: int):
    report = get_object_or_404(BugReport, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"#{report.pk} not resolved: {' '.join(form.errors['note'])}")
        return redirect("bugreports:list")
    try:
        services.bug_report_resolve(report=report, user=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, f"#{report.pk} not resolved: {' '.join(exc.messages)}")
        return redirect("bugreports:list")
    messages.success(request, f"#{report.pk} resolved.")
    return redirect("bugreports:list")


@require_POST
@_role_required(ADMINISTRATOR)
def bug_report_delete(request, pk: int):
    report = get_object_or_404(BugReport, pk=pk)
    services.bug_report_delete(report=report, user=request.user)
    messages.success(request, f"Report #{pk} deleted (kept in the audit history).")
    return redirect("bugreports:list")
