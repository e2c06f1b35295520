"""The design system's tags (a built-in: no {% load %} needed).

    {% navlink "scheduling:month" "Calendar" %}            a sub-navigation tab, marked current
    {% navlink "oncall:members" "Members" query=team_q %}   …with a query string kept on the link
    {% badge job.status job.get_status_display %}           a status as a coloured badge

Components with markup of their own are includes under templates/components/ (page header,
stat card, empty state, form and field).
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()

# A status's colour: every app's statuses map to one of five tones.
STATUS_TONES = {
    "success": {
        "succeeded",
        "ok",
        "completed",
        "confirmed",
        "approved",
        "done",
        "matched",
        "sent",
        "active",
        "open_ok",
        "delivered",
        "resolved",
        "applied",
        "attended",
        "passed",
        "scheduled",
        "submitted",
    },
    "warning": {
        "running",
        "queued",
        "degraded",
        "pending",
        "requested",
        "proposed",
        "review",
        "in_review",
        "retrying",
        "partial",
        "unmatched",
        "due",
        "warning",
        "open",
        "draft_ready",
        "claimed",
    },
    "danger": {
        "failed",
        "down",
        "cancelled",
        "canceled",
        "error",
        "rejected",
        "expired",
        "no_show",
        "dead",
        "overdue",
        "missing",
        "critical",
        "blocked",
    },
    "muted": {"draft", "closed", "ignored", "dismissed", "archived", "inactive", "skipped", "superseded", "deleted"},
}


def status_tone(status: object) -> str:
    key = str(status or "").strip().lower().replace(" ", "_").replace("-", "_")
    for tone, names in STATUS_TONES.items():
        if key in names:
            return tone
    return "info"


@register.filter(name="status_tone")
def status_tone_filter(status: object) -> str:
    """`badge-{{ x|status_tone }}`: success, warning, danger, muted or info."""
    return status_tone(status)


@register.simple_tag
def badge(status: object, label: object = None) -> str:
    """A status badge in its tone; the label defaults to the status."""
    return format_html(
        '<span class="badge badge-{}">{}</span>', status_tone(status), status if label in (None, "") else label
    )


@register.simple_tag(takes_context=True)
def navlink(context, url_name: str, label: str, *args, query: str = "", exact: bool = True) -> str:
    """A sub-navigation link; `aria-current="page"` when it is the page being shown (by path)."""
    path = reverse(url_name, args=args)
    request = context.get("request")
    current = request is not None and (request.path == path if exact else request.path.startswith(path))
    href = f"{path}?{query}" if query else path
    if current:
        return format_html('<a class="subnav-link" href="{}" aria-current="page">{}</a>', href, label)
    return format_html('<a class="subnav-link" href="{}">{}</a>', href, label)


@register.simple_tag(takes_context=True)
def include_panel(context, panel) -> str:
    """A home panel's template, drawn with the panel's own context on top of the page's."""
    template = context.template.engine.get_template(panel.template)
    with context.push(**panel.context):
        return template.render(context)
