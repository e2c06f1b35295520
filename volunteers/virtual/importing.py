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
Counts of volunteers' participations go through `services.participation_figures_refresh`; the
stored teacher-progress counts through `progress.progress_counts_refresh_for`.
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

from project.jobs import JobNotQueued, job_start

from .. import bulkwrite, rules, services
from ..models import (
    Contact,
    Event,
    EventFormat,
    EventStatus,
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
from .progress import progress_counts_refresh_for, teacher_progress_ensure

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
IMPORT_TASK = "volunteers.virtual.tasks.pathful_import_job"
ERRORS_KEPT = 500


def partner_configured() -> str:
    return settings.PATHFUL_PARTNER


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
CHUNK = 2000  # ids per `IN (…)` lookup
EVENT_FIELDS = (
    "title",
    "start",
    "end",
    "duration_minutes",
    "status_source",
    "school_id",
    "cancellation_reason",
    "status",
)


def _chunks(items, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _school_index() -> dict[str, School]:
    found = {s.name.lower(): s for s in School.objects.select_related("district")}
    for alias in SchoolAlias.objects.select_related("school__district"):
        found.setdefault(alias.name.lower(), alias.school)
    return found


class _Queue:
    """The unmatched queue as one import sees it: the rows of this file's sessions read once, new
    rows and re-sightings written in bulk at the end. A row is queued once per (kind, session,
    person), however many rows or imports bring it."""

    def __init__(self, log: PathfulImport, session_ids):
        self.log = log
        self.existing: dict[tuple[str, str, str], tuple[int, int | None]] = {}
        for chunk in _chunks(session_ids):
            for pk, kind, session_id, person_key, last_import_id in PathfulUnmatched.objects.filter(
                session_id__in=chunk
            ).values_list("pk", "kind", "session_id", "person_key", "last_import_id"):
                self.existing[(kind, session_id, person_key)] = (pk, last_import_id)
        self.new: dict[tuple[str, str, str], dict] = {}
        self.seen_again: dict[int, dict] = {}

    def add(
        self,
        *,
        kind: str,
        session_id: str,
        person_key: str = "",
        name: str = "",
        email: str = "",
        reason: str,
        raw: dict,
    ) -> bool:
        """True when the row is newly queued."""
        key = (kind, session_id, person_key[:255])
        found = self.existing.get(key)
        if found is not None:
            pk, last_import_id = found
            if last_import_id != self.log.pk:
                self.seen_again[pk] = raw
            return False
        if key in self.new:
            return False
        self.new[key] = {
            "kind": kind,
            "session_id": session_id,
            "person_key": key[2],
            "name": name[:255],
            "email": email[:254],
            "reason": reason[:255],
            "raw": raw,
            "first_import_id": self.log.pk,
            "last_import_id": self.log.pk,
        }
        return True

    def write(self, *, now, user_id: int | None, reason: str) -> None:
        bulkwrite.insert_with_history(
            PathfulUnmatched, list(self.new.values()), now=now, user_id=user_id, reason=reason
        )
        bulkwrite.update(
            PathfulUnmatched,
            [
                {"id": pk, "last_import_id": self.log.pk, "raw": raw, "updated_at": now}
                for pk, raw in self.seen_again.items()
            ],
            fields=["last_import_id", "raw", "updated_at"],
        )


def pathful_import_run(*, import_id: int, progress: Callable[[float, str], None] = lambda p, m: None) -> PathfulImport:
    log = PathfulImport.objects.get(pk=import_id)
    if log.status == PathfulImport.Status.DONE:
        return log  # a task delivered twice
    PathfulImport.objects.filter(pk=log.pk).update(status=PathfulImport.Status.RUNNING)
    try:
        with log.upload.open("rb") as handle:  # streamed: the file is never read whole
            header, rows = pathful.read_table(handle, filename=log.filename)
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
    audit = {"now": now, "user_id": log.imported_by_id, "reason": f"Pathful import {log.pk}"}
    log.rows, log.rows_other_partner = parsed.rows, parsed.rows_other_partner
    log.duplicate_rows, log.sessions = parsed.duplicate_rows, len(parsed.sessions)
    errors = list(parsed.errors)
    # What the database holds for this file's sessions only: session id → (PathfulSession id,
    # event id, raw status, the event's imported fields).
    known: dict[str, tuple[int, int, str, dict]] = {}
    columns = [f"event__{name}" for name in EVENT_FIELDS]
    for chunk in _chunks(parsed.sessions):
        for session_id, ps_id, event_id, status_raw, *values in PathfulSession.objects.filter(
            session_id__in=chunk
        ).values_list("session_id", "pk", "event_id", "status_raw", *columns):
            known[session_id] = (ps_id, event_id, status_raw, dict(zip(EVENT_FIELDS, values, strict=True)))
    queue = _Queue(log, parsed.sessions)
    schools = _school_index()
    teachers = ContactMatcher(kind=Contact.Kind.TEACHER)
    presenters = ContactMatcher(kind=Contact.Kind.VOLUNTEER)

    new_events: list[tuple[pathful.Session, dict]] = []
    event_changes: dict[int, dict] = {}
    raw_changes: list[dict] = []
    placed: list[tuple[pathful.Session, int, dict]] = []  # (session, event id, its imported fields)
    for session in parsed.sessions.values():
        if session.event_status is None:
            if queue.add(
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
            elif queue.add(
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
        found = known.get(session.session_id)
        if found is None:
            new_events.append(
                (
                    session,
                    {
                        "event_type": EventType.VIRTUAL_SESSION,
                        "format": EventFormat.VIRTUAL,
                        "status": session.event_status,
                        "session_host": "Pathful",
                        **fields,
                    },
                )
            )
            continue
        ps_id, event_id, status_raw, current = found
        if not session.cancellation_reason and current["status"] == session.event_status:
            fields.pop("cancellation_reason")  # a reason set by hand stays when Pathful gives none
        if current["status"] != session.event_status:
            if rules.event_transition_allowed(current["status"], session.event_status):
                fields["status"] = session.event_status
            else:
                fields.pop("cancellation_reason")
                errors.append(
                    {
                        "row": session.row,
                        "field": "Status",
                        "message": f"Session {session.session_id}: {EventStatus(current['status']).label} cannot "
                        f"become “{session.status_raw}”; status kept.",
                    }
                )
        diff = {k: v for k, v in fields.items() if current[k] != v}
        if diff:
            event_changes[event_id] = diff
        if status_raw != session.status_raw:
            raw_changes.append({"id": ps_id, "status_raw": session.status_raw, "updated_at": now})
        placed.append((session, event_id, {**current, **diff}))

    if new_events:
        ids = bulkwrite.insert_with_history(Event, [row for _s, row in new_events], **audit)
        bulkwrite.insert_with_history(
            PathfulSession,
            [
                {"event_id": pk, "session_id": s.session_id, "status_raw": s.status_raw, "last_import_id": log.pk}
                for (s, _row), pk in zip(new_events, ids, strict=True)
            ],
            **audit,
        )
        log.events_created = len(new_events)
        placed += [(s, pk, row) for (s, row), pk in zip(new_events, ids, strict=True)]
        through = Event.districts.through
        district_of = {s.pk: s.district_id for s in schools.values()}
        through.objects.bulk_create(
            [
                through(event_id=pk, district_id=district_of[row["school_id"]])
                for (_s, row), pk in zip(new_events, ids, strict=True)
                if row["school_id"]
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
    log.events_updated = bulkwrite.change(Event, event_changes, **audit)
    bulkwrite.update(PathfulSession, raw_changes, fields=["status_raw", "updated_at"])
    seen = [s.session_id for s, _pk, _row in placed]
    for chunk in _chunks(seen):
        PathfulSession.objects.filter(session_id__in=chunk).exclude(last_import=log).update(last_import=log)
        PathfulUnmatched.objects.filter(
            kind=UnmatchedKind.NO_DATE_SESSION, status=UnmatchedStatus.PENDING, session_id__in=chunk
        ).update(status=UnmatchedStatus.RESOLVED, resolved_at=now, resolution_note=f"Dated by import {log.pk}.")
    progress(50, f"{log.events_created} sessions created, {log.events_updated} updated.")

    # ---- participations: what exists for these events, read once; then set-based writes
    event_ids = [pk for _s, pk, _row in placed]
    teacher_parts: dict[tuple[int, int], tuple] = {}
    presenter_parts: dict[tuple[int, int], tuple] = {}
    for chunk in _chunks(event_ids):
        for pk, event_id, teacher_id, *state in TeacherParticipation.objects.filter(event_id__in=chunk).values_list(
            "pk", "event_id", "teacher_id", "status", "status_source", "attendance_confirmed_at", "notes"
        ):
            teacher_parts[(event_id, teacher_id)] = (pk, *state)
        for pk, event_id, volunteer_id, *state in VolunteerParticipation.objects.filter(event_id__in=chunk).values_list(
            "pk", "event_id", "volunteer_id", "status", "status_source", "delivery_hours"
        ):
            presenter_parts[(event_id, volunteer_id)] = (pk, *state)
    t_new: dict[tuple[int, int], dict] = {}
    v_new: dict[tuple[int, int], dict] = {}
    t_changes: dict[int, dict] = {}
    v_changes: dict[int, dict] = {}
    touched_volunteers: set[int] = set()
    touched_events: set[int] = set()
    matched_teachers: set[int] = set()
    for session, event_id, event in placed:
        status, raw_status = session.participation_status, session.status_raw
        for person in session.people:
            is_teacher = person.role == "teacher"
            matcher = teachers if is_teacher else presenters
            match = matcher.match(name=person.name, email=person.email, salesforce_id=person.salesforce_id)
            if match.contact_id is None:
                keys = name_keys(person.name)
                if queue.add(
                    kind=UnmatchedKind.TEACHER if is_teacher else UnmatchedKind.PRESENTER,
                    session_id=session.session_id,
                    person_key=person.email or (keys[-1] if keys else person.name.lower()),
                    name=person.name,
                    email=person.email,
                    reason="More than one person matches." if match.how == "ambiguous" else "No person matches.",
                    raw={**parsed.raw(person), "row": person.row, "candidates": list(match.candidates)},
                ):
                    log.unmatched += 1
                continue
            log.people_matched += 1
            key = (event_id, match.contact_id)
            if is_teacher:
                matched_teachers.add(match.contact_id)
                confirmed = now if status == ParticipationStatus.ATTENDED else None
                existing = teacher_parts.get(key)
                if existing is None:
                    t_new.setdefault(
                        key,
                        {
                            "event_id": event_id,
                            "teacher_id": match.contact_id,
                            "status": status,
                            "status_source": raw_status,
                            "attendance_confirmed_at": confirmed,
                        },
                    )
                    continue
                pk, old_status, old_source, old_confirmed, notes = existing
                if notes.strip():
                    continue  # an admin correction: imports keep it
                if confirmed is not None and old_confirmed is not None:
                    confirmed = old_confirmed  # the first import that saw it attended
                if (old_status, old_source, old_confirmed) != (status, raw_status, confirmed):
                    t_changes[pk] = {
                        "status": status,
                        "status_source": raw_status,
                        "attendance_confirmed_at": confirmed,
                    }
                continue
            hours = None
            if status == ParticipationStatus.ATTENDED and event["duration_minutes"]:
                hours = round(Decimal(event["duration_minutes"]) / 60, 2)
            existing = presenter_parts.get(key)
            if existing is None:
                if key not in v_new:
                    v_new[key] = {
                        "event_id": event_id,
                        "volunteer_id": match.contact_id,
                        "role": "Presenter",
                        "status": status,
                        "status_source": raw_status,
                        "delivery_hours": hours,
                    }
                    touched_volunteers.add(match.contact_id)
                    touched_events.add(event_id)
                continue
            pk, old_status, old_source, old_hours = existing
            hours = old_hours if old_hours is not None else hours
            if (old_status, old_source, old_hours) != (status, raw_status, hours):
                v_changes[pk] = {"status": status, "status_source": raw_status, "delivery_hours": hours}
                touched_volunteers.add(match.contact_id)
                touched_events.add(event_id)
    bulkwrite.insert_with_history(TeacherParticipation, list(t_new.values()), **audit)
    bulkwrite.insert_with_history(VolunteerParticipation, list(v_new.values()), **audit)
    bulkwrite.change(TeacherParticipation, t_changes, **audit)
    bulkwrite.change(VolunteerParticipation, v_changes, **audit)
    queue.write(**audit)
    progress(80, f"{log.people_matched} people matched, {log.unmatched} queued.")
    if touched_events or touched_volunteers:
        services.participation_figures_refresh(volunteer_ids=touched_volunteers, event_ids=touched_events)
    # Stored progress counts: the rows of teachers whose participations changed, and of everyone in a
    # session whose status or date changed; then new rows (counted as they are created).
    teacher_of = {pk: teacher_id for (_event_id, teacher_id), (pk, *_state) in teacher_parts.items()}
    progress_counts_refresh_for(
        teacher_ids={teacher_id for _event_id, teacher_id in t_new} | {teacher_of[pk] for pk in t_changes},
        event_ids=[pk for pk, diff in event_changes.items() if "status" in diff or "start" in diff],
    )
    years = {rules.academic_year_of(timezone.localtime(row["start"]).date()) for _s, _pk, row in placed}
    teacher_progress_ensure(teacher_ids=matched_teachers, academic_years=years)
    log.errors = errors[:ERRORS_KEPT]
    log.status, log.finished_at = PathfulImport.Status.DONE, timezone.now()
    log.save()
