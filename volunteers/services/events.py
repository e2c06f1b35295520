"""Volunteers services: events (create, update, status changes), checked by `rules`."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .. import rules
from ..models import Event, EventStatus

# Sent with `event=` inside the transaction of every `event_update` (status, date and format
# included): what is derived from an event elsewhere (the teacher programme's stored progress
# counts) listens here instead of this module importing it.
event_changed = Signal()


# --------------------------------------------------------------------------- events
def _event_rule_errors(event: Event, *, previous_status: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if (
        previous_status is not None
        and previous_status != event.status
        and not rules.event_transition_allowed(previous_status, event.status)
    ):
        errors["status"] = (
            f"An event cannot go from {EventStatus(previous_status).label} to {EventStatus(event.status).label}."
        )
    errors.update(
        rules.cancellation_errors(status=event.status, reason=event.cancellation_reason, notes=event.cancellation_notes)
    )
    if event.attended_count > event.registered_count:
        errors["attended_count"] = (
            f"Attended ({event.attended_count}) cannot exceed registered ({event.registered_count})."
        )
    if event.end and event.start and event.end < event.start:
        errors["end"] = "The event cannot end before it starts."
    return errors


def _event_districts_include_school(event: Event) -> None:
    if event.school_id:
        event.districts.add(event.school.district_id)


EVENT_FIELDS = {
    "title",
    "description",
    "event_type",
    "format",
    "status",
    "cancellation_reason",
    "cancellation_notes",
    "start",
    "end",
    "duration_minutes",
    "location",
    "school",
    "volunteers_needed",
    "registered_count",
    "attended_count",
    "registered_student_count",
    "attended_student_count",
    "attended_educator_count",
    "session_host",
    "registration_link",
    "salesforce_id",
}


@transaction.atomic
def event_create(*, user=None, districts: Iterable = (), skills: Iterable = (), **fields) -> Event:
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    event = Event(**fields)
    errors = _event_rule_errors(event, previous_status=None)
    if errors:
        raise ValidationError(errors)
    if event.cancellation_reason:
        event.cancellation_set_by, event.cancellation_set_at = user, timezone.now()
    event.full_clean()
    event.save()
    if districts:
        event.districts.set(districts)
    if skills:
        event.skills.set(skills)
    _event_districts_include_school(event)
    return event


@transaction.atomic
def event_update(
    *, event: Event, user=None, districts: Iterable | None = None, skills: Iterable | None = None, **fields
) -> Event:
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    current = Event.objects.select_for_update().get(pk=event.pk)
    previous_status, previous_reason = current.status, current.cancellation_reason
    for name, value in fields.items():
        setattr(event, name, value)
    if event.status != EventStatus.CANCELLED and "cancellation_reason" not in fields and previous_reason:
        # Leaving the cancelled state drops the reason (it only makes sense on cancelled events).
        event.cancellation_reason, event.cancellation_notes = "", ""
    errors = _event_rule_errors(event, previous_status=previous_status)
    if errors:
        raise ValidationError(errors)
    if event.cancellation_reason != previous_reason:
        event.cancellation_set_by = user if event.cancellation_reason else None
        event.cancellation_set_at = timezone.now() if event.cancellation_reason else None
    event.full_clean()
    event.save()
    if districts is not None:
        event.districts.set(districts)
    if skills is not None:
        event.skills.set(skills)
    _event_districts_include_school(event)
    event_changed.send(sender=Event, event=event)
    return event


def event_status_change(
    *, event: Event, status: str, user=None, cancellation_reason: str = "", cancellation_notes: str = ""
) -> Event:
    fields = {"status": status}
    if status == EventStatus.CANCELLED:
        fields.update(cancellation_reason=cancellation_reason, cancellation_notes=cancellation_notes)
    return event_update(event=event, user=user, **fields)
