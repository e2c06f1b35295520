"""Scheduling pages: employees (list, page, weekly availability, edit, Crossmark rep import),
the Crossmark login, rotations, holidays and the settings page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from integrations.base import IntegrationError
from project.permissions import permission_require, permission_required_page

from .. import services
from ..forms import CrossmarkLoginForm, EmployeeForm, HolidayForm, RotationsForm, SettingsForm, TimeOffForm
from ..models import CompanyHoliday, CrossmarkAccount, Employee, JobTitle, RotationAssignment, RotationException
from ..reps import reps_import, reps_review
from ..selectors import employee_detail, employees_with_counts, schedule_list, scheduling_settings_get
from .common import CHANGE, _form_errors, can_change, can_view


# --------------------------------------------------------------------------- people
@can_view
def employee_list(request):
    return render(request, "scheduling/employees.html", {"employees": employees_with_counts()})


@can_view
def employee_page(request, pk: int):
    try:
        employee = employee_detail(pk)
    except Employee.DoesNotExist:
        raise Http404 from None
    form = TimeOffForm(request.POST or None)
    if request.method == "POST":
        permission_require(request.user, "scheduling.add_timeoff")
        if form.is_valid():
            try:
                services.time_off_create(employee=employee, **form.cleaned_data)
                messages.success(request, "Time off recorded.")
                return redirect("scheduling:employee", pk=pk)
            except ValidationError as exc:
                _form_errors(form, exc)
    try:
        weekly = employee.weekly_availability.as_tuple()
    except Employee.weekly_availability.RelatedObjectDoesNotExist:
        weekly = (True,) * 7
    today = timezone.localdate()
    return render(
        request,
        "scheduling/employee.html",
        {
            "employee": employee,
            "form": form,
            "upcoming": schedule_list(start=today, end=today + timedelta(days=13), employee_id=pk),
            "weekly": list(zip(RotationsForm.DAYS, weekly, strict=True)),
            "today": today,
            "can_change": request.user.has_perm(CHANGE),
        },
    )


@can_change
@require_POST
def employee_weekly(request, pk: int):
    employee = get_object_or_404(Employee, pk=pk)
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    services.weekly_availability_set(employee=employee, days={d: d in request.POST for d in days})
    messages.success(request, "Weekly availability saved.")
    return redirect("scheduling:employee", pk=pk)


@can_change
def employee_edit(request, pk: int | None = None):
    employee = get_object_or_404(Employee, pk=pk) if pk else Employee()
    form = EmployeeForm(request.POST or None, instance=employee)
    if request.method == "POST" and form.is_valid():
        employee = services.employee_save(employee=form.save(commit=False))
        messages.success(request, f"{employee.name} saved.")
        return redirect("scheduling:employee", pk=employee.pk)
    return render(request, "scheduling/form_page.html", {"form": form, "title": employee.name or "New employee"})


@permission_required_page("scheduling.add_employee")
def employee_import(request):
    """Crossmark reps: new ones listed for selection; name-only look-alikes listed to resolve."""
    try:
        client = services.clients.crossmark_for_user(request.user)
        if request.method == "POST":
            links = {
                key.removeprefix("link_"): int(value)
                for key, value in request.POST.items()
                if key.startswith("link_") and value.isdigit()
            }
            result = reps_import(
                client=client,
                rep_ids=request.POST.getlist("rep_id"),
                job_title=request.POST.get("job_title") or JobTitle.EVENT_SPECIALIST,
                links=links,
            )
            messages.success(
                request,
                f"{len(result.created)} employee(s) imported, {len(result.linked)} linked to their rep, "
                f"{len(result.recased)} name(s) given Crossmark's casing.",
            )
            return redirect("scheduling:employees")
        review = reps_review(client=client)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scheduling:employees")
    except IntegrationError as exc:
        messages.error(request, f"Crossmark: {exc}")
        return redirect("scheduling:employees")
    return render(request, "scheduling/employee_import.html", {"review": review, "titles": JobTitle.choices})


@can_change
def crossmark_login(request):
    """Each coordinator's own Crossmark login: actions in Crossmark are theirs, never shared."""
    form = CrossmarkLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.crossmark_account_set(user=request.user, **form.cleaned_data)
        messages.success(request, "Your Crossmark login is saved (encrypted).")
        return redirect("scheduling:index")
    account = CrossmarkAccount.objects.filter(user=request.user).first()
    return render(
        request,
        "scheduling/form_page.html",
        {
            "form": form,
            "title": "My Crossmark login",
            "intro": f"Saved for {account.username}." if account else "Not set up yet.",
        },
    )


@can_view
def rotations(request):
    current = {(r.rotation_type, r.weekday): r.employee_id for r in RotationAssignment.objects.all()}
    form = RotationsForm(request.POST or None, current=current)
    if request.method == "POST":
        permission_require(request.user, "scheduling.change_rotationassignment")
        if form.is_valid():
            try:
                services.rotations_set(assignments=form.assignments())
                messages.success(request, "Rotations saved.")
                return redirect("scheduling:rotations")
            except ValidationError as exc:
                form.add_error(None, exc.messages)
    exceptions = (
        RotationException.objects.select_related("employee").filter(date__gte=timezone.localdate()).order_by("date")
    )
    return render(request, "scheduling/rotations.html", {"form": form, "exceptions": exceptions})


@can_view
def holidays(request):
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        permission_require(request.user, "scheduling.add_companyholiday")
        if form.is_valid():
            services.holiday_save(holiday=form.save(commit=False))
            messages.success(request, "Holiday saved.")
            return redirect("scheduling:holidays")
    return render(
        request, "scheduling/holidays.html", {"form": form, "holidays": CompanyHoliday.objects.order_by("date")}
    )


@permission_required_page("scheduling.change_schedulingsettings")
def settings_page(request):
    row = scheduling_settings_get()
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(**form.settings_changes())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("scheduling:settings")
    return render(request, "scheduling/form_page.html", {"form": form, "title": "Scheduling settings"})
