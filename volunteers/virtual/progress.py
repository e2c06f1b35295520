"""Teacher progress: the classification rule, the status rule, and reading/writing progress rows.

Rules (plain functions, no ORM):
- `session_class`: one priority — no-show beats cancellation beats completed; a session not yet
  finished counts as planned; statuses compared case- and punctuation-insensitively;
- an active override wins over the imported data: "add" counts the session as completed,
  "remove" does not count it at all;
- `progress_status`: achieved when completed ≥ target; in progress when completed + planned ≥
  target; else not started; the percentage is capped at 100.
`progress_rows` reads a whole district (or school, or one teacher) in a constant number of
queries and computes in Python.
"""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, reduce

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import rules
from ..models import (
    AttendanceOverride,
    ContactEmail,
    DeactivationSource,
    EventAttendanceDetail,
    EventFormat,
    EventStatus,
    ParticipationStatus,
    School,
    Teacher,
    TeacherParticipation,
    TeacherProgress,
)
from . import bulkwrite

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
    parts = (
        TeacherParticipation.objects.filter(
            teacher_id__in=list(by_teacher), event__format=EventFormat.VIRTUAL, event__start__range=(lo, hi)
        )
        .annotate(upcoming=ExpressionWrapper(Q(event__start__gte=now), output_field=BooleanField()))
        .order_by()
    )
    # Counting needs no titles or dates (the database says which sessions are still to come).
    fields = ("teacher_id", "event_id", "event__status", "status", "upcoming")
    parts = parts.values_list(*fields, "event__title", "event__start") if with_sessions else parts.values_list(*fields)
    overrides: dict[tuple[int, int], AttendanceOverride] = {
        (o.progress_id, o.event_id): o
        for o in AttendanceOverride.objects.filter(
            progress_id__in=[r.progress.pk for r in rows], is_active=True
        ).select_related("event")
    }
    lines: dict[int, dict[int, SessionLine]] = defaultdict(dict)
    for teacher_id, event_id, event_status, part_status, upcoming, *detail in parts:
        counted = session_class(event_status=event_status, participation_status=part_status, upcoming=bool(upcoming))
        title, when = detail if detail else ("", None)
        for row in by_teacher[teacher_id]:
            lines[row.progress.pk][event_id] = SessionLine(event_id, title, when, event_status, part_status, counted)
    for (progress_id, event_id), override in overrides.items():
        line = lines[progress_id].get(event_id)
        if line is None:
            event = override.event
            line = SessionLine(event_id, event.title, event.start, event.status, "", None)
            lines[progress_id][event_id] = line
        line.override = override
        line.counted_as = COMPLETED if override.action == AttendanceOverride.Action.ADD else None
    for row in rows:
        for line in lines.get(row.progress.pk, {}).values():
            if line.counted_as == COMPLETED:
                row.completed += 1
            elif line.counted_as == PLANNED:
                row.planned += 1
            elif line.counted_as == NO_SHOW:
                row.no_show += 1
            elif line.counted_as == CANCELLED:
                row.cancelled += 1
        row.status, row.percent = progress_status(
            completed=row.completed, planned=row.planned, target=max(1, row.progress.target_sessions)
        )
        if with_sessions:
            row.sessions = sorted(lines.get(row.progress.pk, {}).values(), key=lambda s: s.start)
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


def _class_q(counted_as: str, *, now: datetime, status: str = "status", event: str = "event__") -> Q:
    """The participations (of TeacherParticipation) `session_class` puts in `counted_as`, as SQL.

    Derived from `session_class` itself over every stored (event status, participation status,
    upcoming) combination, so the database and Python apply the one rule. `status` and `event`
    are the paths to the participation's status and its event from the queried model."""
    by_part: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for part in ParticipationStatus.values:
        for event_status in EventStatus.values:
            for upcoming in (True, False):
                if session_class(event_status=event_status, participation_status=part, upcoming=upcoming) == counted_as:
                    by_part[(part, upcoming)].append(event_status)
    found = []
    for part in ParticipationStatus.values:
        soon, past = set(by_part.get((part, True), [])), set(by_part.get((part, False), []))
        if both := sorted(soon & past):
            found.append(Q(**{status: part, f"{event}status__in": both}))
        if only_soon := sorted(soon - past):
            found.append(Q(**{status: part, f"{event}status__in": only_soon, f"{event}start__gte": now}))
        if only_past := sorted(past - soon):
            found.append(Q(**{status: part, f"{event}status__in": only_past, f"{event}start__lt": now}))
    return reduce(operator.or_, found) if found else Q(pk__in=[])


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    return Coalesce(Subquery(counted.values("n")[:1]), 0, output_field=IntegerField())


def progress_counted(*, academic_year: int, now: datetime | None = None) -> QuerySet[TeacherProgress]:
    """`TeacherProgress` rows annotated in SQL with `completed`, `planned` and `status` (the same
    rules as `progress_rows`: overrides win; "add" counts as completed, "remove" not at all)."""
    now = now or timezone.now()
    lo, hi = _year_range(academic_year)
    overridden = AttendanceOverride.objects.filter(progress_id=OuterRef(OuterRef("pk")), is_active=True)
    parts = TeacherParticipation.objects.filter(
        teacher_id=OuterRef("teacher_id"), event__format=EventFormat.VIRTUAL, event__start__range=(lo, hi)
    ).exclude(event_id__in=overridden.values("event_id"))
    added = AttendanceOverride.objects.filter(
        progress_id=OuterRef("pk"), is_active=True, action=AttendanceOverride.Action.ADD
    )
    target = Case(When(target_sessions__lt=1, then=Value(1)), default=F("target_sessions"), output_field=IntegerField())
    return (
        TeacherProgress.objects.filter(academic_year=academic_year)
        .annotate(
            completed=_count(parts.filter(_class_q(COMPLETED, now=now))) + _count(added),
            planned=_count(parts.filter(_class_q(PLANNED, now=now))),
        )
        .annotate(
            status=Case(
                When(completed__gte=target, then=Value(ACHIEVED)),
                When(Q(completed__gte=target - F("planned")), then=Value(IN_PROGRESS)),
                default=Value(NOT_STARTED),
                output_field=CharField(),
            )
        )
    )


def _status_sql(completed: str, planned: str, target: str) -> dict[str, str]:
    """`progress_status` as SQL conditions over three numeric SQL expressions."""
    return {
        ACHIEVED: f"{completed} >= {target}",
        IN_PROGRESS: f"{completed} < {target} AND {completed} + {planned} >= {target}",
        NOT_STARTED: f"{completed} + {planned} < {target}",
    }


def school_counts(*, district_id: int, academic_year: int, now: datetime | None = None) -> list[SchoolSummary]:
    """The district dashboard: per school, active teachers and how many are at each status —
    counted by the database in one statement whatever the number of teachers:
    - per teacher, one pass over their virtual participations of the year (`_class_q`, the
      Python rule in SQL);
    - per progress row, its active overrides: each takes away what the teacher's participation
      in that session counted as, and an "add" counts as completed;
    - then each row's status (`progress_status` in SQL) and a count per school and status."""
    now = now or timezone.now()
    lo, hi = _year_range(academic_year)
    rows = TeacherProgress.objects.filter(district_id=district_id, academic_year=academic_year, is_active=True)
    in_year = {"event__format": EventFormat.VIRTUAL, "event__start__range": (lo, hi)}
    per_teacher = (
        TeacherParticipation.objects.filter(teacher_id__in=rows.values("teacher_id"), **in_year)
        .order_by()
        .values("teacher_id")
        .annotate(
            completed=Count("pk", filter=_class_q(COMPLETED, now=now)),
            planned=Count("pk", filter=_class_q(PLANNED, now=now)),
        )
    )
    overrides = AttendanceOverride.objects.filter(progress__in=rows, is_active=True).order_by()
    added = overrides.filter(action=AttendanceOverride.Action.ADD).values("progress_id").annotate(n=Count("pk"))
    # What an override replaces: the teacher's own participation in that session, as it counted.
    theirs = "event__teacher_participations__"
    replaced = (
        overrides.filter(**{f"{theirs}teacher_id": F("progress__teacher_id")}, **in_year)
        .values("progress_id")
        .annotate(
            completed=Count("pk", filter=_class_q(COMPLETED, now=now, status=f"{theirs}status")),
            planned=Count("pk", filter=_class_q(PLANNED, now=now, status=f"{theirs}status")),
        )
    )
    progress_rows_ = rows.order_by().values("id", "school_id", "teacher_id", "target_sessions")
    parts = [q.query.sql_with_params() for q in (progress_rows_, per_teacher, added, replaced)]
    (p_sql, p_params), (t_sql, t_params), (a_sql, a_params), (r_sql, r_params) = parts
    status = _status_sql("x.completed", "x.planned", "x.target")
    school = connection.ops.quote_name(School._meta.db_table)
    sums = ", ".join(f"SUM(CASE WHEN {status[key]} THEN 1 ELSE 0 END)" for key in STATUS_LABELS)
    # Bandit B608: the parts are Django's own compiled SQL (values are bound parameters).
    derived = (
        "SELECT p.school_id AS school_id, CASE WHEN p.target_sessions < 1 THEN 1 ELSE p.target_sessions END AS target, "  # noqa: S608 - compiled querysets, bound parameters # nosec B608
        "COALESCE(t.completed, 0) - COALESCE(r.completed, 0) + COALESCE(a.n, 0) AS completed, "
        "COALESCE(t.planned, 0) - COALESCE(r.planned, 0) AS planned "
        f"FROM ({p_sql}) p LEFT JOIN ({t_sql}) t ON t.teacher_id = p.teacher_id "
        f"LEFT JOIN ({a_sql}) a ON a.progress_id = p.id LEFT JOIN ({r_sql}) r ON r.progress_id = p.id"
    )
    query = (
        f"SELECT x.school_id, s.name, COUNT(*), {sums} FROM ({derived}) x "  # noqa: S608 - compiled querysets, bound parameters # nosec B608
        f"LEFT JOIN {school} s ON s.id = x.school_id GROUP BY x.school_id, s.name"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*p_params, *t_params, *a_params, *r_params])
        found = cursor.fetchall()
    summaries = [
        SchoolSummary(school_id, name or "No school", teachers, *(int(n or 0) for n in counts))
        for school_id, name, teachers, *counts in found
    ]
    return sorted(summaries, key=lambda s: s.name.lower())


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
    # Set-based, each creation still in the history trail.
    bulkwrite.insert_with_history(TeacherProgress, new, now=timezone.now(), user_id=None, reason="Progress tracking")
    return len(new)


@transaction.atomic
def progress_target_set(*, progress: TeacherProgress, target: int) -> TeacherProgress:
    if not isinstance(target, int) or not 1 <= target <= 100:
        raise ValidationError({"target_sessions": ["A target is a whole number from 1 to 100."]})
    if progress.target_sessions != target:
        progress.target_sessions = target
        progress.save(update_fields=["target_sessions", "updated_at"])
    return progress


@transaction.atomic
def progress_target_set_for_school(*, school: School, academic_year: int, target: int) -> int:
    """Bulk: every active teacher of `school` in `academic_year`; returns how many changed."""
    changed = 0
    for progress in TeacherProgress.objects.filter(school=school, academic_year=academic_year, is_active=True):
        if progress.target_sessions != target:
            progress_target_set(progress=progress, target=target)
            changed += 1
    return changed


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
    progress.save()
    return progress


@transaction.atomic
def progress_reactivate(*, progress: TeacherProgress, user=None) -> TeacherProgress:
    progress.is_active = True
    progress.deactivation_source, progress.deactivation_reason = "", ""
    progress.deactivated_by, progress.deactivated_at = None, None
    progress.save()
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
