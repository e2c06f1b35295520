"""Teacher progress: the classification rule, the status rule, and reading/writing progress rows.

Rules (plain functions, no ORM):
- `session_class`: one priority — no-show beats cancellation beats completed; a session not yet
  started counts as planned; statuses compared case- and punctuation-insensitively;
- an active override wins over the imported data: "add" counts the session as completed,
  "remove" does not count it at all;
- `progress_status`: achieved when completed ≥ target; in progress when completed + planned ≥
  target; else not started; the percentage is capped at 100.
`progress_rows` reads a whole district (or school, or one teacher) in a constant number of
queries and computes in Python: the school and teacher pages, the export and the API.

Stored counts (the district dashboard): each `TeacherProgress` row keeps `sessions_completed`
and `in_progress_until`, written only by `progress_counts_refresh` from `progress_rows` — the
same rule, so a stored row always equals a recount. Neither depends on the clock: completed does
not change as time passes, and planned sessions only drop out as they start, so the status at
any instant is achieved (completed ≥ target), in progress (`in_progress_until` ≥ now: the
planned session that would be the last one needed has not started yet) or not started
(`status_at_sql`). Every write that changes what counts calls `progress_counts_refresh` (or
`progress_counts_refresh_for` teachers / events) in its transaction; `progress_counts_recount`
runs nightly and reports drift left by writes from outside this package.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from .. import bulkwrite, rules
from ..models import (
    AttendanceOverride,
    ContactEmail,
    DeactivationSource,
    EventAttendanceDetail,
    EventFormat,
    School,
    Teacher,
    TeacherParticipation,
    TeacherProgress,
)

ACHIEVED, IN_PROGRESS, NOT_STARTED = "achieved", "in_progress", "not_started"
STATUS_LABELS = {ACHIEVED: "Achieved", IN_PROGRESS: "In progress", NOT_STARTED: "Not started"}
COMPLETED, PLANNED, NO_SHOW, CANCELLED = "completed", "planned", "no_show", "cancelled"
_FINAL_EVENT = {"completed", "simulcast", "noshow", "cancelled", "canceled"}


@lru_cache(maxsize=256)
def _key(status: str | None) -> str:
    return re.sub(r"[^a-z]", "", (status or "").lower())


def session_class(*, event_status: str, participation_status: str, upcoming: bool) -> str | None:
    """completed / planned / no_show / cancelled, or None (a past session that never happened)."""
    event, part = _key(event_status), _key(participation_status)
    if "noshow" in (event, part):
        return NO_SHOW
    if event in ("cancelled", "canceled") or part in ("cancelled", "canceled"):
        return CANCELLED
    if part == "attended":
        return COMPLETED
    if event not in _FINAL_EVENT and part == "registered" and upcoming:
        return PLANNED
    return None


def progress_status(*, completed: int, planned: int, target: int) -> tuple[str, int]:
    """(status, percentage capped at 100)."""
    if completed >= target:
        return ACHIEVED, 100
    percent = min(100, (100 * completed) // target)
    if completed + planned >= target:
        return IN_PROGRESS, percent
    return NOT_STARTED, percent


# --------------------------------------------------------------------------- reading
@dataclass
class SessionLine:
    event_id: int
    title: str
    start: datetime
    event_status: str
    participation_status: str
    counted_as: str | None
    override: AttendanceOverride | None = None
    # Counts as planned for as long as it has not started (time-independent; overrides clear it).
    plannable: bool = False


@dataclass
class ProgressRow:
    progress: TeacherProgress
    completed: int = 0
    planned: int = 0
    no_show: int = 0
    cancelled: int = 0
    status: str = NOT_STARTED
    percent: int = 0
    sessions: list[SessionLine] = field(default_factory=list)
    in_progress_until: datetime | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


# What the district dashboard reads of each row (the rest is deferred: 2,000 rows stay cheap).
SUMMARY_FIELDS = ("id", "teacher_id", "target_sessions", "school_id", "school__name", "district_id", "district__name")


def progress_queryset(*, district_ids: Iterable[int] | None, academic_year: int) -> QuerySet[TeacherProgress]:
    qs = TeacherProgress.objects.filter(academic_year=academic_year).select_related("district", "school")
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return qs


def _year_range(academic_year: int) -> tuple[datetime, datetime]:
    start, end = rules.academic_year_bounds(academic_year)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, datetime.min.time()), tz),
        timezone.make_aware(datetime.combine(end, datetime.max.time()), tz),
    )


def in_progress_until(*, completed: int, planned_starts: Iterable[datetime], target: int) -> datetime | None:
    """Until when completed + planned ≥ target holds as sessions start: the start of the k-th latest
    planned session, k = what is still needed. None when achieved or when too few are planned."""
    needed = target - completed
    starts = sorted(planned_starts, reverse=True)
    if needed <= 0 or len(starts) < needed:
        return None
    return starts[needed - 1]


def progress_rows(
    *, progress: Iterable[TeacherProgress], academic_year: int, now: datetime | None = None, with_sessions: bool = False
) -> list[ProgressRow]:
    """Counts for each progress row: 3 queries whatever the number of teachers."""
    now = now or timezone.now()
    rows = [ProgressRow(progress=p) for p in progress]
    if not rows:
        return rows
    lo, hi = _year_range(academic_year)
    by_teacher: dict[int, list[ProgressRow]] = defaultdict(list)
    for row in rows:
        if row.progress.teacher_id:
            by_teacher[row.progress.teacher_id].append(row)
    parts = TeacherParticipation.objects.filter(
        teacher_id__in=list(by_teacher), event__format=EventFormat.VIRTUAL, event__start__range=(lo, hi)
    ).order_by()
    fields = ("teacher_id", "event_id", "event__status", "status", "event__start")
    parts = parts.values_list(*fields, "event__title") if with_sessions else parts.values_list(*fields)
    overrides: dict[tuple[int, int], AttendanceOverride] = {
        (o.progress_id, o.event_id): o
        for o in AttendanceOverride.objects.filter(
            progress_id__in=[r.progress.pk for r in rows], is_active=True
        ).select_related("event")
    }
    lines: dict[int, dict[int, SessionLine]] = defaultdict(dict)
    for teacher_id, event_id, event_status, part_status, start, *detail in parts:
        counted = session_class(event_status=event_status, participation_status=part_status, upcoming=start >= now)
        plannable = session_class(event_status=event_status, participation_status=part_status, upcoming=True)
        title = detail[0] if detail else ""
        for row in by_teacher[teacher_id]:
            lines[row.progress.pk][event_id] = SessionLine(
                event_id, title, start, event_status, part_status, counted, plannable=plannable == PLANNED
            )
    for (progress_id, event_id), override in overrides.items():
        line = lines[progress_id].get(event_id)
        if line is None:
            event = override.event
            line = SessionLine(event_id, event.title, event.start, event.status, "", None)
            lines[progress_id][event_id] = line
        line.override, line.plannable = override, False
        line.counted_as = COMPLETED if override.action == AttendanceOverride.Action.ADD else None
    for row in rows:
        found = lines.get(row.progress.pk, {}).values()
        for line in found:
            if line.counted_as == COMPLETED:
                row.completed += 1
            elif line.counted_as == PLANNED:
                row.planned += 1
            elif line.counted_as == NO_SHOW:
                row.no_show += 1
            elif line.counted_as == CANCELLED:
                row.cancelled += 1
        target = max(1, row.progress.target_sessions)
        row.status, row.percent = progress_status(completed=row.completed, planned=row.planned, target=target)
        row.in_progress_until = in_progress_until(
            completed=row.completed, planned_starts=[line.start for line in found if line.plannable], target=target
        )
        if with_sessions:
            row.sessions = sorted(found, key=lambda s: s.start)
    return rows


@dataclass
class SchoolSummary:
    school_id: int | None
    name: str
    teachers: int = 0
    achieved: int = 0
    in_progress: int = 0
    not_started: int = 0


def school_summaries(rows: list[ProgressRow]) -> list[SchoolSummary]:
    found: dict[int | None, SchoolSummary] = {}
    for row in rows:
        school = row.progress.school
        summary = found.setdefault(
            row.progress.school_id, SchoolSummary(row.progress.school_id, school.name if school else "No school")
        )
        summary.teachers += 1
        setattr(summary, row.status, getattr(summary, row.status) + 1)
    return sorted(found.values(), key=lambda s: s.name.lower())


def status_at_sql(now: datetime) -> dict[str, Q]:
    """`progress_status` over the stored counts at the instant `now`, as conditions on
    `TeacherProgress` (see the module docstring for why this equals a recount at `now`)."""
    achieved = Q(sessions_completed__gte=Greatest(F("target_sessions"), Value(1)))
    in_progress = ~achieved & Q(in_progress_until__gte=now)
    return {ACHIEVED: achieved, IN_PROGRESS: in_progress, NOT_STARTED: ~achieved & ~in_progress}


def school_counts(*, district_id: int, academic_year: int, now: datetime | None = None) -> list[SchoolSummary]:
    """The district dashboard: per school, active teachers and how many are at each status — one
    GROUP BY over the stored counts, whatever the number of teachers or sessions."""
    status = status_at_sql(now or timezone.now())
    found = (
        TeacherProgress.objects.filter(district_id=district_id, academic_year=academic_year, is_active=True)
        .order_by()
        .values("school_id", "school__name")
        .annotate(teachers=Count("pk"), **{key: Count("pk", filter=status[key]) for key in STATUS_LABELS})
    )
    summaries = [
        SchoolSummary(
            row["school_id"], row["school__name"] or "No school", row["teachers"], *(row[k] for k in STATUS_LABELS)
        )
        for row in found
    ]
    return sorted(summaries, key=lambda s: s.name.lower())


# --------------------------------------------------------------------------- stored counts
REFRESH_CHUNK = 2000  # progress rows (and ids per `IN (…)`) at a time


def _chunks(items: Iterable, size: int = REFRESH_CHUNK):
    items = sorted(set(items))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def progress_counts_refresh(*, progress_ids: Iterable[int]) -> int:
    """Recount these progress rows with `progress_rows` (the one rule) and store what changed:
    a constant number of queries per 2,000 rows. Returns the rows whose counts changed.

    The rows are locked (in id order) before they are read: of two writes refreshing the same row
    at once, the second waits and then counts what the first committed, so neither leaves the
    other's change out."""
    changed = 0
    for chunk in _chunks(progress_ids):
        with transaction.atomic():
            by_year: dict[int, list[TeacherProgress]] = defaultdict(list)
            locked = (
                TeacherProgress.objects.filter(pk__in=chunk)
                .select_for_update()
                .order_by("pk")
                .only("id", "teacher_id", "academic_year", "target_sessions", "sessions_completed", "in_progress_until")
            )
            for record in locked:
                by_year[record.academic_year].append(record)
            updates = []
            for year, records in by_year.items():
                for row in progress_rows(progress=records, academic_year=year):
                    stored = (row.progress.sessions_completed, row.progress.in_progress_until)
                    if stored != (row.completed, row.in_progress_until):
                        updates.append(
                            {
                                "id": row.progress.pk,
                                "sessions_completed": row.completed,
                                "in_progress_until": row.in_progress_until,
                            }
                        )
            # Derived figures, not an edit: no history row (the writes that caused them have theirs).
            changed += bulkwrite.update(TeacherProgress, updates, fields=["sessions_completed", "in_progress_until"])
    return changed


def progress_ids_for(*, teacher_ids: Iterable[int] = (), event_ids: Iterable[int] = ()) -> set[int]:
    """The progress rows that writes to these teachers' participations or these sessions touch: the
    teachers' own rows, and every row of a teacher in one of the sessions or with an override on it.
    Read it before deleting sessions or participations, refresh those rows after."""
    teachers, progress_ids = set(teacher_ids), set()
    for chunk in _chunks(event_ids):
        teachers.update(TeacherParticipation.objects.filter(event_id__in=chunk).values_list("teacher_id", flat=True))
        progress_ids.update(
            AttendanceOverride.objects.filter(event_id__in=chunk, is_active=True).values_list("progress_id", flat=True)
        )
    for chunk in _chunks(teachers):
        progress_ids.update(TeacherProgress.objects.filter(teacher_id__in=chunk).values_list("pk", flat=True))
    return progress_ids


def progress_counts_refresh_for(*, teacher_ids: Iterable[int] = (), event_ids: Iterable[int] = ()) -> int:
    """`progress_counts_refresh` of `progress_ids_for(...)`: call it after writing participations of
    these teachers or changing these sessions (status, date, format), in the same transaction."""
    return progress_counts_refresh(progress_ids=progress_ids_for(teacher_ids=teacher_ids, event_ids=event_ids))


def progress_counts_recount(*, academic_years: Iterable[int] | None = None) -> int:
    """Recount every progress row of these academic years (None: all years); returns how many had
    drifted. The nightly safety net for writes made outside this package."""
    rows = TeacherProgress.objects.all()
    if academic_years is not None:
        rows = rows.filter(academic_year__in=list(academic_years))
    return progress_counts_refresh(progress_ids=rows.values_list("pk", flat=True))


# --------------------------------------------------------------------------- writing
def teacher_progress_ensure(*, teacher_ids: Iterable[int], academic_years: Iterable[int]) -> int:
    """A progress row for each active teacher with a school (hence a district) and an e-mail, per
    year. Existing rows are kept as they are (targets, deactivations). Returns rows created."""
    teacher_ids, years = sorted(set(teacher_ids)), sorted(set(academic_years))
    if not teacher_ids or not years:
        return 0
    emails: dict[int, str] = {}
    for contact_id, email, primary in ContactEmail.objects.filter(contact_id__in=teacher_ids).values_list(
        "contact_id", "email", "is_primary"
    ):
        if primary or contact_id not in emails:
            emails[contact_id] = email.lower()
    teachers = Teacher.objects.filter(
        pk__in=teacher_ids, status=Teacher.Status.ACTIVE, school__isnull=False
    ).values_list("pk", "school_id", "school__district_id", "first_name", "middle_name", "last_name", "suffix")
    existing = set(
        TeacherProgress.objects.filter(academic_year__in=years, email__in=list(emails.values())).values_list(
            "district_id", "email", "academic_year"
        )
    )
    new = []
    for pk, school_id, district_id, *names in teachers:
        email = emails.get(pk)
        if not email:
            continue
        for year in years:
            if (district_id, email, year) in existing:
                continue
            existing.add((district_id, email, year))
            new.append(
                {
                    "district_id": district_id,
                    "school_id": school_id,
                    "teacher_id": pk,
                    "email": email,
                    "name": " ".join(n for n in names if n)[:255],  # Contact.full_name
                    "academic_year": year,
                }
            )
    # Set-based, each creation still in the history trail; counted at once.
    ids = bulkwrite.insert_with_history(
        TeacherProgress, new, now=timezone.now(), user_id=None, reason="Progress tracking"
    )
    progress_counts_refresh(progress_ids=ids)
    return len(new)


def _target_check(target) -> None:
    if not isinstance(target, int) or isinstance(target, bool) or not 1 <= target <= 100:
        raise ValidationError({"target_sessions": ["A target is a whole number from 1 to 100."]})


@transaction.atomic
def progress_target_set(*, progress: TeacherProgress, target: int) -> TeacherProgress:
    _target_check(target)
    if progress.target_sessions != target:
        progress.target_sessions = target
        progress.save(update_fields=["target_sessions", "updated_at"])
        progress_counts_refresh(progress_ids=[progress.pk])
        progress.refresh_from_db(fields=["sessions_completed", "in_progress_until"])
    return progress


@transaction.atomic
def progress_target_set_for_school(*, school: School, academic_year: int, target: int) -> int:
    """Bulk: every active teacher of `school` in `academic_year`; returns how many changed."""
    _target_check(target)
    changed = []
    for progress in TeacherProgress.objects.filter(school=school, academic_year=academic_year, is_active=True):
        if progress.target_sessions != target:
            progress.target_sessions = target
            progress.save(update_fields=["target_sessions", "updated_at"])  # one by one: each in the history
            changed.append(progress.pk)
    progress_counts_refresh(progress_ids=changed)
    return len(changed)


DEACTIVATION_FIELDS = ("is_active", "deactivation_source", "deactivated_by", "deactivated_at", "deactivation_reason")


@transaction.atomic
def progress_deactivate(*, progress: TeacherProgress, source: str, user=None, reason: str = "") -> TeacherProgress:
    """Record who, when, why. A manual deactivation needs a reason."""
    if source not in DeactivationSource.values or not source:
        raise ValidationError({"source": [f"Unknown deactivation source “{source}”."]})
    reason = (reason or "").strip()
    if source == DeactivationSource.MANUAL and not reason:
        raise ValidationError({"reason": ["Give a reason for deactivating this teacher."]})
    if not progress.is_active:
        return progress
    progress.is_active = False
    progress.deactivation_source = source
    progress.deactivated_by = user if user is not None and user.pk else None
    progress.deactivated_at = timezone.now()
    progress.deactivation_reason = reason
    progress.save(update_fields=[*DEACTIVATION_FIELDS, "updated_at"])  # never the stored counts
    return progress


@transaction.atomic
def progress_reactivate(*, progress: TeacherProgress, user=None) -> TeacherProgress:
    """Back on the dashboard, recounted (writes made while it was inactive counted it too; this
    is the safety net)."""
    progress.is_active = True
    progress.deactivation_source, progress.deactivation_reason = "", ""
    progress.deactivated_by, progress.deactivated_at = None, None
    progress.save(update_fields=[*DEACTIVATION_FIELDS, "updated_at"])
    progress_counts_refresh(progress_ids=[progress.pk])
    return progress


@transaction.atomic
def progress_roster_diff(*, academic_year: int) -> int:
    """Follow the roster: rows of teachers the roster deactivated are deactivated (source
    roster_diff). A manual deactivation is never undone here. Returns rows changed."""
    changed = 0
    rows = TeacherProgress.objects.filter(academic_year=academic_year, teacher__isnull=False).select_related("teacher")
    for progress in rows:
        active = progress.teacher.status == Teacher.Status.ACTIVE
        if progress.is_active and not active:
            progress_deactivate(progress=progress, source=DeactivationSource.ROSTER_DIFF)
            changed += 1
        elif not progress.is_active and active and progress.deactivation_source == DeactivationSource.ROSTER_DIFF:
            progress_reactivate(progress=progress)
            changed += 1
    return changed


@transaction.atomic
def progress_year_close(*, academic_year: int, user=None, today=None) -> int:
    """Year end: every still-active row of an academic year that is over is deactivated (source
    "year end", who, when). Refused for the current or a future year. Returns rows changed."""
    today = today or timezone.localdate()
    if rules.academic_year_bounds(academic_year)[1] >= today:
        raise ValidationError({"academic_year": [f"{rules.academic_year_label(academic_year)} is not over yet."]})
    changed = 0
    for record in TeacherProgress.objects.filter(academic_year=academic_year, is_active=True):
        progress_deactivate(progress=record, source=DeactivationSource.YEAR_END, user=user)
        changed += 1
    return changed


def students_per_volunteer(events: QuerySet) -> int | None:
    """Over in-person events with complete attendance detail: floor(Σ students ÷ Σ classrooms ×
    rotations), the per-event rule summed; None when no event has every input above zero."""
    from_detail = EventAttendanceDetail.objects.filter(
        event__in=events.filter(format=EventFormat.IN_PERSON),
        classrooms__gt=0,
        rotations__gt=0,
        total_students__gt=0,
    ).aggregate(students=Sum("total_students"), slots=Sum(F("classrooms") * F("rotations")))
    if not from_detail["slots"]:
        return None
    return from_detail["students"] // from_detail["slots"]
