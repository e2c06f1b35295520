"""The home page's data-quality panel: how many flags are open, and the latest few."""

from __future__ import annotations

from django.db.models import Count, Window
from django.urls import reverse

from project.home import HomePanel

from .models import DataQualityFlag

SHOWN = 5


def panel(request) -> HomePanel | None:
    """One query: the latest open flags, each carrying the count of all open flags (a window
    over the whole filter, computed before the limit)."""
    if not request.user.has_perm("volunteers.view_dataqualityflag"):
        return None
    latest = list(
        DataQualityFlag.objects.filter(status=DataQualityFlag.Status.OPEN)
        .only("severity", "message", "entity_type", "entity_key", "updated_at")
        .annotate(open_count=Window(Count("pk")))
        .order_by("-updated_at", "-id")[:SHOWN]
    )
    return HomePanel(
        key="quality",
        title="Open data-quality flags",
        template="volunteers/home_panel.html",
        context={"count": latest[0].open_count if latest else 0, "latest": latest},
        url=reverse("volunteers:quality_flags"),
        link_label="All flags",
    )
