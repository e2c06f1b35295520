"""A volunteer's attendance figures (`services.volunteer_stats_refresh`): one set-based UPDATE per
chunk, held to the rule as the ORM states it — times volunteered = attended participations + the
typed-in extra count; first/last volunteered on = the date, in the project's time zone, of the
earliest/latest attended event's start. Runs on SQLite and on PostgreSQL alike."""

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDate

from volunteers import services
from volunteers.models import Volunteer, VolunteerParticipation

from .factories import EventFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def figures(volunteer: Volunteer) -> tuple:
    volunteer.refresh_from_db()
    return volunteer.times_volunteered, volunteer.first_volunteered_on, volunteer.last_volunteered_on


def figures_by_the_orm(ids: list[int]) -> dict[int, tuple]:
    """The rule in the ORM's words (the per-row correlated form the UPDATE replaced)."""
    attended = Q(participations__status="attended")
    day = TruncDate("participations__event__start")  # in the current (the project's) time zone
    rows = Volunteer.objects.filter(pk__in=ids).annotate(
        n=Count("participations", filter=attended),
        first=Min(day, filter=attended),
        last=Max(day, filter=attended),
    )
    return {v.pk: (v.n + v.additional_volunteer_count, v.first, v.last) for v in rows}


def attend(volunteer, start: datetime, status: str = "attended") -> VolunteerParticipation:
    return VolunteerParticipation.objects.create(volunteer=volunteer, event=EventFactory(start=start), status=status)


def test_dates_are_local_dates_of_the_event_start_across_midnight_and_daylight_saving():
    assert settings.TIME_ZONE == "America/Chicago"  # the dates below are Chicago's
    late = VolunteerFactory(additional_volunteer_count=2)
    attend(late, utc(2025, 3, 1, 4, 30))  # 22:30 on 28 February in Chicago (UTC-6)
    attend(late, utc(2025, 3, 9, 5, 30))  # 23:30 on 8 March, the night daylight saving starts
    attend(late, utc(2025, 11, 2, 4, 59))  # 23:59 on 1 November (UTC-5)
    attend(late, utc(2025, 12, 31, 23, 0), status="registered")  # not attended: not counted
    early = VolunteerFactory()
    attend(early, utc(2025, 6, 1, 5, 0))  # midnight in Chicago: 1 June
    attend(early, utc(2025, 6, 1, 4, 59), status="no_show")
    services.volunteer_stats_refresh(volunteer_ids=[late.pk, early.pk])
    assert figures(late) == (5, date(2025, 2, 28), date(2025, 11, 1))
    assert figures(early) == (1, date(2025, 6, 1), date(2025, 6, 1))


def test_figures_match_the_rule_stated_in_the_orm_and_lost_attendance_clears_them(django_assert_num_queries):
    volunteers = [VolunteerFactory(additional_volunteer_count=i % 3) for i in range(9)]
    for i, volunteer in enumerate(volunteers):
        for j in range(i % 4):  # odd volunteers: every second participation cancelled
            status = "cancelled" if j % 2 and i % 2 else "attended"
            attend(volunteer, utc(2025, 1 + j, 1 + i, (5 * i + 7 * j) % 24, 30), status)
    ids = [v.pk for v in volunteers]
    with django_assert_num_queries(1):  # the first volunteer has nothing to change: no participation, no extra
        assert services.volunteer_stats_refresh(volunteer_ids=ids) == 8
    assert {v.pk: figures(v) for v in volunteers} == figures_by_the_orm(ids)
    with django_assert_num_queries(1):
        assert services.volunteer_stats_refresh(volunteer_ids=ids) == 0  # right already: no row written
    VolunteerParticipation.objects.filter(volunteer=volunteers[3]).update(status="cancelled")
    assert services.volunteer_stats_refresh(volunteer_ids=ids) == 1
    assert figures(volunteers[3]) == (0, None, None)


def test_refresh_works_in_chunks(monkeypatch):
    monkeypatch.setattr(services.participations, "COUNT_CHUNK", 2)
    volunteers = [VolunteerFactory() for _ in range(5)]
    for volunteer in volunteers:
        attend(volunteer, utc(2025, 5, 5, 15))
    assert services.volunteer_stats_refresh(volunteer_ids=[v.pk for v in volunteers]) == 5
    assert {figures(v) for v in volunteers} == {(1, date(2025, 5, 5), date(2025, 5, 5))}
