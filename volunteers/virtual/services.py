"""Writes of the teacher programme: attendance overrides, the unmatched queue, magic links,
teachers' issues, and in-person attendance detail.

E-mail goes out through the platform outbox only, from `_email_send` (one function, so the
"never twice" guarantee of the outbox is the only way mail leaves this package)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from project.email.outbox import email_send
from project.roles import COORDINATOR

from .. import rules
from .. import services as volunteer_services
from ..models import (
    AttendanceOverride,
    Contact,
    ContactEmail,
    Event,
    EventAttendanceDetail,
    EventFormat,
    MagicLink,
    ParticipationStatus,
    PathfulImport,
    PathfulSession,
    PathfulUnmatched,
    Teacher,
    TeacherIssue,
    TeacherParticipation,
    TeacherProgress,
    UnmatchedKind,
    UnmatchedStatus,
    Volunteer,
    VolunteerParticipation,
)
from ..search import search_text_refresh
from . import pathful
from .matching import name_keys
from .progress import progress_counts_refresh, progress_counts_refresh_for, teacher_progress_ensure

MAGIC_LINK_TTL = timedelta(hours=48)
MAGIC_TOKEN_BYTES = 64


class OverrideConflict(Exception):
    """The same override is already active (HTTP 409)."""


def _user(user):
    return user if user is not None and getattr(user, "pk", None) else None


def _email_send(*, purpose: str, to: str, subject_of_record: str, context: dict, to_name: str = "", user=None):
    """The one place this package sends e-mail: the platform outbox (which sends each once)."""
    return email_send(
        purpose=purpose, to=to, subject_of_record=subject_of_record, context=context, to_name=to_name, user=user
    )


# --------------------------------------------------------------------------- overrides
@transaction.atomic
def override_add(*, progress: TeacherProgress, event: Event, action: str, reason: str, user=None) -> AttendanceOverride:
    """Add or remove a teacher's attendance at a virtual session, with a mandatory reason. The
    imported participation is not changed; its state is kept in `original`."""
    reason = (reason or "").strip()
    errors = {}
    if action not in AttendanceOverride.Action.values:
        errors["action"] = [f"Choose “add” or “remove”, not “{action}”."]
    if not reason:
        errors["reason"] = ["Give a reason for the override."]
    if event.format != EventFormat.VIRTUAL:
        errors["event"] = ["Overrides apply to virtual sessions only."]
    if errors:
        raise ValidationError(errors)
    if AttendanceOverride.objects.filter(progress=progress, event=event, is_active=True).exists():
        raise OverrideConflict("This teacher already has an active override for this session; reverse it first.")
    part = (
        TeacherParticipation.objects.filter(event=event, teacher_id=progress.teacher_id)
        .values("status", "status_source", "attendance_confirmed_at")
        .first()
        if progress.teacher_id
        else None
    )
    original = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (part or {}).items()}
    override = AttendanceOverride(
        progress=progress, event=event, action=action, reason=reason, original=original, created_by=_user(user)
    )
    try:
        with transaction.atomic():
            override.save()
    except IntegrityError as exc:  # a concurrent request added the same override
        raise OverrideConflict("This teacher already has an active override for this session.") from exc
    progress_counts_refresh(progress_ids=[progress.pk])
    return override


@transaction.atomic
def override_reverse(*, override: AttendanceOverride, reason: str, user=None) -> AttendanceOverride:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason for reversing the override."]})
    locked = AttendanceOverride.objects.select_for_update().get(pk=override.pk)
    if not locked.is_active:
        raise OverrideConflict("This override was already reversed.")
    locked.is_active = False
    locked.reversed_by, locked.reversed_at, locked.reversal_reason = _user(user), timezone.now(), reason
    locked.save()
    progress_counts_refresh(progress_ids=[locked.progress_id])
    return locked


# --------------------------------------------------------------------------- unmatched queue
def _participation_for(row: PathfulUnmatched, contact: Contact) -> None:
    """Create the participation the row stood for, when its session is already an event."""
    session = PathfulSession.objects.select_related("event").filter(session_id=row.session_id).first()
    if session is None:
        return
    event = session.event
    mapped = pathful.status_map(session.status_raw)
    status = mapped[1] if mapped else ParticipationStatus.REGISTERED
    if row.kind == UnmatchedKind.TEACHER:
        TeacherParticipation.objects.get_or_create(
            event=event,
            teacher_id=contact.pk,
            defaults={
                "status": status,
                "status_source": session.status_raw,
                "attendance_confirmed_at": timezone.now() if status == ParticipationStatus.ATTENDED else None,
            },
        )
        progress_counts_refresh_for(teacher_ids=[contact.pk])  # rows the teacher already has
        teacher_progress_ensure(
            teacher_ids=[contact.pk],
            academic_years=[rules.academic_year_of(timezone.localtime(event.start).date())],
        )
    else:
        _part, created = VolunteerParticipation.objects.get_or_create(
            event=event,
            volunteer_id=contact.pk,
            defaults={"status": status, "status_source": session.status_raw, "role": "Presenter"},
        )
        if created:
            volunteer_services.participation_figures_refresh(volunteer_ids=[contact.pk], event_ids=[event.pk])


def _kind_model(row: PathfulUnmatched):
    if row.kind == UnmatchedKind.TEACHER:
        return Teacher
    if row.kind == UnmatchedKind.PRESENTER:
        return Volunteer
    raise ValidationError({"kind": ["Only teacher and presenter rows are resolved to a person."]})


@transaction.atomic
def unmatched_link(*, row: PathfulUnmatched, contact_id: int, user=None, note: str = "") -> PathfulUnmatched:
    model = _kind_model(row)
    if row.status != UnmatchedStatus.PENDING:
        raise ValidationError({"status": ["This row is already dealt with."]})
    contact = model.objects.filter(pk=contact_id).first()
    if contact is None:
        raise ValidationError({"contact": [f"No {row.get_kind_display().lower()} with id {contact_id}."]})
    _participation_for(row, contact)
    return _close(row, status=UnmatchedStatus.RESOLVED, contact=contact, user=user, note=note)


@transaction.atomic
def unmatched_create(*, row: PathfulUnmatched, user=None, note: str = "") -> PathfulUnmatched:
    """Create the person from the row's name (and e-mail), then link as above."""
    model = _kind_model(row)
    if row.status != UnmatchedStatus.PENDING:
        raise ValidationError({"status": ["This row is already dealt with."]})
    name = row.name.strip()
    if "," in name:
        last, _, first = name.partition(",")
        first, last = first.strip(), last.strip()
    else:
        first, _, last = name.rpartition(" ")
    if not name_keys(row.name) or not first or not last:
        raise ValidationError({"name": [f"“{row.name}” is not a first and last name; link the row instead."]})
    contact = model.objects.create(first_name=first[:100], last_name=last[:100])
    if model is Volunteer:
        search_text_refresh([contact.pk])
    if row.email:
        ContactEmail.objects.create(contact=contact, email=row.email, is_primary=True, kind=ContactEmail.Kind.WORK)
    _participation_for(row, contact)
    PathfulImport.objects.filter(pk=row.last_import_id).update(people_created=F("people_created") + 1)
    return _close(row, status=UnmatchedStatus.CREATED, contact=contact, user=user, note=note)


@transaction.atomic
def unmatched_ignore(*, row: PathfulUnmatched, user=None, note: str = "") -> PathfulUnmatched:
    if row.status != UnmatchedStatus.PENDING:
        raise ValidationError({"status": ["This row is already dealt with."]})
    return _close(row, status=UnmatchedStatus.IGNORED, contact=None, user=user, note=note)


def _close(row: PathfulUnmatched, *, status: str, contact, user, note: str) -> PathfulUnmatched:
    row.status, row.contact = status, contact
    row.resolved_by, row.resolved_at, row.resolution_note = _user(user), timezone.now(), (note or "").strip()
    row.save()
    return row


# --------------------------------------------------------------------------- magic links
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def magic_link_request(*, email: str, link_for_token, now=None) -> MagicLink | None:
    """If `email` belongs to an active tracked teacher, create a link and e-mail it; else do
    nothing. The caller answers the same either way (no enumeration). `link_for_token(token)`
    builds the absolute URL (the request knows the host)."""
    address = (email or "").strip().lower()
    now = now or timezone.now()
    progress = (
        TeacherProgress.objects.filter(email=address, is_active=True).order_by("-academic_year").first()
        if address
        else None
    )
    if progress is None:
        return None
    token = secrets.token_urlsafe(MAGIC_TOKEN_BYTES)
    with transaction.atomic():
        link = MagicLink.objects.create(
            token_hash=_token_hash(token), email=address, created_at=now, expires_at=now + MAGIC_LINK_TTL
        )
        _email_send(
            purpose="magic_link",
            to=address,
            subject_of_record=f"magic-link:{link.pk}",
            context={
                "link": link_for_token(token),
                "expires_at": timezone.localtime(link.expires_at).strftime("%b %-d, %Y %-I:%M %p"),
            },
            to_name=progress.name,
        )
    return link


class MagicLinkInvalid(Exception):
    """Unknown, expired or already used; the message is for the teacher."""


@transaction.atomic
def magic_link_use(*, token: str, now=None) -> str:
    """Consume a link (single use) and return the teacher's e-mail."""
    now = now or timezone.now()
    link = MagicLink.objects.select_for_update().filter(token_hash=_token_hash(token or "")).first()
    if link is None:
        raise MagicLinkInvalid("This link is not valid.")
    if link.used_at is not None:
        raise MagicLinkInvalid("This link was already used. Ask for a new one.")
    if link.expires_at <= now:
        raise MagicLinkInvalid("This link has expired. Ask for a new one.")
    link.used_at = now
    link.save(update_fields=["used_at"])
    return link.email


@transaction.atomic
def teacher_issue_flag(
    *, progress: TeacherProgress, kind: str, text: str = "", event: Event | None = None
) -> TeacherIssue:
    text = (text or "").strip()
    if kind not in TeacherIssue.Kind.values:
        raise ValidationError({"kind": ["Choose what the issue is about."]})
    if kind == TeacherIssue.Kind.OTHER and not text:
        raise ValidationError({"text": ["Describe the issue."]})
    if len(text) > 2000:
        raise ValidationError({"text": ["At most 2,000 characters."]})
    issue = TeacherIssue.objects.create(progress=progress, kind=kind, text=text, event=event)
    _coordinators_notify(issue)
    return issue


def _coordinators_notify(issue: TeacherIssue) -> int:
    """Tell the coordinators (their accounts' e-mail) that a teacher flagged an issue; once each."""
    where = issue.progress.school.name if issue.progress.school_id else issue.progress.district.name
    message = (
        f"{issue.progress.name} ({where}) flagged an issue: {issue.get_kind_display()}."
        + (f"\n\n{issue.text}" if issue.text else "")
        + "\n\nSee the teachers' issues queue in Crewbase."
    )
    recipients = (
        get_user_model()
        .objects.filter(groups__name=COORDINATOR, is_active=True)
        .exclude(email="")
        .values_list("email", "first_name")
        .distinct()
    )
    sent = 0
    for email, first_name in recipients:
        _email_send(
            purpose="admin_alert",
            to=email,
            subject_of_record=f"teacher-issue:{issue.pk}",
            context={"title": f"Teacher issue: {issue.get_kind_display()}", "message": message},
            to_name=first_name,
        )
        sent += 1
    return sent


@transaction.atomic
def teacher_issue_resolve(*, issue: TeacherIssue, user=None) -> TeacherIssue:
    if issue.status != TeacherIssue.Status.RESOLVED:
        issue.status, issue.resolved_by, issue.resolved_at = TeacherIssue.Status.RESOLVED, _user(user), timezone.now()
        issue.save()
    return issue


# --------------------------------------------------------------------------- in-person detail
@transaction.atomic
def attendance_detail_set(
    *, event: Event, classrooms: int | None, rotations: int | None, total_students: int | None
) -> EventAttendanceDetail:
    if event.format != EventFormat.IN_PERSON:
        raise ValidationError({"event": ["Attendance detail is for in-person events."]})
    detail = EventAttendanceDetail.objects.filter(event=event).first() or EventAttendanceDetail(event=event)
    detail.classrooms, detail.rotations, detail.total_students = classrooms, rotations, total_students
    detail.full_clean()
    detail.save()
    return detail
