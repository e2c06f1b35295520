"""The coordinator's views: workload per week, attendance per day, unreported past events. Each
page has a CSV export (`?format=csv`, the one CSV writer). Reading needs the scheduling view
permission (Staff and up)."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from project.csv import csv_response
from project.dates import date_from_query

from .. import reports
from .common import can_view


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


@can_view
def workload(request):
    start = reports.week_start(date_from_query(request.GET, "week", default=timezone.localdate()))
    rows = reports.workload(start=start)
    if _wants_csv(request):
        return csv_response(
            f"workload-{start}",
            ["Employee", "Job title", "Events", "Hours", "Days worked", "Days available", "Flag", "Why"],
            [
                [r.employee, r.job_title, r.events, r.hours, r.days_worked, r.days_available, r.flag, r.why]
                for r in rows
            ],
        )
    return render(
        request,
        "scheduling/workload.html",
        {
            "rows": rows,
            "start": start,
            "end": start + timedelta(days=6),
            "previous": start - timedelta(days=7),
            "following": start + timedelta(days=7),
            "limit": reports.WEEK_HOURS_LIMIT,
        },
    )


@can_view
def attendance(request):
    day = date_from_query(request.GET, "date", default=timezone.localdate())
    rows = reports.attendance(day=day)
    if _wants_csv(request):
        return csv_response(
            f"attendance-{day}",
            ["Date", "Employee", "Worked", "Attendance", "Notes"],
            [[day.isoformat(), r.employee, r.events, r.status, r.notes] for r in rows],
        )
    return render(
        request,
        "scheduling/attendance.html",
        {
            "rows": rows,
            "day": day,
            "previous": day - timedelta(days=1),
            "following": day + timedelta(days=1),
            "missing": sum(1 for r in rows if not r.reported and r.events),
        },
    )


@can_view
def unreported(request):
    rows = reports.unreported()
    if _wants_csv(request):
        return csv_response(
            f"unreported-{timezone.localdate()}",
            ["Date", "Event", "Type", "Employee", "Crossmark condition", "Days ago"],
            [[r.date.isoformat(), r.event, r.event_type, r.employee, r.condition, r.days_ago] for r in rows],
        )
    return render(request, "scheduling/unreported.html", {"rows": rows})
