"""One calendar-query rule: ?month=YYYY-MM (or year+month), this month by default, a 400 naming
the parameter for anything else — on every calendar page — and weeks starting on Monday."""

from datetime import date

import pytest
from django.http import QueryDict

from project.dates import BadCalendarQuery, date_from_query, month_from_query, month_neighbours, month_weeks

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    "query, first",
    [
        ("", date(2026, 12, 1)),
        ("month=2025-03", date(2025, 3, 1)),
        ("month=2025-3", date(2025, 3, 1)),
        ("year=2024&month=2", date(2024, 2, 1)),
        ("year=2024", date(2024, 1, 1)),
    ],
)
def test_month_from_query(query, first):
    assert month_from_query(QueryDict(query), today=TODAY) == first


@pytest.mark.parametrize(
    "query, named",
    [
        ("month=2025-13", "2025-13"),
        ("month=abc", "month=abc"),
        ("month=2025-03-01", "month=2025-03-01"),
        ("year=x&month=3", "year=x"),
        ("year=2024&month=0", "2024-00"),
        ("month=0001-01", "0001-01"),
    ],
)
def test_bad_months_are_refused_with_a_message(query, named):
    with pytest.raises(BadCalendarQuery, match=named):
        month_from_query(QueryDict(query), today=TODAY)


def test_date_from_query():
    assert date_from_query(QueryDict("on=2025-02-03"), "on") == date(2025, 2, 3)
    assert date_from_query(QueryDict(""), "on", default=TODAY) == TODAY
    with pytest.raises(BadCalendarQuery, match="on=2025-02-30"):
        date_from_query(QueryDict("on=2025-02-30"), "on")


def test_weeks_start_on_monday_and_neighbours_wrap_years():
    weeks = month_weeks(date(2026, 12, 1))
    assert weeks[0][0] == date(2026, 11, 30) and weeks[0][0].weekday() == 0
    assert all(len(week) == 7 for week in weeks) and weeks[-1][-1] == date(2027, 1, 3)
    assert month_neighbours(date(2026, 1, 1)) == (date(2025, 12, 1), date(2026, 2, 1))
    assert month_neighbours(date(2026, 12, 1)) == (date(2026, 11, 1), date(2027, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/volunteers/events/calendar/", "/scheduling/calendar/", "/oncall/calendar/"])
def test_every_calendar_page_answers_400_with_the_message(admin_user, client, url):
    client.force_login(admin_user)
    good = client.get(url, {"month": "2025-03"})
    assert good.status_code == 200
    bad = client.get(url, {"month": "2025-13"})
    assert bad.status_code == 400
    assert "is not a month" in bad.content.decode()
    assert client.get(url).status_code == 200
