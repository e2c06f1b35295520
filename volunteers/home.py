"""The home page's data-quality panel: how many flags are open, and the latest few."""

from __future__ import annotations

from django.urls import reverse

from project.home import HomePanel

from .models import DataQualityFlag

SHOWN = 5


def panel(request) -> HomePanel | None:
    """Two queries: the open count and the latest open flags."""
    if not request.user.has_perm("volunteers.view_dataqualityflag"):
        return None
    open_flags = DataQualityFlag.objects.filter(status=DataQualityFlag.Status.OPEN)
    return HomePanel(
        key="quality",
        title="Open data-quality flags",
        template="volunteers/home_panel.html",
        context={"count": open_flags.count(), "latest": list(open_flags.order_by("-updated_at", "-id")[:SHOWN])},
        url=reverse("volunteers:quality_flags"),
        link_label="All flags",
    )
