"""Writes for the volunteers domain. Keyword-only, typed, atomic; rules come from `rules`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.forms.models import model_to_dict
from django.utils import timezone

from project.phones import InvalidPhone, phone_to_e164

from .. import rules
from ..models import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    Event,
    EventFormat,
    EventStatus,
    Organization,
    ParticipationStatus,
    RecruitmentNote,
    Skill,
    Student,
    StudentParticipation,
    Volunteer,
    VolunteerMerge,
    VolunteerParticipation,
    VolunteerSkill,
)


# --------------------------------------------------------------------------- contact details
def normalize_email(raw: str | None) -> str:
    """Lower-cased address; blanks and the string "None" are rejected, never stored."""
    value = (raw or "").strip()
    if not value or value.lower() in {"none", "null", "n/a"}:
        raise ValidationError({"email": "Enter an email address."})
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({"email": f"“{value}” is not a valid email address."}) from exc
    return value.lower()


def normalize_phone(raw: str | None) -> str:
    """E.164 through the platform's one phone rule; a blank or invalid number names the field."""
    try:
        number = phone_to_e164(raw)
    except InvalidPhone as exc:
        raise ValidationError({"number": str(exc)}) from exc
    if not number:
        raise ValidationError({"number": "Enter a phone number."})
    return number


def _add_detail(model, *, contact: Contact, make_primary: bool, **fields):
    siblings = model.objects.filter(contact=contact)
    # The first detail of a kind becomes primary, so a contact with details always has one.
    primary = make_primary or not siblings.exists()
    if primary:
        siblings.filter(is_primary=True).update(is_primary=False)
    detail = model(contact=contact, is_primary=primary, **fields)
    detail.full_clean()
    detail.save()
    return detail


@transaction.atomic
def contact_email_add(
    *, contact: Contact, email: str, kind: str = ContactEmail.Kind.PERSONAL, make_primary: bool = False
) -> ContactEmail:
    address = normalize_email(email)
    if ContactEmail.objects.filter(contact=contact, email=address).exists():
        raise ValidationError({"email": f"{address} is already on this contact."})
    return _add_detail(ContactEmail, contact=contact, make_primary=make_primary, email=address, kind=kind)


@transaction.atomic
def contact_phone_add(
    *, contact: Contact, number: str, kind: str = ContactPhone.Kind.PERSONAL, make_primary: bool = False
) -> ContactPhone:
    normalized = normalize_phone(number)
    if ContactPhone.objects.filter(contact=contact, number=normalized).exists():
        raise ValidationError({"number": f"{normalized} is already on this contact."})
    return _add_detail(ContactPhone, contact=contact, make_primary=make_primary, number=normalized, kind=kind)


@transaction.atomic
def contact_address_add(
    *,
    contact: Contact,
    street: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    kind: str = ContactAddress.Kind.PERSONAL,
    make_primary: bool = False,
) -> ContactAddress:
    address = _add_detail(
        ContactAddress,
        contact=contact,
        make_primary=make_primary,
        street=street,
        city=city,
        state=state,
        postal_code=postal_code.strip(),
        kind=kind,
    )
    if contact.kind == Contact.Kind.VOLUNTEER:
        volunteer_local_status_refresh(volunteer=Volunteer.objects.get(pk=contact.pk))
    return address


@transaction.atomic
def contact_detail_make_primary(*, detail: ContactEmail | ContactPhone | ContactAddress) -> None:
    type(detail).objects.filter(contact_id=detail.contact_id, is_primary=True).exclude(pk=detail.pk).update(
        is_primary=False
    )
    detail.is_primary = True
    detail.save(update_fields=["is_primary", "updated_at"])


# --------------------------------------------------------------------------- volunteers
@transaction.atomic
def volunteer_create(
    *,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    organization: Organization | None = None,
    skills: Iterable[str] = (),
    postal_code: str = "",
    **fields,
) -> Volunteer:
    volunteer = Volunteer(first_name=first_name.strip(), last_name=last_name.strip(), **fields)
    volunteer.full_clean()
    volunteer.save()
    if email:
        contact_email_add(contact=volunteer, email=email)
    if phone:
        contact_phone_add(contact=volunteer, number=phone)
    if organization is not None:
        affiliation_set(volunteer=volunteer, organization=organization, is_primary=True)
    for name in skills:
        volunteer_skill_add(volunteer=volunteer, name=name)
    if postal_code:
        contact_address_add(contact=volunteer, postal_code=postal_code)
    return volunteer


def skill_get_or_create(*, name: str) -> Skill:
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"skills": "A skill needs a name."})
    skill = Skill.objects.filter(name__iexact=clean).first()
    return skill or Skill.objects.create(name=clean)


@transaction.atomic
def volunteer_skill_add(
    *, volunteer: Volunteer, name: str, source: str = VolunteerSkill.Source.MANUAL
) -> VolunteerSkill:
    skill = skill_get_or_create(name=name)
    link, _ = VolunteerSkill.objects.get_or_create(volunteer=volunteer, skill=skill, defaults={"source": source})
    return link


@transaction.atomic
def affiliation_set(
    *,
    volunteer: Volunteer,
    organization: Organization,
    role: str = "",
    is_primary: bool = False,
    status: str = Affiliation.Status.CURRENT,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Affiliation:
    if is_primary:
        Affiliation.objects.filter(volunteer=volunteer, is_primary=True).exclude(organization=organization).update(
            is_primary=False
        )
    affiliation = Affiliation.objects.filter(volunteer=volunteer, organization=organization).first() or Affiliation(
        volunteer=volunteer, organization=organization
    )
    affiliation.role, affiliation.is_primary, affiliation.status = role, is_primary, status
    affiliation.start_date, affiliation.end_date = start_date, end_date
    affiliation.full_clean()
    affiliation.save()
    return affiliation


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


@transaction.atomic
def volunteers_exclude_from_reports(*, volunteer_ids: Iterable[int], exclude: bool = True) -> int:
    count = 0
    for volunteer in Volunteer.objects.filter(pk__in=list(volunteer_ids)).exclude(exclude_from_reports=exclude):
        volunteer.exclude_from_reports = exclude
        volunteer.save(update_fields=["exclude_from_reports", "updated_at"])  # keeps the history trail
        count += 1
    return count


@transaction.atomic
def volunteers_merge(*, survivor: Volunteer, duplicate: Volunteer, user=None) -> VolunteerMerge:
    """Move the duplicate's participations, affiliations, skills, details and history to the
    survivor, delete the duplicate and keep an audit record of what it was and what moved."""
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": "A volunteer cannot be merged into itself."})
    moved = {
        "participations": 0,
        "affiliations": 0,
        "skills": 0,
        "emails": 0,
        "phones": 0,
        "addresses": 0,
        "history": 0,
        "recruitment_notes": 0,
    }

    survivor_events = set(survivor.participations.values_list("event_id", flat=True))
    shared_events = survivor_events & set(duplicate.participations.values_list("event_id", flat=True))
    rank = {ParticipationStatus.ATTENDED: 3, ParticipationStatus.REGISTERED: 2, ParticipationStatus.NO_SHOW: 1}
    for participation in duplicate.participations.all():
        if participation.event_id in survivor_events:
            # Both signed up for the same event: keep the stronger status (Attended wins).
            kept = survivor.participations.get(event_id=participation.event_id)
            if rank.get(participation.status, 0) > rank.get(kept.status, 0):
                kept.status, kept.status_source = participation.status, participation.status_source
                kept.delivery_hours = participation.delivery_hours
                kept.save()
            participation.delete()
        else:
            participation.volunteer = survivor
            participation.save(update_fields=["volunteer", "updated_at"])
            moved["participations"] += 1

    survivor_orgs = set(survivor.affiliations.values_list("organization_id", flat=True))
    survivor_has_primary = survivor.affiliations.filter(is_primary=True).exists()
    for affiliation in duplicate.affiliations.all():
        if affiliation.organization_id in survivor_orgs:
            affiliation.delete()
            continue
        affiliation.volunteer = survivor
        if affiliation.is_primary and survivor_has_primary:
            affiliation.is_primary = False
        affiliation.save()
        moved["affiliations"] += 1

    survivor_skills = set(survivor.volunteer_skills.values_list("skill_id", flat=True))
    for link in duplicate.volunteer_skills.all():
        if link.skill_id in survivor_skills:
            link.delete()
        else:
            link.volunteer = survivor
            link.save()
            moved["skills"] += 1

    for model, key, value_field in (
        (ContactEmail, "emails", "email"),
        (ContactPhone, "phones", "number"),
        (ContactAddress, "addresses", None),
    ):
        existing = (
            set(model.objects.filter(contact_id=survivor.pk).values_list(value_field, flat=True))
            if value_field
            else set()
        )
        has_primary = model.objects.filter(contact_id=survivor.pk, is_primary=True).exists()
        for detail in model.objects.filter(contact_id=duplicate.pk):
            if value_field and getattr(detail, value_field) in existing:
                detail.delete()
                continue
            detail.contact_id = survivor.pk
            detail.is_primary = detail.is_primary and not has_primary
            has_primary = has_primary or detail.is_primary
            detail.save()
            moved[key] += 1

    moved["history"] = ContactHistory.all_objects.filter(contact_id=duplicate.pk).update(contact_id=survivor.pk)
    moved["recruitment_notes"] = RecruitmentNote.objects.filter(volunteer=duplicate).update(volunteer=survivor)

    snapshot = model_to_dict(duplicate, exclude=["skills", "organizations"])
    snapshot = {
        k: (str(v) if v is not None and not isinstance(v, bool | int | str) else v) for k, v in snapshot.items()
    }
    if not survivor.salesforce_id and duplicate.salesforce_id:
        # The survivor inherits the Salesforce identity so the next sync updates it.
        sf_id = duplicate.salesforce_id
        Contact.objects.filter(pk=duplicate.pk).update(salesforce_id=None)
        survivor.salesforce_id = sf_id
        survivor.save(update_fields=["salesforce_id", "updated_at"])
    record = VolunteerMerge.objects.create(
        survivor=survivor,
        merged_contact_id=duplicate.pk,
        merged_name=duplicate.full_name,
        merged_salesforce_id=duplicate.salesforce_id or snapshot.get("salesforce_id") or "",
        snapshot=snapshot,
        moved=moved,
        merged_by=user,
    )
    ContactHistory.objects.create(
        contact=survivor,
        kind=ContactHistory.Kind.SYSTEM,
        subject="Merged duplicate",
        body=f"Merged {duplicate.full_name} (#{duplicate.pk}) into this volunteer.",
        occurred_at=timezone.now(),
        author=user,
    )
    duplicate.delete()
    event_counts_refresh(event_ids=shared_events)  # one of two sign-ups to the same event went
    volunteer_stats_refresh(volunteer_ids=[survivor.pk])
    volunteer_local_status_refresh(volunteer=survivor)
    return record


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
    return event


def event_status_change(
    *, event: Event, status: str, user=None, cancellation_reason: str = "", cancellation_notes: str = ""
) -> Event:
    fields = {"status": status}
    if status == EventStatus.CANCELLED:
        fields.update(cancellation_reason=cancellation_reason, cancellation_notes=cancellation_notes)
    return event_update(event=event, user=user, **fields)


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


# --------------------------------------------------------------------------- history and notes
@transaction.atomic
def history_note_add(
    *, contact: Contact, body: str, subject: str = "", user=None, kind: str = ContactHistory.Kind.NOTE
) -> ContactHistory:
    if not body.strip():
        raise ValidationError({"body": "Write something in the note."})
    entry = ContactHistory(
        contact=contact, kind=kind, subject=subject, body=body.strip(), author=user, occurred_at=timezone.now()
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def recruitment_note_add(
    *,
    volunteer: Volunteer,
    note: str,
    outcome: str = RecruitmentNote.Outcome.NO_OUTCOME,
    event: Event | None = None,
    user=None,
) -> RecruitmentNote:
    if not note.strip():
        raise ValidationError({"note": "Write something in the note."})
    record = RecruitmentNote(volunteer=volunteer, note=note.strip(), outcome=outcome, event=event, author=user)
    record.full_clean()
    record.save()
    return record


VOLUNTEER_EDITABLE_FIELDS = {
    "salutation",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "birthdate",
    "gender",
    "do_not_call",
    "do_not_contact",
    "email_opt_out",
    "exclude_from_reports",
    "notes",
    "title",
    "department",
    "industry",
    "education",
    "status",
    "interests",
    "additional_volunteer_count",
    "salesforce_id",
}


@transaction.atomic
def volunteer_update(*, volunteer: Volunteer, **fields) -> Volunteer:
    unknown = set(fields) - VOLUNTEER_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    recount = "additional_volunteer_count" in fields
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.full_clean()
    volunteer.save()
    if recount:
        volunteer_stats_refresh(volunteer_ids=[volunteer.pk])
        volunteer.refresh_from_db()
    return volunteer
