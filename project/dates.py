"""Calendar query parsing and weeks: one rule for every month view.

`?month=YYYY-MM` picks the month (`?year=YYYY&month=M` is read too, for older links); no
parameter means this month. Anything else is a 400 with a message naming the parameter —
never a silent jump to another month.

Weeks start on the day named by `settings.WEEK_START` (0 = Monday, the default, as in ISO 8601;
6 = Sunday) in every calendar, week view, weekly paperwork and weekly report: they all ask
`week_start` / `month_weeks` here.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import BadRequest

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MIN_YEAR, MAX_YEAR = 1900, 2999


class BadCalendarQuery(BadRequest):
    """A 400 whose message is shown to the user."""


def month_from_query(params: Mapping[str, str], *, today: date) -> date:
    """The first day of the month the query asks for (this month when it asks for none)."""
    raw_month = (params.get("month") or "").strip()
    raw_year = (params.get("year") or "").strip()
    if not raw_month and not raw_year:
        return today.replace(day=1)
    if raw_year:
        if not raw_year.isdigit() or (raw_month and not raw_month.isdigit()):
            raise BadCalendarQuery(f"“year={raw_year}&month={raw_month}” is not a month: use ?month=YYYY-MM.")
        year, month = int(raw_year), int(raw_month or 1)
    else:
        found = MONTH.match(raw_month)
        if not found:
            raise BadCalendarQuery(f"“month={raw_month}” is not a month: use ?month=YYYY-MM, e.g. {today:%Y-%m}.")
        year, month = int(found[1]), int(found[2])
    if not (1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR):
        raise BadCalendarQuery(f"“{year:04d}-{month:02d}” is not a month between {MIN_YEAR} and {MAX_YEAR}.")
    return date(year, month, 1)


def date_from_query(params: Mapping[str, str], name: str, *, default: date | None = None) -> date | None:
    """An ISO date parameter (YYYY-MM-DD); missing → `default`; anything else → 400 naming it."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadCalendarQuery(f"“{name}={raw}” is not a date: use YYYY-MM-DD.") from None


def first_weekday() -> int:
    """The weekday weeks start on (0 = Monday … 6 = Sunday), from `settings.WEEK_START`."""
    value = getattr(settings, "WEEK_START", calendar.MONDAY)
    if not isinstance(value, int) or not 0 <= value <= 6:
        raise ValueError(f"WEEK_START must be a weekday number 0 (Monday) to 6 (Sunday), not {value!r}.")
    return value


def week_start(day: date) -> date:
    """The first day of the week that holds `day`."""
    return day - timedelta(days=(day.weekday() - first_weekday()) % 7)


def week_days(day: date) -> list[date]:
    """The seven days of the week that holds `day`, first weekday first."""
    start = week_start(day)
    return [start + timedelta(days=i) for i in range(7)]


def month_weeks(first: date) -> list[list[date]]:
    """The weeks (first weekday first) that show the month of `first`, padded with neighbouring days."""
    return calendar.Calendar(firstweekday=first_weekday()).monthdatescalendar(first.year, first.month)


def month_neighbours(first: date) -> tuple[date, date]:
    """The first days of the previous and the next month."""
    previous = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
    following = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
    return previous, following
