"""Scheduling pages: the overview, month, week and day calendars, unscheduled events and the
day's verification."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from project.dates import month_from_query, month_neighbours, month_weeks

from .. import paperwork
from ..models import Employee, SyncRun
from ..selectors import day_verification, local_midnight, schedule_list, schedules_on, unscheduled_event_list
from .common import CHANGE, _date, can_view


# --------------------------------------------------------------------------- overview and calendars
@can_view
def index(request):
    today = timezone.localdate()
    context = {
        "today": today,
        "unscheduled_count": unscheduled_event_list().count(),
        "due_soon": unscheduled_event_list().filter(due_at__lt=local_midnight(today + timedelta(days=3)))[:10],
        "today_count": schedules_on(today).count(),
        "last_sync": SyncRun.objects.order_by("-started_at").first(),
        "employees": Employee.objects.filter(is_active=True).count(),
    }
    return render(request, "scheduling/index.html", context)


@can_view
def month_view(request):
    today = timezone.localdate()
    first = month_from_query(request.GET, today=today)
    year, month = first.year, first.month
    last = date(year, month, calendar.monthrange(year, month)[1])
    scheduled = defaultdict(int)
    for start_at in schedule_list(start=first, end=last).values_list("start_at", flat=True):
        scheduled[timezone.localtime(start_at).date()] += 1
    due = defaultdict(int)
    for due_at in (
        unscheduled_event_list()
        .filter(due_at__gte=local_midnight(first), due_at__lt=local_midnight(last + timedelta(days=1)))
        .values_list("due_at", flat=True)
    ):
        due[timezone.localtime(due_at).date()] += 1
    weeks = []
    for week in month_weeks(first):
        weeks.append(
            [
                {
                    "date": d,
                    "in_month": d.month == month,
                    "scheduled": scheduled.get(d, 0),
                    "due": due.get(d, 0),
                    "today": d == today,
                }
                for d in week
            ]
        )
    previous, following = month_neighbours(first)
    return render(
        request, "scheduling/month.html", {"weeks": weeks, "first": first, "previous": previous, "following": following}
    )


@can_view
def day_view(request, day: str):
    day = _date(day)
    schedules = list(schedules_on(day))
    slots = defaultdict(list)
    for s in schedules:
        slots[timezone.localtime(s.start_at).strftime("%H:%M")].append(s)
    workers = defaultdict(list)
    for s in schedules:
        workers[s.employee].append(s)
    open_events = unscheduled_event_list().filter(
        start_at__lt=local_midnight(day + timedelta(days=1)), due_at__gt=local_midnight(day + timedelta(days=1))
    )
    checks = day_verification(day)
    return render(
        request,
        "scheduling/day.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "following": day + timedelta(days=1),
            "slots": sorted(slots.items()),
            "workers": sorted(workers.items(), key=lambda kv: kv[0].name),
            "open_events": open_events[:50],
            "issues": [i for row in checks for i in row["issues"]],
            "can_change": request.user.has_perm(CHANGE),
        },
    )


@can_view
def week_view(request, day: str | None = None):
    start = paperwork.week_start_for(_date(day) if day else timezone.localdate())
    return render(
        request,
        "scheduling/week.html",
        {
            "grid": paperwork.weekly_grid(start),
            "start": start,
            "previous": start - timedelta(days=7),
            "following": start + timedelta(days=7),
        },
    )


# The soonest due first, a page at a time (the pager gives the total).
UNSCHEDULED_PAGE_SIZE = 50


@can_view
def unscheduled(request):
    events = unscheduled_event_list()
    kind = request.GET.get("type")
    if kind:
        events = events.filter(event_type=kind)
    page = Paginator(events, UNSCHEDULED_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scheduling/unscheduled.html",
        {
            "page": page,
            "query": query.urlencode(),
            "type": kind,
            "can_schedule": request.user.has_perm("scheduling.change_schedule"),
        },
    )


@can_view
def verification(request, day: str | None = None):
    day = _date(day) if day else timezone.localdate()
    return render(
        request,
        "scheduling/verification.html",
        {
            "day": day,
            "rows": day_verification(day),
            "previous": day - timedelta(days=1),
            "following": day + timedelta(days=1),
        },
    )
