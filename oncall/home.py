"""The home page's on-call panel: who is on call now in every team (overrides applied)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from project.home import HomePanel

from .models import Assignment
from .selectors import assignment_effective_member, assignment_override, with_overrides


def panel(request) -> HomePanel | None:
    """Two queries for any number of teams: the occurrences under way now, then their overrides."""
    if not request.user.has_perm("oncall.view_team"):
        return None
    now = timezone.now()
    current = with_overrides(
        Assignment.objects.filter(starts_at__lte=now, ends_at__gt=now).select_related("team")
    ).order_by("team__name", "starts_at")
    rows = [
        {
            "team": a.team,
            "member": assignment_effective_member(a),
            "override": assignment_override(a),
            "ends_at": a.ends_at,
        }
        for a in current
    ]
    return HomePanel(
        key="oncall",
        title="On call now",
        template="oncall/home_panel.html",
        context={"rows": rows},
        url=reverse("oncall:index"),
        link_label="On-call dashboard",
    )
