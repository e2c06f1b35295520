"""The home page's scheduling panel: today's scheduled events and unscheduled ones due soon."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from project.home import HomePanel

from .selectors import local_midnight, schedule_list, unscheduled_event_list

SHOWN = 8  # rows per list; the pages behind the links show the rest
DUE_SOON_DAYS = 3


def panel(request) -> HomePanel | None:
    """Two queries of plain values: today's schedules (event and employee names) and the open
    events due soon, one row more than shown to tell whether there are more."""
    if not request.user.has_perm("scheduling.view_event"):
        return None
    today = timezone.localdate()
    scheduled = list(
        schedule_list(start=today, end=today).values(
            "start_at", event_name=F("event__name"), employee_name=F("employee__name")
        )[: SHOWN + 1]
    )
    due_soon = list(
        unscheduled_event_list()
        .filter(due_at__lt=local_midnight(today + timedelta(days=DUE_SOON_DAYS)))
        .values("pk", "name", "due_at")[: SHOWN + 1]
    )
    return HomePanel(
        key="scheduling",
        title="Today's events",
        template="scheduling/home_panel.html",
        context={
            "today": today,
            "scheduled": scheduled[:SHOWN],
            "scheduled_more": len(scheduled) > SHOWN,
            "due_soon": due_soon[:SHOWN],
            "due_soon_more": len(due_soon) > SHOWN,
            "due_soon_days": DUE_SOON_DAYS,
        },
        url=reverse("scheduling:day", kwargs={"day": today.isoformat()}),
        link_label="The day",
    )
