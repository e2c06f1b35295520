"""One week start (settings.WEEK_START, Monday by default) in every calendar, week view, weekly
paperwork and weekly report."""

from __future__ import annotations

import re
from datetime import date

import pytest

from project.dates import first_weekday, month_weeks, week_days, week_start
from scheduling import paperwork, reports
from tests.oncall.factories import TeamFactory

WEDNESDAY = date(2026, 12, 9)


def test_monday_by_default():
    assert first_weekday() == 0
    assert week_start(WEDNESDAY) == date(2026, 12, 7)
    assert week_days(WEDNESDAY)[0] == date(2026, 12, 7) and week_days(WEDNESDAY)[-1] == date(2026, 12, 13)
    weeks = month_weeks(date(2026, 12, 1))
    assert weeks[0][0] == date(2026, 11, 30) and all(week[0].weekday() == 0 for week in weeks)


def test_sunday_when_configured(settings):
    settings.WEEK_START = 6
    assert week_start(WEDNESDAY) == date(2026, 12, 6)
    assert week_start(date(2026, 12, 6)) == date(2026, 12, 6)  # a Sunday starts its own week
    weeks = month_weeks(date(2026, 12, 1))
    assert weeks[0][0] == date(2026, 11, 29) and all(week[0].weekday() == 6 for week in weeks)
    assert paperwork.week_start_for(WEDNESDAY) == reports.week_start(WEDNESDAY) == date(2026, 12, 6)


def test_paperwork_and_reports_follow_the_default():
    assert paperwork.week_start_for(WEDNESDAY) == reports.week_start(WEDNESDAY) == date(2026, 12, 7)


@pytest.mark.parametrize("value", [7, -1, "0"])
def test_a_wrong_setting_is_refused(settings, value):
    settings.WEEK_START = value
    with pytest.raises(ValueError, match="WEEK_START"):
        week_start(WEDNESDAY)


def first_header(html: str) -> str:
    table = html.split('<table class="table calendar', 1)[1]
    return re.search(r"<th[^>]*>([^<]+)</th>", table)[1]


CALENDARS = [
    "/scheduling/calendar/?month=2026-12",
    "/volunteers/events/calendar/?month=2026-12",
    "/oncall/calendar/?month=2026-12",
]


@pytest.mark.django_db
@pytest.mark.parametrize(("week_start_setting", "first"), [(0, "Mon"), (6, "Sun"), (2, "Wed")])
@pytest.mark.parametrize("path", CALENDARS)
def test_every_month_calendar_starts_on_the_setting(client, admin_user, settings, path, week_start_setting, first):
    settings.WEEK_START = week_start_setting
    TeamFactory(name="Ops")
    client.force_login(admin_user)
    html = client.get(path).content.decode()
    assert first_header(html) == first


@pytest.mark.django_db
@pytest.mark.parametrize(("week_start_setting", "first"), [(0, "Mon 7 Dec"), (6, "Sun 6 Dec")])
def test_the_scheduling_week_view_starts_on_the_setting(client, admin_user, settings, week_start_setting, first):
    settings.WEEK_START = week_start_setting
    client.force_login(admin_user)
    html = client.get("/scheduling/week/2026-12-09/").content.decode()
    headers = re.findall(r"<th[^>]*>(?:<a [^>]*>)?([^<]+)", html.split("<thead>", 1)[1].split("</thead>", 1)[0])
    assert headers[:2] == ["Employee", first] and len(headers) == 8
