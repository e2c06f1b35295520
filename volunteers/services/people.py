"""Volunteers services: volunteers (create, update, local status, report exclusion, merge),
skills, affiliations, history and recruitment notes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from ..models import (
    Affiliation,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactHistory,
    ContactPhone,
    Event,
    Organization,
    ParticipationStatus,
    RecruitmentNote,
    Skill,
    Volunteer,
    VolunteerMerge,
    VolunteerSkill,
)
from ..search import search_text_refresh
from .contacts import contact_address_add, contact_email_add, contact_phone_add
from .participations import event_counts_refresh, volunteer_local_status_refresh, volunteer_stats_refresh


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
    search_text_refresh([volunteer.pk])
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
    link, created = VolunteerSkill.objects.get_or_create(volunteer=volunteer, skill=skill, defaults={"source": source})
    if created:
        search_text_refresh([volunteer.pk])
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
    search_text_refresh([volunteer.pk])
    return affiliation


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
    search_text_refresh([survivor.pk])
    return record


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
    search_text_refresh([volunteer.pk])
    if recount:
        volunteer_stats_refresh(volunteer_ids=[volunteer.pk])
        volunteer.refresh_from_db()
    return volunteer
