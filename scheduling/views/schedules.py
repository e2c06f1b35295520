"""Pages. Reading needs the scheduling view permission (Staff and up); changing needs the
change permission (Coordinators, Administrators). Services do the work."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from integrations.base import IntegrationError
from project.dates import month_from_query, month_neighbours, month_weeks
from project.jobs import JobNotQueued, job_start
from project.models import Job
from project.permissions import permission_require, permission_required_page

from .. import paperwork, runs, services
from ..forms import (
    AssignForm,
    CrossmarkLoginForm,
    EdrCodeForm,
    EmployeeForm,
    EventTypeForm,
    HolidayForm,
    ReassignForm,
    RescheduleForm,
    RotationsForm,
    SettingsForm,
    SwapForm,
    TimeOffForm,
)
from ..models import (
    CompanyHoliday,
    CrossmarkAccount,
    Employee,
    Event,
    JobTitle,
    RotationAssignment,
    RotationException,
    Schedule,
    SyncRun,
)
from ..reps import reps_import, reps_review
from ..selectors import (
    day_verification,
    employee_detail,
    employees_available_for,
    employees_with_counts,
    local_midnight,
    schedule_list,
    schedules_on,
    scheduling_settings_get,
    sync_run_list,
    unscheduled_event_list,
)
from ..tasks import crossmark_sync_job

VIEW = "scheduling.view_event"
CHANGE = "scheduling.change_schedule"


can_view = permission_required_page(VIEW)
can_change = permission_required_page(CHANGE)


def _date(value: str) -> date:
    if value == "today":
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("Not a date") from None


def _form_errors(form, exc: ValidationError) -> None:
    """Put service errors on the form fields they name (else on the form)."""
    mapping = {"start_at": "date", "second": "other", "event": None, "crossmark": None}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = mapping.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _notes(request, outcome) -> None:
    for note in outcome.notes:
        messages.info(request, note)
    if outcome.accepted_warnings:
        messages.warning(
            request, "Warnings accepted and recorded: " + "; ".join(w["message"] for w in outcome.accepted_warnings)
        )


# --------------------------------------------------------------------------- overview and calendars
@can_view
def index(request):
    today = timezone.localdate()
    context = {
        "today": today,
        "unscheduled_count": unscheduled_event_list().count(),
        "due_soon": unscheduled_event_list().filter(due_at__lt=local_midnight(today + timedelta(days=3)))[:10],
        "today_count": schedules_on(today).count(),
        "last_sync": SyncRun.objects.order_by("-started_at").first(),
        "employees": Employee.objects.filter(is_active=True).count(),
    }
    return render(request, "scheduling/index.html", context)


@can_view
def month_view(request):
    today = timezone.localdate()
    first = month_from_query(request.GET, today=today)
    year, month = first.year, first.month
    last = date(year, month, calendar.monthrange(year, month)[1])
    scheduled = defaultdict(int)
    for start_at in schedule_list(start=first, end=last).values_list("start_at", flat=True):
        scheduled[timezone.localtime(start_at).date()] += 1
    due = defaultdict(int)
    for due_at in (
        unscheduled_event_list()
        .filter(due_at__gte=local_midnight(first), due_at__lt=local_midnight(last + timedelta(days=1)))
        .values_list("due_at", flat=True)
    ):
        due[timezone.localtime(due_at).date()] += 1
    weeks = []
    for week in month_weeks(first):
        weeks.append(
            [
                {
                    "date": d,
                    "in_month": d.month == month,
                    "scheduled": scheduled.get(d, 0),
                    "due": due.get(d, 0),
                    "today": d == today,
                }
                for d in week
            ]
        )
    previous, following = month_neighbours(first)
    return render(
        request, "scheduling/month.html", {"weeks": weeks, "first": first, "previous": previous, "following": following}
    )


@can_view
def day_view(request, day: str):
    day = _date(day)
    schedules = list(schedules_on(day))
    slots = defaultdict(list)
    for s in schedules:
        slots[timezone.localtime(s.start_at).strftime("%H:%M")].append(s)
    workers = defaultdict(list)
    for s in schedules:
        workers[s.employee].append(s)
    open_events = unscheduled_event_list().filter(
        start_at__lt=local_midnight(day + timedelta(days=1)), due_at__gt=local_midnight(day + timedelta(days=1))
    )
    checks = day_verification(day)
    return render(
        request,
        "scheduling/day.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "following": day + timedelta(days=1),
            "slots": sorted(slots.items()),
            "workers": sorted(workers.items(), key=lambda kv: kv[0].name),
            "open_events": open_events[:50],
            "issues": [i for row in checks for i in row["issues"]],
            "can_change": request.user.has_perm(CHANGE),
        },
    )


@can_view
def week_view(request, day: str | None = None):
    start = paperwork.week_start_for(_date(day) if day else timezone.localdate())
    return render(
        request,
        "scheduling/week.html",
        {
            "grid": paperwork.weekly_grid(start),
            "start": start,
            "previous": start - timedelta(days=7),
            "following": start + timedelta(days=7),
        },
    )


@can_view
def unscheduled(request):
    events = unscheduled_event_list()
    kind = request.GET.get("type")
    if kind:
        events = events.filter(event_type=kind)
    return render(request, "scheduling/unscheduled.html", {"events": events[:300], "type": kind})


@can_view
def verification(request, day: str | None = None):
    day = _date(day) if day else timezone.localdate()
    return render(
        request,
        "scheduling/verification.html",
        {
            "day": day,
            "rows": day_verification(day),
            "previous": day - timedelta(days=1),
            "following": day + timedelta(days=1),
        },
    )


# --------------------------------------------------------------------------- manual scheduling
def _suggestions_or_none(event: Event):
    try:
        return runs.event_suggestions(event=event)
    except ValidationError:
        return None


@can_view
def event_find(request, pk: int):
    """ "Find someone": the auto-scheduler's rules for this one event, day by day; one click posts
    the chosen person through the manual scheduling form (the same validated path)."""
    event = get_object_or_404(Event, pk=pk)
    try:
        suggestions = runs.event_suggestions(event=event)
    except ValidationError as exc:
        return render(
            request, "scheduling/event_find.html", {"event": event, "refused": " ".join(exc.messages)}, status=400
        )
    return render(
        request,
        "scheduling/event_find.html",
        {"event": event, "suggestions": suggestions, "can_change": request.user.has_perm(CHANGE)},
    )


@can_change
def event_schedule(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    if Schedule.objects.filter(event=event).exists():
        messages.info(request, "This event is already scheduled.")
        return redirect("scheduling:day", day=timezone.localtime(event.schedule.start_at).date().isoformat())
    default_day = max(timezone.localtime(event.start_at).date(), timezone.localdate())
    initial = {"date": default_day, "time": "09:45"}
    suggestions = _suggestions_or_none(event) if request.method == "GET" else None
    first_day = next((d for d in suggestions.days if d.options), None) if suggestions else None
    if first_day is not None:
        first = first_day.options[0]
        initial = {"date": first_day.day, "time": first.start_at.strftime("%H:%M"), "employee": first.employee_id}
    form = AssignForm(request.POST or None, initial=initial)
    if first_day is not None:
        form.available_first(
            label=f"Can take it on {first_day.day:%a %b} {first_day.day.day}",
            ids=[o.employee_id for o in first_day.options],
        )
    type_form = EventTypeForm(instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.schedule_assign(
                event=event,
                employee=form.cleaned_data["employee"],
                start_at=form.start_at(),
                user=request.user,
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except services.CrossmarkFailed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{event.name} is scheduled.")
            _notes(request, outcome)
            return redirect("scheduling:day", day=form.cleaned_data["date"].isoformat())
    return render(
        request,
        "scheduling/event_schedule.html",
        {"event": event, "form": form, "type_form": type_form, "suggestions": suggestions, "first_day": first_day},
    )


@can_change
@require_POST
def event_type_edit(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    form = EventTypeForm(request.POST, instance=Event.objects.get(pk=pk))
    if form.is_valid():
        try:
            services.event_update(event=event, **{k: form.cleaned_data[k] for k in form.changed_data})
            messages.success(request, "Event updated; later syncs keep these values.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("scheduling:event_schedule", pk=pk)


def _schedule_action(request, pk, form_class, run, template, **form_kwargs):
    schedule = get_object_or_404(Schedule.objects.select_related("event", "employee"), pk=pk)
    local = timezone.localtime(schedule.start_at)
    initial = {"date": local.date(), "time": local.time()}
    form = form_class(request.POST or None, initial=initial, **{k: v(schedule) for k, v in form_kwargs.items()})
    if request.method == "GET" and hasattr(form, "available_first"):
        available = employees_available_for(event=schedule.event, start_at=schedule.start_at)
        form.available_first(
            label=f"Can take it at {local:%a %b} {local.day} {local:%H:%M}",
            ids=[pk for pk in available if pk != schedule.employee_id],
        )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = run(schedule, form)
        except ValidationError as exc:
            _form_errors(form, exc)
        except services.CrossmarkFailed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Done: Crossmark accepted the change.")
            _notes(request, outcome)
            return redirect("scheduling:day", day=local.date().isoformat())
    return render(request, template, {"schedule": schedule, "form": form})


@can_change
def schedule_reschedule(request, pk: int):
    return _schedule_action(
        request,
        pk,
        RescheduleForm,
        lambda s, f: services.schedule_reschedule(
            schedule=s, start_at=f.start_at(), user=request.user, override_reason=f.cleaned_data["override_reason"]
        ),
        "scheduling/schedule_action.html",
    )


@can_change
def schedule_reassign(request, pk: int):
    return _schedule_action(
        request,
        pk,
        ReassignForm,
        lambda s, f: services.schedule_reassign(
            schedule=s,
            employee=f.cleaned_data["employee"],
            user=request.user,
            override_reason=f.cleaned_data["override_reason"],
        ),
        "scheduling/schedule_action.html",
    )


@can_change
def schedule_swap(request, pk: int):
    return _schedule_action(
        request,
        pk,
        SwapForm,
        lambda s, f: services.schedule_swap_cores(
            first=s,
            second=f.cleaned_data["other"],
            user=request.user,
            override_reason=f.cleaned_data["override_reason"],
        ),
        "scheduling/schedule_action.html",
        schedule=lambda s: s,
    )


@can_change
@require_POST
def schedule_unschedule(request, pk: int):
    schedule = get_object_or_404(Schedule.objects.select_related("event", "employee"), pk=pk)
    day = timezone.localtime(schedule.start_at).date()
    try:
        events = services.schedule_unschedule(schedule=schedule, user=request.user)
        messages.success(request, "Unscheduled: " + ", ".join(e.name for e in events))
    except (ValidationError, services.CrossmarkFailed) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect("scheduling:day", day=day.isoformat())


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
