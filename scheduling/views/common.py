"""Scheduling pages: the permission decorators and small helpers every page module uses."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from project.permissions import permission_required_page

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
