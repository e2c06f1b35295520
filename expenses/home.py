"""The home page's expenses panel: the signed-in user's own latest expenses."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse

from project.home import HomePanel

from .selectors import expense_list_for_user

SHOWN = 5


def panel(request) -> HomePanel | None:
    """Everyone keeps their own expenses (the pages ask only for a sign-in); one query of plain
    values (no tags: the panel does not show them)."""
    if not request.user.is_authenticated:
        return None
    recent = list(
        expense_list_for_user(request.user, tags=False)
        .order_by("-date", "-id")
        .values("pk", "date", "kind", "amount", restaurant_name=F("restaurant__name"))[:SHOWN]
    )
    return HomePanel(
        key="expenses",
        title="Your recent expenses",
        template="expenses/home_panel.html",
        context={"expenses": recent},
        url=reverse("expenses:index"),
        link_label="All expenses",
    )
