"""Report queries (the metrics), each returning a `Report` that pages, exports and the API share.

Conventions, applied to every report:
- only *attended* participations count (the enum, never substring matching of raw strings);
- volunteers and students marked "exclude from reports" are left out;
- hours are the sum of participation delivery hours;
- an academic year runs Aug 1 – Jul 31 (`rules.academic_year_bounds`);
- the district year-end counts events that happened (Completed or Simulcast) linked to the district.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from . import rules
from .models import (
    REPORTABLE_EVENT_STATUSES,
    Affiliation,
    District,
    Event,
    EventFormat,
    EventType,
    Organization,
    ParticipationStatus,
    School,
    SchoolLevel,
    StudentParticipation,
    TeacherParticipation,
    Volunteer,
    VolunteerParticipation,
)
from .virtual import progress as virtual_progress

VIRTUAL_STUDENTS_PER_TEACHER = 25
ZERO_HOURS = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


@dataclass
class Report:
    slug: str
    title: str
    subtitle: str
    summary: list[tuple[str, object]]
    columns: list[str]
    rows: list[list]
    charts: list[dict] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # structured figures for the API


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _range(start: date, end: date) -> Q:
    """Events starting on `start` … `end` inclusive."""
    return Q(event__start__gte=_start(start), event__start__lt=_start(end + timedelta(days=1)))


def _attended() -> Q:
    return Q(status=ParticipationStatus.ATTENDED, volunteer__exclude_from_reports=False)


def _primary_orgs(volunteer_ids) -> dict[int, str]:
    return dict(
        Affiliation.objects.filter(volunteer_id__in=list(volunteer_ids), is_primary=True).values_list(
            "volunteer_id", "organization__name"
        )
    )


def _hours(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- thank-you
def thank_you_report(*, start: date, end: date, by: str = "hours", limit: int = 25) -> Report:
    order = ("-hours", "-events") if by == "hours" else ("-events", "-hours")
    rows = list(
        VolunteerParticipation.objects.filter(_attended(), _range(start, end))
        .values("volunteer_id", "volunteer__first_name", "volunteer__last_name")
        .annotate(events=Count("event_id", distinct=True), hours=Coalesce(Sum("delivery_hours"), ZERO_HOURS))
        .order_by(*order, "volunteer__last_name", "volunteer_id")[:limit]
    )
    orgs = _primary_orgs(r["volunteer_id"] for r in rows)
    table = [
        [
            i + 1,
            f"{r['volunteer__first_name']} {r['volunteer__last_name']}",
            orgs.get(r["volunteer_id"], ""),
            r["events"],
            _hours(r["hours"]),
        ]
        for i, r in enumerate(rows)
    ]
    return Report(
        slug="thank-you",
        title="Volunteer thank-you",
        subtitle=f"Top {limit} by {'hours' if by == 'hours' else 'events'}, {start:%b %d, %Y} – {end:%b %d, %Y}",
        summary=[
            ("Volunteers listed", len(table)),
            ("Hours", sum((r[4] for r in table), Decimal("0"))),
            ("Events", sum(r[3] for r in table)),
        ],
        columns=["Rank", "Volunteer", "Organization", "Events", "Hours"],
        rows=table,
        charts=[
            {
                "id": "top",
                "type": "bar",
                "title": "Hours" if by == "hours" else "Events",
                "labels": [r[1] for r in table[:15]],
                "values": [float(r[4]) if by == "hours" else r[3] for r in table[:15]],
            }
        ],
        data={
            "start": start,
            "end": end,
            "by": by,
            "limit": limit,
            "volunteers": [
                {
                    "rank": r[0],
                    "volunteer_id": rows[i]["volunteer_id"],
                    "name": r[1],
                    "organization": r[2],
                    "events": r[3],
                    "hours": r[4],
                }
                for i, r in enumerate(table)
            ],
        },
    )


# --------------------------------------------------------------------------- district year-end
def district_year_end_report(*, district: District, year: int) -> Report:
    start, end = rules.academic_year_bounds(year)
    events = Event.objects.filter(
        districts=district,
        status__in=REPORTABLE_EVENT_STATUSES,
        start__gte=_start(start),
        start__lt=_start(end + timedelta(days=1)),
    )
    by_format = dict(events.values_list("format").annotate(n=Count("id")).order_by())
    in_person, virtual = by_format.get(EventFormat.IN_PERSON, 0), by_format.get(EventFormat.VIRTUAL, 0)

    students = StudentParticipation.objects.filter(
        event__in=events,
        event__format=EventFormat.IN_PERSON,
        status=ParticipationStatus.ATTENDED,
        student__exclude_from_reports=False,
    )
    unique_students = students.values("student_id").distinct().count()
    teachers_virtual = TeacherParticipation.objects.filter(
        event__in=events, event__format=EventFormat.VIRTUAL, status=ParticipationStatus.ATTENDED
    ).count()
    virtual_students = teachers_virtual * VIRTUAL_STUDENTS_PER_TEACHER

    vparts = VolunteerParticipation.objects.filter(_attended(), event__in=events)
    totals = vparts.aggregate(
        engagements=Count("id"),
        volunteers=Count("volunteer_id", distinct=True),
        hours=Coalesce(Sum("delivery_hours"), ZERO_HOURS),
    )
    organizations = (
        Affiliation.objects.filter(is_primary=True, volunteer_id__in=vparts.values("volunteer_id"))
        .values("organization_id")
        .distinct()
        .count()
    )
    schools = dict(
        School.objects.filter(events__in=events).values_list("level").annotate(n=Count("id", distinct=True)).order_by()
    )
    schools_by_level = {label: schools.get(value, 0) for value, label in SchoolLevel.choices}

    type_events = dict(events.values_list("event_type").annotate(n=Count("id")).order_by())
    type_vol = {
        r["event__event_type"]: r
        for r in vparts.values("event__event_type")
        .annotate(engagements=Count("id"), hours=Coalesce(Sum("delivery_hours"), ZERO_HOURS))
        .order_by()
    }
    type_students = dict(
        students.values_list("event__event_type").annotate(n=Count("student_id", distinct=True)).order_by()
    )
    type_teachers = dict(
        TeacherParticipation.objects.filter(
            event__in=events, event__format=EventFormat.VIRTUAL, status=ParticipationStatus.ATTENDED
        )
        .values_list("event__event_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    breakdown = []
    for value, label in EventType.choices:
        if value not in type_events:
            continue
        vol = type_vol.get(value, {})
        breakdown.append(
            [
                label,
                type_events[value],
                vol.get("engagements", 0),
                _hours(vol.get("hours")),
                type_students.get(value, 0) + type_teachers.get(value, 0) * VIRTUAL_STUDENTS_PER_TEACHER,
            ]
        )

    figures = {
        "events_total": in_person + virtual,
        "events_in_person": in_person,
        "events_virtual": virtual,
        "students_in_person_unique": unique_students,
        "virtual_teacher_engagements": teachers_virtual,
        "students_virtual_estimated": virtual_students,
        "students_reached": unique_students + virtual_students,
        "volunteer_engagements": totals["engagements"],
        "unique_volunteers": totals["volunteers"],
        "volunteer_hours": _hours(totals["hours"]),
        "unique_organizations": organizations,
        "schools_by_level": schools_by_level,
        "schools_total": sum(schools_by_level.values()),
        "students_per_volunteer": virtual_progress.students_per_volunteer(events),
    }
    return Report(
        slug="district-year-end",
        title=f"{district.name} — year-end {rules.academic_year_label(year)}",
        subtitle=f"Academic year {start:%b %d, %Y} – {end:%b %d, %Y}; completed events only",
        summary=[
            ("Events", figures["events_total"]),
            ("In-person events", in_person),
            ("Virtual events", virtual),
            ("Students reached", figures["students_reached"]),
            ("  unique in-person students", unique_students),
            (f"  virtual (attending teachers × {VIRTUAL_STUDENTS_PER_TEACHER})", virtual_students),
            ("Volunteer engagements", figures["volunteer_engagements"]),
            ("Unique volunteers", figures["unique_volunteers"]),
            ("Volunteer hours", figures["volunteer_hours"]),
            ("Students per volunteer (in-person, from attendance detail)", figures["students_per_volunteer"] or "—"),
            ("Unique organizations", organizations),
            ("Schools reached", figures["schools_total"]),
        ]
        + [(f"  {label} schools", n) for label, n in schools_by_level.items()],
        columns=["Event type", "Events", "Volunteer engagements", "Hours", "Students reached"],
        rows=breakdown,
        charts=[
            {
                "id": "format",
                "type": "doughnut",
                "title": "Events by format",
                "labels": ["In person", "Virtual"],
                "values": [in_person, virtual],
            },
            {
                "id": "types",
                "type": "bar",
                "title": "Events by type",
                "labels": [r[0] for r in breakdown],
                "values": [r[1] for r in breakdown],
            },
        ],
        data={
            "district": {"id": district.pk, "name": district.name},
            "academic_year": year,
            "start": start,
            "end": end,
            **figures,
            "by_event_type": [
                {
                    "event_type": r[0],
                    "events": r[1],
                    "volunteer_engagements": r[2],
                    "hours": r[3],
                    "students_reached": r[4],
                }
                for r in breakdown
            ],
        },
    )


# --------------------------------------------------------------------------- organizations
def organization_report(*, year: int, organization: Organization | None = None) -> Report:
    """Per organization (any affiliation of the volunteer), events its volunteers attended."""
    start, end = rules.academic_year_bounds(year)
    # One filter() call, so the affiliation join is shared by the filter and the grouping.
    org_condition = (
        Q(volunteer__affiliations__organization=organization)
        if organization is not None
        else Q(volunteer__affiliations__isnull=False)
    )
    qs = VolunteerParticipation.objects.filter(_attended(), _range(start, end), org_condition)
    rows = list(
        qs.values("volunteer__affiliations__organization_id", "volunteer__affiliations__organization__name")
        .annotate(
            events=Count("event_id", distinct=True),
            in_person=Count("event_id", distinct=True, filter=Q(event__format=EventFormat.IN_PERSON)),
            virtual=Count("event_id", distinct=True, filter=Q(event__format=EventFormat.VIRTUAL)),
            volunteers=Count("volunteer_id", distinct=True),
            hours=Coalesce(Sum("delivery_hours"), ZERO_HOURS),
        )
        .order_by("-volunteers", "-events", "volunteer__affiliations__organization__name")
    )
    table = [
        [
            r["volunteer__affiliations__organization__name"],
            r["events"],
            r["in_person"],
            r["virtual"],
            r["volunteers"],
            _hours(r["hours"]),
        ]
        for r in rows
    ]
    return Report(
        slug="organizations",
        title=f"Organizations — {rules.academic_year_label(year)}",
        subtitle=(organization.name if organization else "All organizations")
        + f", {start:%b %d, %Y} – {end:%b %d, %Y}",
        summary=[("Organizations", len(table)), ("Volunteer hours", sum((r[5] for r in table), Decimal("0")))],
        columns=["Organization", "Events", "In person", "Virtual", "Volunteers", "Hours"],
        rows=table,
        charts=[
            {
                "id": "orgs",
                "type": "bar",
                "title": "Volunteers by organization",
                "labels": [r[0] for r in table[:15]],
                "values": [r[4] for r in table[:15]],
            }
        ],
        data={
            "academic_year": year,
            "start": start,
            "end": end,
            "organizations": [
                {
                    "organization_id": r["volunteer__affiliations__organization_id"],
                    "name": t[0],
                    "events": t[1],
                    "events_in_person": t[2],
                    "events_virtual": t[3],
                    "volunteers": t[4],
                    "hours": t[5],
                }
                for r, t in zip(rows, table, strict=True)
            ],
        },
    )


# --------------------------------------------------------------------------- first-time
def first_time_volunteers_report(*, start: date, end: date) -> Report:
    """Volunteers whose first attended participation ever (not a synced date field) is in the period."""
    attended = Q(participations__status=ParticipationStatus.ATTENDED)
    first_event = VolunteerParticipation.objects.filter(
        volunteer_id=OuterRef("pk"), status=ParticipationStatus.ATTENDED
    ).order_by("event__start", "id")
    volunteers = list(
        Volunteer.objects.filter(exclude_from_reports=False)
        .annotate(first_at=Min("participations__event__start", filter=attended))
        .filter(first_at__gte=_start(start), first_at__lt=_start(end + timedelta(days=1)))
        .annotate(first_title=Subquery(first_event.values("event__title")[:1]))
        .order_by("first_at", "last_name", "id")
        .values("id", "first_name", "last_name", "first_at", "first_title")
    )
    orgs = _primary_orgs(v["id"] for v in volunteers)
    table = [
        [
            f"{v['first_name']} {v['last_name']}",
            orgs.get(v["id"], ""),
            timezone.localdate(v["first_at"]),
            v["first_title"],
        ]
        for v in volunteers
    ]
    months: dict[str, int] = {}
    for row in table:
        months[row[2].strftime("%Y-%m")] = months.get(row[2].strftime("%Y-%m"), 0) + 1
    return Report(
        slug="first-time",
        title="First-time volunteers",
        subtitle=f"First attended event between {start:%b %d, %Y} and {end:%b %d, %Y}",
        summary=[("First-time volunteers", len(table))],
        columns=["Volunteer", "Organization", "First volunteered", "First event"],
        rows=table,
        charts=[
            {
                "id": "months",
                "type": "bar",
                "title": "First-time volunteers per month",
                "labels": list(months),
                "values": list(months.values()),
            }
        ],
        data={
            "start": start,
            "end": end,
            "count": len(table),
            "volunteers": [
                {"volunteer_id": v["id"], "name": t[0], "organization": t[1], "first_date": t[2], "first_event": t[3]}
                for v, t in zip(volunteers, table, strict=True)
            ],
        },
    )


def participations_by_month(*, start: date, end: date) -> list[tuple[str, int]]:
    rows = (
        VolunteerParticipation.objects.filter(_attended(), _range(start, end))
        .annotate(month=TruncMonth("event__start"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return [(r["month"].strftime("%Y-%m"), r["n"]) for r in rows]
