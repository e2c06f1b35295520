"""Pathful session import: upload → job → virtual events, participations, unmatched queue.

`pathful_import_create` checks the upload at once (size, type, required columns) so the person
uploading gets a clear message and nothing is written; `pathful_import_run` (the job) parses
the whole file first and writes in one transaction, so a bad file leaves nothing half-written.
- upsert by Pathful session id: a re-import of the same file creates nothing and changes nothing;
- a teacher participation with a note (an admin correction) is never touched by an import;
- Completed marks matched teachers attended with a confirmation time; no-show and cancelled
  mark them so; draft/requested/published leave them registered;
- undated: a Draft is skipped and counted; any other status is queued once per session, and
  the queue row resolves itself when a later import brings the date;
- people who cannot be matched (or match more than one contact) go to the unmatched queue.
Counts of volunteers' participations go through `services.participation_figures_refresh`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from project.jobs import JobNotQueued, job_start

from .. import rules, services
from ..models import (
    Contact,
    Event,
    EventFormat,
    EventType,
    ParticipationStatus,
    PathfulImport,
    PathfulSession,
    PathfulUnmatched,
    School,
    SchoolAlias,
    TeacherParticipation,
    UnmatchedKind,
    UnmatchedStatus,
    VolunteerParticipation,
)
from . import pathful
from .matching import ContactMatcher, name_keys
from .progress import teacher_progress_ensure

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
IMPORT_TASK = "volunteers.virtual.tasks.pathful_import_job"
ERRORS_KEPT = 500


def partner_configured() -> str:
    return getattr(settings, "PATHFUL_PARTNER", "PREP-KC")


def pathful_upload_check(*, content: bytes, filename: str) -> None:
    """ValidationError on `file` naming what is wrong; reads only the header."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."]})
    if not content:
        raise ValidationError({"file": ["The file is empty."]})
    try:
        header, _rows = pathful.read_table(content, filename=filename)
    except pathful.PathfulFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    missing = pathful.missing_columns(header, partner=partner_configured())
    if missing:
        raise ValidationError({"file": [f"Missing required column(s): {', '.join(missing)}."]})


def pathful_import_create(*, content: bytes, filename: str, user=None) -> PathfulImport:
    """Check the upload, store it, then start the import job (the log is committed first, so
    the worker finds it)."""
    with transaction.atomic():
        pathful_upload_check(content=content, filename=filename)
        log = PathfulImport(filename=filename[:255], imported_by=user if user is not None and user.pk else None)
        log.upload.save(f"pathful-{timezone.now():%Y%m%d-%H%M%S}.bin", ContentFile(content), save=False)
        log.save()
    try:
        job = job_start(kind="pathful_import", task=IMPORT_TASK, user=user, params={"import_id": log.pk})
    except JobNotQueued:
        log.status, log.finished_at = PathfulImport.Status.FAILED, timezone.now()
        log.errors = [{"row": 0, "field": "file", "message": "The import could not be queued; try again later."}]
        log.save(update_fields=["status", "finished_at", "errors", "updated_at"])
        raise
    if job is not None:
        log.job = job
        PathfulImport.objects.filter(pk=log.pk).update(job=job)
    return log


# --------------------------------------------------------------------------- the run
def _school_index() -> dict[str, School]:
    found = {s.name.lower(): s for s in School.objects.select_related("district")}
    for alias in SchoolAlias.objects.select_related("school__district"):
        found.setdefault(alias.name.lower(), alias.school)
    return found


def _queue(
    log: PathfulImport,
    existing: dict[tuple[str, str, str], PathfulUnmatched],
    *,
    kind: str,
    session_id: str,
    person_key: str = "",
    name: str = "",
    email: str = "",
    reason: str,
    raw: dict,
) -> bool:
    """Put a row in the unmatched queue once; True when it is newly queued."""
    key = (kind, session_id, person_key)
    row = existing.get(key)
    if row is not None:
        if row.last_import_id != log.pk:
            row.last_import = log
            row.raw = raw
            row.save(update_fields=["last_import", "raw", "updated_at"])
        return False
    existing[key] = PathfulUnmatched.objects.create(
        kind=kind,
        session_id=session_id,
        person_key=person_key[:255],
        name=name[:255],
        email=email[:254],
        reason=reason[:255],
        raw=raw,
        first_import=log,
        last_import=log,
    )
    return True


def pathful_import_run(*, import_id: int, progress: Callable[[float, str], None] = lambda p, m: None) -> PathfulImport:
    log = PathfulImport.objects.get(pk=import_id)
    if log.status == PathfulImport.Status.DONE:
        return log  # a task delivered twice
    PathfulImport.objects.filter(pk=log.pk).update(status=PathfulImport.Status.RUNNING)
    try:
        with log.upload.open("rb") as handle:
            content = handle.read()
        header, rows = pathful.read_table(content, filename=log.filename)
        missing = pathful.missing_columns(header, partner=partner_configured())
        if missing:
            raise pathful.PathfulFileError(f"Missing required column(s): {', '.join(missing)}.")
        parsed = pathful.parse(header, rows, partner=partner_configured())
    except (pathful.PathfulFileError, OSError, ValueError) as exc:
        log.status, log.finished_at = PathfulImport.Status.FAILED, timezone.now()
        log.errors = [{"row": 0, "field": "file", "message": str(exc)}]
        log.save(update_fields=["status", "finished_at", "errors", "updated_at"])
        return log
    progress(20, f"Read {parsed.rows} rows, {len(parsed.sessions)} sessions.")
    with transaction.atomic():
        _apply(log, parsed, progress)
    return log


def _apply(log: PathfulImport, parsed: pathful.Parsed, progress: Callable[[float, str], None]) -> None:
    now = timezone.now()
    tz = timezone.get_current_timezone()
    log.rows, log.rows_other_partner = parsed.rows, parsed.rows_other_partner
    log.duplicate_rows, log.sessions = parsed.duplicate_rows, len(parsed.sessions)
    errors = list(parsed.errors)
    known = {ps.session_id: ps for ps in PathfulSession.objects.select_related("event")}
    queued = {(u.kind, u.session_id, u.person_key): u for u in PathfulUnmatched.objects.all()}
    schools = _school_index()
    teachers = ContactMatcher(kind=Contact.Kind.TEACHER)
    presenters = ContactMatcher(kind=Contact.Kind.VOLUNTEER)

    new_events: list[tuple[pathful.Session, Event]] = []
    changed_events: list[Event] = []
    placed: list[tuple[pathful.Session, Event]] = []
    for session in parsed.sessions.values():
        if session.event_status is None:
            if _queue(
                log,
                queued,
                kind=UnmatchedKind.UNKNOWN_STATUS,
                session_id=session.session_id,
                reason=f"Unknown Pathful status “{session.status_raw}”.",
                raw={"title": session.title, "status": session.status_raw, "row": session.row},
            ):
                log.unmatched += 1
            continue
        if session.start is None:
            if session.event_status == rules.DRAFT:
                log.drafts_skipped += 1
            elif _queue(
                log,
                queued,
                kind=UnmatchedKind.NO_DATE_SESSION,
                session_id=session.session_id,
                reason="The session has no date.",
                raw={"title": session.title, "status": session.status_raw, "row": session.row},
            ):
                log.unmatched += 1
            continue
        start = timezone.make_aware(session.start, tz) if timezone.is_naive(session.start) else session.start
        school = schools.get(session.school.lower()) if session.school else None
        fields = {
            "title": session.title,
            "start": start,
            "end": start + timedelta(minutes=session.duration_minutes) if session.duration_minutes else None,
            "duration_minutes": session.duration_minutes,
            "status_source": session.status_raw,
            "school_id": school.pk if school else None,
            "cancellation_reason": session.cancellation_reason,
        }
        ps = known.get(session.session_id)
        if ps is None:
            event = Event(
                event_type=EventType.VIRTUAL_SESSION,
                format=EventFormat.VIRTUAL,
                status=session.event_status,
                session_host="Pathful",
                **fields,
            )
            new_events.append((session, event))
            continue
        event = ps.event
        if not session.cancellation_reason and event.status == session.event_status:
            fields.pop("cancellation_reason")  # a reason set by hand stays when Pathful gives none
        if event.status != session.event_status:
            if rules.event_transition_allowed(event.status, session.event_status):
                fields["status"] = session.event_status
            else:
                fields.pop("cancellation_reason")
                errors.append(
                    {
                        "row": session.row,
                        "field": "Status",
                        "message": f"Session {session.session_id}: {event.get_status_display()} cannot become "
                        f"“{session.status_raw}”; status kept.",
                    }
                )
        diff = {k: v for k, v in fields.items() if getattr(event, k) != v}
        if diff:
            for k, v in diff.items():
                setattr(event, k, v)
            event.updated_at = now
            changed_events.append(event)
        placed.append((session, event))

    if new_events:
        bulk_create_with_history([e for _s, e in new_events], Event, batch_size=500)
        # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35 (both required).
        bulk_create_with_history(
            [
                PathfulSession(event=e, session_id=s.session_id, status_raw=s.status_raw, last_import=log)
                for s, e in new_events
            ],
            PathfulSession,
            batch_size=500,
        )
        log.events_created = len(new_events)
        placed.extend(new_events)
        through = Event.districts.through
        district_of = {s.pk: s.district_id for s in schools.values()}
        through.objects.bulk_create(
            [through(event_id=e.pk, district_id=district_of[e.school_id]) for _s, e in new_events if e.school_id],
            ignore_conflicts=True,
        )
    if changed_events:
        bulk_update_with_history(
            changed_events,
            Event,
            [
                "title",
                "start",
                "end",
                "duration_minutes",
                "status_source",
                "school",
                "status",
                "cancellation_reason",
                "updated_at",
            ],
            batch_size=500,
        )
        log.events_updated = len(changed_events)
    PathfulSession.objects.filter(session_id__in=[s.session_id for s, _e in placed]).update(last_import=log)
    PathfulUnmatched.objects.filter(
        kind=UnmatchedKind.NO_DATE_SESSION,
        status=UnmatchedStatus.PENDING,
        session_id__in=[s.session_id for s, _e in placed],
    ).update(status=UnmatchedStatus.RESOLVED, resolved_at=now, resolution_note=f"Dated by import {log.pk}.")
    progress(50, f"{log.events_created} sessions created, {log.events_updated} updated.")

    # ---- participations
    event_ids = [e.pk for _s, e in placed]
    teacher_parts = {(p.event_id, p.teacher_id): p for p in TeacherParticipation.objects.filter(event_id__in=event_ids)}
    presenter_parts = {
        (p.event_id, p.volunteer_id): p for p in VolunteerParticipation.objects.filter(event_id__in=event_ids)
    }
    t_new, t_changed, v_new, v_changed = [], [], [], []
    touched_volunteers: set[int] = set()
    touched_events: set[int] = set()
    matched_teachers: set[int] = set()
    for session, event in placed:
        status = session.participation_status
        for person in session.people:
            matcher = teachers if person.role == "teacher" else presenters
            match = matcher.match(name=person.name, email=person.email, salesforce_id=person.salesforce_id)
            if match.contact_id is None:
                keys = name_keys(person.name)
                if _queue(
                    log,
                    queued,
                    kind=UnmatchedKind.TEACHER if person.role == "teacher" else UnmatchedKind.PRESENTER,
                    session_id=session.session_id,
                    person_key=person.email or (keys[-1] if keys else person.name.lower()),
                    name=person.name,
                    email=person.email,
                    reason="More than one person matches." if match.how == "ambiguous" else "No person matches.",
                    raw={**person.raw, "row": person.row, "candidates": list(match.candidates)},
                ):
                    log.unmatched += 1
                continue
            log.people_matched += 1
            if person.role == "teacher":
                matched_teachers.add(match.contact_id)
                part = teacher_parts.get((event.pk, match.contact_id))
                if part is None:
                    part = TeacherParticipation(event=event, teacher_id=match.contact_id)
                    t_new.append(part)
                    teacher_parts[(event.pk, match.contact_id)] = part
                elif part.notes.strip():
                    continue  # an admin correction: imports keep it
                _teacher_status_set(part, status=status, raw=session.status_raw, now=now, changed=t_changed)
            else:
                part = presenter_parts.get((event.pk, match.contact_id))
                if part is None:
                    part = VolunteerParticipation(event=event, volunteer_id=match.contact_id, role="Presenter")
                    v_new.append(part)
                    presenter_parts[(event.pk, match.contact_id)] = part
                before = (part.status, part.status_source, part.delivery_hours)
                part.status, part.status_source = status, session.status_raw
                if status == ParticipationStatus.ATTENDED and part.delivery_hours is None and event.duration_minutes:
                    part.delivery_hours = round(Decimal(event.duration_minutes) / 60, 2)
                if part.pk is None or before != (part.status, part.status_source, part.delivery_hours):
                    touched_volunteers.add(match.contact_id)
                    touched_events.add(event.pk)
                    if part.pk is not None:
                        part.updated_at = now
                        v_changed.append(part)
    for batch, model in ((t_new, TeacherParticipation), (v_new, VolunteerParticipation)):
        if batch:
            bulk_create_with_history(batch, model, batch_size=500)
    if t_changed:
        bulk_update_with_history(
            t_changed,
            TeacherParticipation,
            ["status", "status_source", "attendance_confirmed_at", "updated_at"],
            batch_size=500,
        )
    if v_changed:
        bulk_update_with_history(
            v_changed,
            VolunteerParticipation,
            ["status", "status_source", "delivery_hours", "updated_at"],
            batch_size=500,
        )
    progress(80, f"{log.people_matched} people matched, {log.unmatched} queued.")
    if touched_events or touched_volunteers:
        services.participation_figures_refresh(volunteer_ids=touched_volunteers, event_ids=touched_events)
    years = {rules.academic_year_of(timezone.localtime(e.start).date()) for _s, e in placed}
    teacher_progress_ensure(teacher_ids=matched_teachers, academic_years=years)
    log.errors = errors[:ERRORS_KEPT]
    log.status, log.finished_at = PathfulImport.Status.DONE, timezone.now()
    log.save()


def _teacher_status_set(part: TeacherParticipation, *, status: str, raw: str, now, changed: list) -> None:
    """Completed → attended with a confirmation time (kept from the first import that saw it)."""
    before = (part.status, part.status_source, part.attendance_confirmed_at)
    part.status, part.status_source = status, raw
    if status == ParticipationStatus.ATTENDED:
        part.attendance_confirmed_at = part.attendance_confirmed_at or now
    else:
        part.attendance_confirmed_at = None
    if part.pk is not None and before != (part.status, part.status_source, part.attendance_confirmed_at):
        part.updated_at = now
        changed.append(part)
