"""Dates and times on every page, in one set of formats (a built-in: no {% load %} needed).

    {{ event.start|as_day }}             Mon 7 Dec 2026
    {{ event.start|as_day_short }}       Mon 7 Dec
    {{ event.start|as_day_long }}        Monday 7 December 2026
    {{ event.start|as_datetime }}        Mon 7 Dec 2026, 14:05
    {{ event.start|as_datetime_short }}  Mon 7 Dec, 14:05
    {{ event.start|as_time }}            14:05
    {{ first|as_month }}                 December 2026
    {{ day|as_weekday }}                 Mon
    {{ day|as_iso }}                     2026-12-07   (values for inputs, links and <time datetime>)
    {{ first|as_month_iso }}             2026-12      (a calendar's ?month=)

Aware datetimes are shown in the current time zone. Templates use these instead of
`|date:"…"`/`|time:"…"` (tests/project/test_design_system.py checks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language

register = template.Library()

FORMATS = {
    "day": "D j M Y",
    "day_short": "D j M",
    "day_long": "l j F Y",
    "datetime": "D j M Y, H:i",
    "datetime_short": "D j M, H:i",
    "time": "H:i",
    "month": "F Y",
    "weekday": "D",
    "iso": "Y-m-d",
    "month_iso": "Y-m",
}

# The same formats written out in Python: a long list shows hundreds of dates, and Django's
# DateFormat looks up the translation of every day and month name on each of them. The names
# are translated once per language here (tests check both give the same text).
_NAMES: dict[str | None, tuple[list[str], list[str], list[str], list[str]]] = {}


def _names() -> tuple[list[str], list[str], list[str], list[str]]:
    """(weekday abbreviations, weekdays, month abbreviations, months) in the active language."""
    language = get_language()
    names = _NAMES.get(language)
    if names is None:
        names = _NAMES[language] = (
            [str(WEEKDAYS_ABBR[i]) for i in range(7)],
            [str(WEEKDAYS[i]) for i in range(7)],
            [""] + [str(MONTHS_3[i]).title() for i in range(1, 13)],
            [""] + [str(MONTHS[i]) for i in range(1, 13)],
        )
    return names


def _day(d: date) -> str:
    abbr, _, months_3, _ = _names()
    return f"{abbr[d.weekday()]} {d.day} {months_3[d.month]} {d.year:04d}"


def _day_short(d: date) -> str:
    abbr, _, months_3, _ = _names()
    return f"{abbr[d.weekday()]} {d.day} {months_3[d.month]}"


def _day_long(d: date) -> str:
    _, weekdays, _, months = _names()
    return f"{weekdays[d.weekday()]} {d.day} {months[d.month]} {d.year:04d}"


def _clock(d: date) -> str:
    return f"{d.hour:02d}:{d.minute:02d}" if isinstance(d, datetime) else ""  # a day has no time


def _with_clock(day: Callable[[date], str]) -> Callable[[date], str]:
    return lambda d: f"{day(d)}, {_clock(d)}" if isinstance(d, datetime) else day(d)


WRITERS: dict[str, Callable[[date], str]] = {
    "day": _day,
    "day_short": _day_short,
    "day_long": _day_long,
    "datetime": _with_clock(_day),
    "datetime_short": _with_clock(_day_short),
    "time": _clock,
    "month": lambda d: f"{_names()[3][d.month]} {d.year:04d}",
    "weekday": lambda d: _names()[0][d.weekday()],
    "iso": lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
    "month_iso": lambda d: f"{d.year:04d}-{d.month:02d}",
}


def _format(value: date | datetime | None, name: str) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, date):  # datetime is a date too
        return WRITERS[name](value)
    if not isinstance(value, time):
        return str(value)  # an ISO string from JSON, say: shown as it is rather than dropped
    return date_filter(value, FORMATS[name])


@register.filter(expects_localtime=True, is_safe=False)
def as_day(value):
    return _format(value, "day")


@register.filter(expects_localtime=True, is_safe=False)
def as_day_short(value):
    return _format(value, "day_short")


@register.filter(expects_localtime=True, is_safe=False)
def as_day_long(value):
    return _format(value, "day_long")


@register.filter(expects_localtime=True, is_safe=False)
def as_datetime(value):
    return _format(value, "datetime")


@register.filter(expects_localtime=True, is_safe=False)
def as_datetime_short(value):
    return _format(value, "datetime_short")


@register.filter(expects_localtime=True, is_safe=False)
def as_time(value):
    if isinstance(value, time):
        return f"{value.hour:02d}:{value.minute:02d}"
    return _format(value, "time")


@register.filter(expects_localtime=True, is_safe=False)
def as_month(value):
    return _format(value, "month")


@register.filter(expects_localtime=True, is_safe=False)
def as_weekday(value):
    return _format(value, "weekday")


@register.filter(expects_localtime=True, is_safe=False)
def as_iso(value):
    return _format(value, "iso")


@register.filter(expects_localtime=True, is_safe=False)
def as_month_iso(value):
    return _format(value, "month_iso")
