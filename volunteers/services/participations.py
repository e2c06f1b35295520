"""Volunteers services: participations (record, attendance), an event's registered/attended
counts and a volunteer's figures (one rule, every write path calls it), and deletes that keep
them right."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

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


def volunteer_stats_refresh(*, volunteer_ids: Iterable[int]) -> None:
    """Recompute the denormalised attendance figures from participation history: per chunk, one
    UPDATE whose values are aggregates over the volunteer's attended participations (no row-by-row
    ORM work; the sync refreshes tens of thousands of volunteers this way)."""
    ids = sorted(set(volunteer_ids))
    attended = (
        VolunteerParticipation.objects.filter(volunteer_id=OuterRef("pk"), status=ParticipationStatus.ATTENDED)
        .order_by()
        .values("volunteer_id")
    )

    def aggregate(expression):
        return Subquery(attended.annotate(value=expression).values("value"))

    for start in range(0, len(ids), COUNT_CHUNK):
        Volunteer.objects.filter(pk__in=ids[start : start + COUNT_CHUNK]).update(
            times_volunteered=Coalesce(aggregate(Count("pk")), 0) + F("additional_volunteer_count"),
            first_volunteered_on=aggregate(Min(TruncDate("event__start"))),
            last_volunteered_on=aggregate(Max(TruncDate("event__start"))),
        )


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
# Events are recounted in chunks: one SELECT (which are wrong) and one UPDATE per chunk.
COUNT_CHUNK = 500


def _participation_counts(model, *, prefix: str) -> dict[str, Coalesce]:
    """The counting rule as SQL: registered = participations not cancelled, attended = attended
    (so attended ⊆ registered, as the event's check constraint wants)."""
    # The status test is inside the COUNT, not the WHERE: the WHERE stays "this event", so the
    # database looks the rows up by event instead of scanning by status.
    rows = model.objects.filter(event_id=OuterRef("pk")).order_by().values("event_id")

    def count(condition: Q) -> Coalesce:
        return Coalesce(Subquery(rows.annotate(n=Count("pk", filter=condition)).values("n")), 0)

    return {
        f"registered_{prefix}count": count(~Q(status=ParticipationStatus.CANCELLED)),
        f"attended_{prefix}count": count(Q(status=ParticipationStatus.ATTENDED)),
    }


def event_counts_refresh(*, event_ids: Iterable[int], students: bool = False) -> int:
    """The one place that sets an event's registered/attended counts from its participations.

    Volunteer counts always; student counts too with `students=True` (the Salesforce sync and the
    admin, the writers of student participations; elsewhere typed student figures are kept).
    Set-based: per chunk of events, one query finds the events whose counts are wrong and one
    UPDATE recounts them. Returns how many events changed."""
    counts = _participation_counts(VolunteerParticipation, prefix="")
    if students:
        counts |= _participation_counts(StudentParticipation, prefix="student_")
    wrong = reduce(or_, (~Q(**{name: F(f"recounted_{name}")}) for name in counts))
    ids = sorted(set(event_ids))
    changed = 0
    for start in range(0, len(ids), COUNT_CHUNK):
        stale = list(
            Event.objects.filter(pk__in=ids[start : start + COUNT_CHUNK])
            .annotate(**{f"recounted_{name}": expression for name, expression in counts.items()})
            .filter(wrong)
            .values_list("pk", flat=True)
        )
        if stale:
            # One statement that recounts as it writes, so it needs no lock and no transaction.
            changed += Event.objects.filter(pk__in=stale).update(**counts, updated_at=timezone.now())
    return changed


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
    volunteers = sorted(set(volunteer_ids))
    for start in range(0, len(volunteers), COUNT_CHUNK):
        with transaction.atomic():
            volunteer_stats_refresh(volunteer_ids=volunteers[start : start + COUNT_CHUNK])
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
