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

from datetime import date, datetime, time

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter

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


def _format(value: date | datetime | None, name: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, date | datetime | time):
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
        return time_filter(value, FORMATS["time"])
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
