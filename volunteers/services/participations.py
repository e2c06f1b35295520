"""Volunteers services: participations (record, attendance), an event's registered/attended
counts and a volunteer's figures (one rule, every write path calls it), and deletes that keep
them right."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from project.sql import any_differs, array_literal

from .. import rules
from ..models import (
    ContactAddress,
    Event,
    EventFormat,
    EventStatus,
    ParticipationStatus,
    Student,
    StudentParticipation,
    Volunteer,
    VolunteerParticipation,
)

# Events and volunteers are refreshed in chunks of this many ids: one UPDATE per chunk.
COUNT_CHUNK = 5000


def volunteer_local_status_refresh(*, volunteer: Volunteer) -> str:
    attended_in_person = VolunteerParticipation.objects.filter(
        volunteer=volunteer, status=ParticipationStatus.ATTENDED, event__format=EventFormat.IN_PERSON
    ).exists()
    codes = list(
        ContactAddress.objects.filter(contact_id=volunteer.pk)
        .order_by("-is_primary", "id")
        .values_list("postal_code", flat=True)
    )
    status = rules.local_status_compute(attended_in_person=attended_in_person, postal_codes=codes)
    if status != volunteer.local_status:
        volunteer.local_status = status
        volunteer.local_status_updated_at = timezone.now()
        volunteer.save(update_fields=["local_status", "local_status_updated_at", "updated_at"])
    return status


def _ids_table(ids: list[int]) -> tuple[str, list]:
    """The ids as a one-column table `w(id)` from one bound value, whatever their number: an array
    on PostgreSQL, a JSON list on SQLite (json_each)."""
    if connection.vendor == "postgresql":  # an array literal: cheaper to send than a list of ints
        return "unnest(%s::bigint[]) AS w(id)", [array_literal(ids)]
    return "(SELECT value AS id FROM json_each(%s)) AS w", [json.dumps(ids)]


def volunteer_stats_refresh(*, volunteer_ids: Iterable[int]) -> int:
    """Recompute the denormalised attendance figures from participation history, set-based: per
    chunk, one `UPDATE … FROM (SELECT … GROUP BY volunteer)` over the given volunteers that writes
    only the rows whose figures changed (returns how many). times volunteered = attended
    participations + the typed-in additional count; first/last volunteered on = the date, in the
    project's time zone (settings.TIME_ZONE), of the earliest/latest attended event's start."""
    ids = sorted(set(volunteer_ids))
    q = connection.ops.quote_name
    volunteer, participation, event = Volunteer._meta, VolunteerParticipation._meta, Event._meta
    target = q(volunteer.db_table)
    # The date is taken of the aggregate (the earliest start's date is the earliest date): one
    # conversion per volunteer, not per participation.
    first_sql, first_params = connection.ops.datetime_cast_date_sql("MIN(e.start)", (), settings.TIME_ZONE)
    last_sql, last_params = connection.ops.datetime_cast_date_sql("MAX(e.start)", (), settings.TIME_ZONE)
    times = f"{target}.additional_volunteer_count + s.n"
    changed = any_differs(
        [
            (f"{target}.times_volunteered", times),
            (f"{target}.first_volunteered_on", "s.first_on"),
            (f"{target}.last_volunteered_on", "s.last_on"),
        ]
    )
    updated = 0
    for start in range(0, len(ids), COUNT_CHUNK):
        source, source_params = _ids_table(ids[start : start + COUNT_CHUNK])
        with connection.cursor() as cursor:
            # Bandit B608: table and column names come from model metadata, values are bound parameters.
            cursor.execute(
                f"UPDATE {target} SET times_volunteered = {times}, "  # noqa: S608 - model metadata only # nosec B608
                "first_volunteered_on = s.first_on, last_volunteered_on = s.last_on "
                f"FROM (SELECT w.id AS id, COUNT(p.id) AS n, {first_sql} AS first_on, {last_sql} AS last_on "
                f"FROM {source} LEFT JOIN {q(participation.db_table)} p ON p.volunteer_id = w.id AND p.status = %s "
                f"LEFT JOIN {q(event.db_table)} e ON e.id = p.event_id GROUP BY w.id) AS s "
                f"WHERE {target}.{q(volunteer.pk.column)} = s.id AND ({changed})",
                [*first_params, *last_params, *source_params, ParticipationStatus.ATTENDED],
            )
            updated += cursor.rowcount
    return updated


# --------------------------------------------------------------------------- participations
@transaction.atomic
def participation_record(
    *,
    event: Event,
    volunteer: Volunteer,
    status: str | None = None,
    status_source: str = "",
    delivery_hours: Decimal | None = None,
    role: str = "",
) -> VolunteerParticipation:
    """Create or update a volunteer's participation. A raw source status is kept as given and
    mapped to the enum; an explicit `status` wins."""
    resolved = status or rules.participation_status_from_source(status_source)
    if resolved not in ParticipationStatus.values:
        raise ValidationError({"status": f"Unknown participation status “{resolved}”."})
    if event.status == EventStatus.CANCELLED and resolved == ParticipationStatus.ATTENDED:
        raise ValidationError({"status": "Nobody can attend a cancelled event."})
    participation = VolunteerParticipation.objects.filter(
        event=event, volunteer=volunteer
    ).first() or VolunteerParticipation(event=event, volunteer=volunteer)
    participation.status = resolved
    participation.status_source = status_source or participation.status_source
    if delivery_hours is not None:
        participation.delivery_hours = delivery_hours
    elif resolved == ParticipationStatus.ATTENDED and participation.delivery_hours is None and event.duration_minutes:
        participation.delivery_hours = (Decimal(event.duration_minutes) / 60).quantize(Decimal("0.01"))
    participation.role = role or participation.role
    participation.full_clean()
    participation.save()
    event_counts_refresh(event_ids=[event.pk])
    volunteer_stats_refresh(volunteer_ids=[volunteer.pk])
    return participation


@transaction.atomic
def attendance_mark(*, event: Event, marks: dict[int, str], user=None) -> int:
    """Set attendance for participations of `event` (participation id -> status)."""
    if event.status in (EventStatus.CANCELLED, EventStatus.DRAFT):
        raise ValidationError({"event": f"Attendance cannot be taken on a {event.get_status_display()} event."})
    allowed = {
        ParticipationStatus.ATTENDED,
        ParticipationStatus.NO_SHOW,
        ParticipationStatus.REGISTERED,
        ParticipationStatus.CANCELLED,
    }
    bad = {pid: s for pid, s in marks.items() if s not in allowed}
    if bad:
        raise ValidationError({"marks": f"Unknown statuses: {sorted(set(bad.values()))}."})
    participations = {p.pk: p for p in event.volunteer_participations.filter(pk__in=list(marks))}
    missing = set(marks) - set(participations)
    if missing:
        raise ValidationError({"marks": f"Participations not on this event: {sorted(missing)}."})
    changed = []
    for pid, status in marks.items():
        p = participations[pid]
        if p.status != status:
            p.status = status
            if status == ParticipationStatus.ATTENDED and p.delivery_hours is None and event.duration_minutes:
                p.delivery_hours = (Decimal(event.duration_minutes) / 60).quantize(Decimal("0.01"))
            p.save(update_fields=["status", "delivery_hours", "updated_at"])
            changed.append(p)
    if changed:
        event_counts_refresh(event_ids=[event.pk])
        volunteer_stats_refresh(volunteer_ids=[p.volunteer_id for p in changed])
    return len(changed)


# --------------------------------------------------------------------------- event counts
def _counts_select(model, source: str) -> tuple[str, list]:
    """Per event of `source`, its participations of `model` counted by the rule: registered =
    not cancelled, attended = attended (so attended ⊆ registered, as the event's check wants)."""
    table = connection.ops.quote_name(model._meta.db_table)
    return (
        "SELECT w.id AS id, COUNT(CASE WHEN p.status <> %s THEN 1 END) AS registered, "  # noqa: S608 - model metadata only # nosec B608
        f"COUNT(CASE WHEN p.status = %s THEN 1 END) AS attended FROM {source} "
        f"LEFT JOIN {table} p ON p.event_id = w.id GROUP BY w.id"
    ), [ParticipationStatus.CANCELLED, ParticipationStatus.ATTENDED]


def event_counts_refresh(*, event_ids: Iterable[int], students: bool = False) -> int:
    """The one place that sets an event's registered/attended counts from its participations.

    Volunteer counts always; student counts too with `students=True` (the Salesforce sync and the
    admin, the writers of student participations; elsewhere typed student figures are kept).
    Set-based: per chunk of events, one `UPDATE … FROM (SELECT … GROUP BY event)` that writes only
    the events whose counts are wrong. Returns how many events changed."""
    ids = sorted(set(event_ids))
    q = connection.ops.quote_name
    target = q(Event._meta.db_table)
    columns = [("registered_count", "v.registered"), ("attended_count", "v.attended")]
    if students:
        columns += [("registered_student_count", "st.registered"), ("attended_student_count", "st.attended")]
    changed = any_differs([(f"{target}.{column}", value) for column, value in columns])
    setters = ", ".join(f"{column} = {value}" for column, value in columns)
    changed_count = 0
    for start in range(0, len(ids), COUNT_CHUNK):
        chunk = ids[start : start + COUNT_CHUNK]
        source, source_params = _ids_table(chunk)
        volunteers_sql, volunteers_params = _counts_select(VolunteerParticipation, source)
        counted = f"({volunteers_sql}) AS v"
        params = [connection.ops.adapt_datetimefield_value(timezone.now()), *volunteers_params, *source_params]
        if students:
            students_source, students_source_params = _ids_table(chunk)
            students_sql, students_params = _counts_select(StudentParticipation, students_source)
            counted += f" JOIN ({students_sql}) AS st ON st.id = v.id"
            params += [*students_params, *students_source_params]
        with connection.cursor() as cursor:
            # Bandit B608: table and column names come from model metadata, values are bound parameters.
            cursor.execute(
                f"UPDATE {target} SET {setters}, updated_at = %s FROM {counted} "  # noqa: S608 - model metadata only # nosec B608
                f"WHERE {target}.id = v.id AND ({changed})",
                params,
            )
            changed_count += cursor.rowcount
    return changed_count


def event_counts_recount() -> int:
    """Nightly safety net: recount every event that has participations; returns how many events
    had drifted (and are now right). Events without participations keep their typed counts."""
    volunteer_events = set(VolunteerParticipation.objects.values_list("event_id", flat=True).distinct())
    student_events = set(StudentParticipation.objects.values_list("event_id", flat=True).distinct())
    return event_counts_refresh(event_ids=volunteer_events - student_events) + event_counts_refresh(
        event_ids=student_events, students=True
    )


def participation_figures_refresh(
    *, volunteer_ids: Iterable[int] = (), event_ids: Iterable[int] = (), students: bool = False
) -> None:
    """After participations changed in bulk (sync, admin): the volunteers' attendance figures and
    the events' counts."""
    volunteer_stats_refresh(volunteer_ids=volunteer_ids)
    event_counts_refresh(event_ids=event_ids, students=students)


@transaction.atomic
def participations_delete(*, queryset: QuerySet) -> int:
    """Delete volunteer or student participations and put the figures they fed right."""
    students = queryset.model is StudentParticipation
    event_ids = set(queryset.values_list("event_id", flat=True))
    volunteer_ids = () if students else set(queryset.values_list("volunteer_id", flat=True))
    _, per_model = queryset.delete()
    participation_figures_refresh(volunteer_ids=volunteer_ids, event_ids=event_ids, students=students)
    return per_model.get(queryset.model._meta.label, 0)


@transaction.atomic
def volunteers_delete(*, volunteer_ids: Iterable[int]) -> int:
    """Delete volunteers (their participations go with them) and recount their events."""
    ids = list(volunteer_ids)
    event_ids = set(VolunteerParticipation.objects.filter(volunteer_id__in=ids).values_list("event_id", flat=True))
    _, per_model = Volunteer.objects.filter(pk__in=ids).delete()
    event_counts_refresh(event_ids=event_ids)
    return per_model.get(Volunteer._meta.label, 0)


@transaction.atomic
def students_delete(*, student_ids: Iterable[int]) -> int:
    """Delete students (their participations go with them) and recount their events."""
    ids = list(student_ids)
    event_ids = set(StudentParticipation.objects.filter(student_id__in=ids).values_list("event_id", flat=True))
    _, per_model = Student.objects.filter(pk__in=ids).delete()
    event_counts_refresh(event_ids=event_ids, students=True)
    return per_model.get(Student._meta.label, 0)
