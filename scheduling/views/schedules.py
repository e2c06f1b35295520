"""Scheduling pages: manual scheduling (find someone, schedule, change an event's type,
reschedule, reassign, swap, unschedule). Services do the work; their errors land on the form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import runs, services
from ..forms import AssignForm, EventTypeForm, ReassignForm, RescheduleForm, SwapForm
from ..models import Event, Schedule
from ..selectors import employees_available_for
from .common import CHANGE, _form_errors, _notes, can_change, can_view


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
