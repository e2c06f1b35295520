"""Test dates relative to today: no hard-coded year that turns into a skip or a failure later.

MONDAY is a January Monday two years ahead: always in the future (overrides and auto-renew need
that), beyond the ICS feeds' 370-day window, and on Chicago standard time (UTC-06:00), so the
expected instants of the tests do not depend on the day they run."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")
YEAR = date.today().year + 2
_JAN_7 = date(YEAR, 1, 7)
MONDAY = _JAN_7 + timedelta(days=(7 - _JAN_7.weekday()) % 7)


def chicago_at(day_offset: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """Aware Chicago time `day_offset` days after MONDAY."""
    return datetime.combine(MONDAY + timedelta(days=day_offset), time(hh, mm, ss), tzinfo=CHICAGO)


def iso_day(day_offset: int) -> str:
    return (MONDAY + timedelta(days=day_offset)).isoformat()


def dst_sundays(year: int = YEAR, zone: ZoneInfo = CHICAGO) -> list[date]:
    """The Sundays (in time order) on which `zone` changes its UTC offset in `year`."""
    changes = []
    day = date(year, 1, 1)
    while day.year == year:
        noon = datetime.combine(day, time(12), tzinfo=zone)
        if noon.utcoffset() != (noon + timedelta(days=1)).utcoffset():
            changes.append(day + timedelta(days=1))
        day += timedelta(days=1)
    return changes
