"""Reads for the volunteers domain: querysets with their joins, prefetches and annotations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from project.dates import month_weeks

from . import rules
from .models import (
    Affiliation,
    ContactEmail,
    ContactHistory,
    District,
    Event,
    EventStatus,
    ParticipationStatus,
    School,
    Volunteer,
    VolunteerParticipation,
    VolunteerSkill,
)
from .search import search_term

# --------------------------------------------------------------------------- access


CONTACTS_PERMISSION = "volunteers.view_contact_details"


def user_sees_contacts(user) -> bool:
    """Administrators, coordinators and staff see people; Viewers only aggregates."""
    return user.has_perm(CONTACTS_PERMISSION)


ALL_DISTRICTS_PERMISSION = "volunteers.view_all_districts"


def user_is_district_viewer(user) -> bool:
    """Whether the user's district data is scoped to the districts assigned to them: everyone
    without `volunteers.view_all_districts` (Viewers; Staff and up hold it, see project/roles.py)."""
    return not user.has_perm(ALL_DISTRICTS_PERMISSION)


def viewer_district_ids(user) -> set[int]:
    return set(user.viewer_districts.values_list("district_id", flat=True))


def district_list_for_user(user) -> QuerySet[District]:
    qs = District.objects.all()
    if user_is_district_viewer(user):
        qs = qs.filter(viewer_links__user=user)
    return qs


def school_list_for_user(user) -> QuerySet[School]:
    qs = School.objects.select_related("district")
    if user_is_district_viewer(user):
        qs = qs.filter(district__viewer_links__user=user)
    return qs


# --------------------------------------------------------------------------- directory
class DirectorySort:
    NAME = "name"
    TIMES = "times"
    LAST = "last"
    ORDERING = {
        NAME: ("last_name", "first_name", "id"),
        "-" + NAME: ("-last_name", "-first_name", "-id"),
        TIMES: ("-times_volunteered", "last_name", "id"),
        "-" + TIMES: ("times_volunteered", "last_name", "id"),
        # Never-volunteered people go last either way (PostgreSQL would put NULLs first).
        LAST: (F("last_volunteered_on").desc(nulls_last=True), "last_name", "id"),
        "-" + LAST: (F("last_volunteered_on").asc(nulls_last=True), "last_name", "id"),
    }
    CHOICES = [(NAME, "Name"), (TIMES, "Times volunteered"), (LAST, "Last volunteered")]


def _term_condition(term: str) -> Q:
    """A term matches a name part, an organization (name or alias), title, department or a skill:
    all of them are in the volunteer's stored search text (volunteers.search), one column with a
    trigram index on PostgreSQL that answers `LIKE '%term%'` without a scan."""
    term = search_term(term)
    return Q(pk__in=[]) if term is None else Q(search_text__contains=term)


AFFILIATION_COLUMNS = ("volunteer_id", "organization_id", "role", "is_primary", "status", "organization__name")
SKILL_COLUMNS = ("volunteer_id", "skill_id", "skill__name")


def volunteer_directory(
    *,
    q: str = "",
    organization: int | None = None,
    skill: int | None = None,
    local_status: str = "",
    active: bool | None = None,
    sort: str = DirectorySort.NAME,
    include_excluded: bool = True,
    emails: bool = True,
    related: bool = True,
) -> QuerySet[Volunteer]:
    """Every search term must match (AND); each term may match any of the searchable fields (OR).
    `emails`: prefetch the primary e-mail (as `primary_emails`) for exports and the API.
    `related`: prefetch the affiliations and skills; the directory page reads a page's names with
    `volunteer_list_details` instead (two plain queries, no model rows)."""
    qs = Volunteer.objects.all()
    for term in rules.search_terms(q):
        qs = qs.filter(_term_condition(term))
    if organization:
        qs = qs.filter(Exists(Affiliation.objects.filter(volunteer_id=OuterRef("pk"), organization_id=organization)))
    if skill:
        qs = qs.filter(Exists(VolunteerSkill.objects.filter(volunteer_id=OuterRef("pk"), skill_id=skill)))
    if local_status:
        qs = qs.filter(local_status=local_status)
    if active is True:
        qs = qs.filter(status=Volunteer.Status.ACTIVE)
    elif active is False:
        qs = qs.exclude(status=Volunteer.Status.ACTIVE)
    if not include_excluded:
        qs = qs.filter(exclude_from_reports=False)
    ordering = DirectorySort.ORDERING.get(sort, DirectorySort.ORDERING[DirectorySort.NAME])
    qs = qs.order_by(*ordering)
    if not related:
        return qs
    # The export and the API use these columns of the related rows: the others (audit timestamps,
    # sync ids) are left in the database.
    qs = qs.prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("organization")
            .only(*AFFILIATION_COLUMNS)
            .order_by("-is_primary", "organization__name"),
        ),
        Prefetch(
            "volunteer_skills",
            queryset=VolunteerSkill.objects.select_related("skill").only(*SKILL_COLUMNS).order_by("skill__name"),
        ),
    )
    if emails:
        qs = qs.prefetch_related(
            Prefetch("emails", queryset=ContactEmail.objects.filter(is_primary=True), to_attr="primary_emails")
        )
    return qs


@dataclass(frozen=True)
class VolunteerListDetails:
    """What a list of volunteers shows of their related rows, by volunteer id."""

    organizations: dict[int, str]  # the primary organization's name
    skills: dict[int, list[str]]  # skill names in name order


def volunteer_list_details(*, volunteer_ids: list[int]) -> VolunteerListDetails:
    """The primary organization and the skills of a page of volunteers: two queries of plain
    values (prefetching the same rows as models cost the directory page about 5 ms), none for an
    empty page."""
    if not volunteer_ids:
        return VolunteerListDetails({}, {})
    organizations = dict(
        Affiliation.objects.filter(volunteer_id__in=volunteer_ids, is_primary=True)
        .order_by()
        .values_list("volunteer_id", "organization__name")
    )
    skills: dict[int, list[str]] = {}
    for volunteer_id, name in (
        VolunteerSkill.objects.filter(volunteer_id__in=volunteer_ids)
        .order_by("skill__name", "skill_id")
        .values_list("volunteer_id", "skill__name")
    ):
        skills.setdefault(volunteer_id, []).append(name)
    return VolunteerListDetails(organizations, skills)


def volunteer_profile(*, pk: int) -> Volunteer:
    return Volunteer.objects.prefetch_related(
        "emails",
        "phones",
        "addresses",
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
        Prefetch("volunteer_skills", queryset=VolunteerSkill.objects.select_related("skill")),
        Prefetch(
            "participations",
            queryset=VolunteerParticipation.objects.select_related("event", "event__school").order_by("-event__start"),
        ),
        Prefetch("history_entries", queryset=ContactHistory.objects.select_related("author")),
        "recruitment_notes__event",
        "recruitment_notes__author",
    ).get(pk=pk)


# --------------------------------------------------------------------------- events
def event_list(
    *,
    q: str = "",
    status: str = "",
    event_type: str = "",
    format: str = "",
    district: int | None = None,
    school: int | None = None,
    start: date | None = None,
    end: date | None = None,
    user=None,
    related: bool = True,
) -> QuerySet[Event]:
    """`related`: with the school's district and the event's districts (the export, the calendar);
    the event list page reads a page's district names with `event_district_names` instead."""
    qs = Event.objects.select_related("school", "school__district").prefetch_related("districts")
    if not related:
        qs = Event.objects.select_related("school")
    if user is not None and user_is_district_viewer(user):
        qs = qs.filter(districts__viewer_links__user=user).distinct()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(location__icontains=q) | Q(school__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event_type=event_type)
    if format:
        qs = qs.filter(format=format)
    if district:
        qs = qs.filter(districts=district)
    if school:
        qs = qs.filter(school_id=school)
    if start:
        qs = qs.filter(start__gte=_day_start(start))
    if end:
        qs = qs.filter(start__lt=_day_start(end + timedelta(days=1)))
    return qs.order_by("-start", "id")


def event_district_names(*, event_ids: list[int]) -> dict[int, list[str]]:
    """The district names (in name order) of a page of events, by event id: one query of plain
    values, none for an empty page."""
    names: dict[int, list[str]] = {}
    if not event_ids:
        return names
    for event_id, name in (
        Event.districts.through.objects.filter(event_id__in=event_ids)
        .order_by("district__name", "district_id")
        .values_list("event_id", "district__name")
    ):
        names.setdefault(event_id, []).append(name)
    return names


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    events: list


def event_calendar(*, year: int, month: int, events: QuerySet[Event]) -> list[list[CalendarDay]]:
    """Weeks of the month (starting on settings.WEEK_START), each day with its events, in one query."""
    weeks = month_weeks(date(year, month, 1))
    grid_start, grid_end = weeks[0][0], weeks[-1][-1]
    by_day: dict[date, list] = {}
    for event in events.filter(
        start__gte=_day_start(grid_start), start__lt=_day_start(grid_end + timedelta(days=1))
    ).order_by("start"):
        by_day.setdefault(timezone.localdate(event.start), []).append(event)
    return [[CalendarDay(day, day.month == month, by_day.get(day, [])) for day in week] for week in weeks]


def event_detail(*, pk: int) -> Event:
    return (
        Event.objects.select_related("school", "school__district", "cancellation_set_by")
        .prefetch_related(
            "districts",
            "skills",
            Prefetch(
                "volunteer_participations",
                queryset=VolunteerParticipation.objects.select_related("volunteer").order_by(
                    "volunteer__last_name", "volunteer__first_name"
                ),
            ),
        )
        .get(pk=pk)
    )


def participation_list(*, user=None) -> QuerySet[VolunteerParticipation]:
    return VolunteerParticipation.objects.select_related("event", "volunteer").order_by("-event__start", "id")


# --------------------------------------------------------------------------- recruitment
CANDIDATE_POOL_LIMIT = 5000


def recruitment_candidates_qs() -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(
        status=Volunteer.Status.ACTIVE, do_not_contact=False, email_opt_out=False, exclude_from_reports=False
    )


def event_keywords(*, event: Event, extra: str = "") -> list[str]:
    skill_names = [s.name for s in event.skills.all()]
    return rules.keywords_from_text(extra, event.title, event.get_event_type_display(), *skill_names)


def recruitment_rank(
    *, event: Event, extra_keywords: str = "", limit: int = 100, today: date | None = None
) -> tuple[list[str], list[tuple[Volunteer, rules.CandidateScore]]]:
    """Rank eligible volunteers for `event` with the flat-bonus score; returns (keywords, ranked).

    Four queries whatever the pool size: candidates, their skills, the event types they attended,
    and the page of volunteers shown.
    """
    today = today or timezone.localdate()
    keywords = event_keywords(event=event, extra=extra_keywords)
    rows = list(
        recruitment_candidates_qs()
        .order_by("-times_volunteered", "id")
        .values_list(
            "id",
            "title",
            "department",
            "industry",
            "last_volunteered_on",
            "local_status",
            "times_volunteered",
        )[:CANDIDATE_POOL_LIMIT]
    )
    ids = [r[0] for r in rows]
    skills: dict[int, list[str]] = {}
    types: dict[int, set[str]] = {}
    if ids:
        for vid, name in VolunteerSkill.objects.filter(volunteer__in=recruitment_candidates_qs()).values_list(
            "volunteer_id", "skill__name"
        ):
            skills.setdefault(vid, []).append(name)
        for vid, etype in (
            VolunteerParticipation.objects.filter(
                volunteer__in=recruitment_candidates_qs(),
                status=ParticipationStatus.ATTENDED,
                event__event_type=event.event_type,
            )
            .values_list("volunteer_id", "event__event_type")
            .distinct()
        ):
            types.setdefault(vid, set()).add(etype)
    facts = [
        rules.CandidateFacts(
            volunteer_id=vid,
            event_types_done=frozenset(types.get(vid, ())),
            skills=tuple(skills.get(vid, ())),
            title=title,
            department=dept,
            industry=industry,
            days_since_last=(today - last).days if last else None,
            local_status=local,
            times_volunteered=times,
        )
        for vid, title, dept, industry, last, local, times in rows
    ]
    ranked = rules.rank_candidates(facts, event_type=event.event_type, keywords=keywords)[:limit]
    volunteers = Volunteer.objects.in_bulk([s.volunteer_id for s in ranked])
    emails = dict(
        ContactEmail.objects.filter(contact_id__in=[s.volunteer_id for s in ranked], is_primary=True).values_list(
            "contact_id", "email"
        )
    )
    result = []
    for score in ranked:
        volunteer = volunteers[score.volunteer_id]
        volunteer.primary_email = emails.get(score.volunteer_id, "")
        result.append((volunteer, score))
    return keywords, result


def upcoming_event_statuses() -> tuple[str, ...]:
    return (EventStatus.REQUESTED, EventStatus.PUBLISHED, EventStatus.CONFIRMED, EventStatus.DRAFT)
