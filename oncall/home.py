"""The home page's on-call panel: who is on call now in every team (overrides applied)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from project.home import HomePanel

from .selectors import on_call_at


def panel(request) -> HomePanel | None:
    """One query for any number of teams: the occurrences under way now, with who covers them."""
    if not request.user.has_perm("oncall.view_team"):
        return None
    return HomePanel(
        key="oncall",
        title="On call now",
        template="oncall/home_panel.html",
        context={"rows": on_call_at(at=timezone.now())},
        url=reverse("oncall:index"),
        link_label="On-call dashboard",
    )
