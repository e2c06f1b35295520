"""The design system's tags (a built-in: no {% load %} needed).

    {% navlink "scheduling:month" "Calendar" %}            a sub-navigation tab, marked current
    {% navlink "oncall:members" "Members" team=team.pk %}   …with a query string kept on the link
    {% badge job.status job.get_status_display %}           a status as a coloured badge
    {% pageheader subnav="volunteers/_nav.html" %}Events · {{ month|as_month }}{% endpageheader %}
                                                            the page header with any markup as title
    {% pk_url "volunteers:event_detail" e.pk %}             {% url %} for a list's rows: reversed once
    {% cached_url "volunteers:event_export" %}              {% url %} remembered (links on every page)

Components with markup of their own are includes under templates/components/ (page header,
stat card, empty state, form and field).
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.http import QueryDict
from django.template.base import Node
from django.template.loader_tags import token_kwargs
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import slugify

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


TONE_OF = {name: tone for tone, names in STATUS_TONES.items() for name in names}


def status_tone(status: object) -> str:
    key = str(status or "").strip().lower().replace(" ", "_").replace("-", "_")
    return TONE_OF.get(key, "info")


@lru_cache(maxsize=512)
def _status_slug(status: str) -> str:
    return slugify(status)


@register.filter(name="status_tone")
def status_tone_filter(status: object) -> str:
    """`badge-{{ x|status_tone }}`: success, warning, danger, muted or info."""
    return status_tone(status)


@register.simple_tag
def badge(status: object, label: object = None) -> str:
    """A status badge in its tone (`status-<value>` stays on it as a hook for scripts and tests);
    the label defaults to the status."""
    return format_html(
        '<span class="badge badge-{} status-{}">{}</span>',
        status_tone(status),
        _status_slug(str(status or "")),
        status if label in (None, "") else label,
    )


def _urlconf() -> object:
    """The URL conf reverse() would use now (a request's own, else the setting's)."""
    return get_urlconf() or settings.ROOT_URLCONF


@lru_cache(maxsize=1024)
def _reverse_cached(url_name: str, args: tuple, prefix: str, urlconf: object) -> str:
    return reverse(url_name, args=args, urlconf=urlconf)


def reverse_cached(url_name: str, args: tuple = ()) -> str:
    """reverse() remembered per name, arguments, script prefix and URL conf: the menu and the
    sub-navigation link the same few pages on every request."""
    return _reverse_cached(url_name, tuple(args), get_script_prefix(), _urlconf())


@register.simple_tag
def cached_url(url_name: str, *args) -> str:
    """`{% url url_name arg… %}`, remembered (reverse_cached): for the links every page shows."""
    return reverse_cached(url_name, args)


@register.simple_tag(takes_context=True)
def navlink(context, url_name: str, label: str, *args, exact: bool = True, **params) -> str:
    """A sub-navigation link; `aria-current="page"` when it is the page being shown (by path, or
    by path prefix with exact=False). Other keywords become the query string (`team=team.pk`)."""
    path = reverse_cached(url_name, args)
    request = context.get("request")
    current = request is not None and (request.path == path if exact else request.path.startswith(path))
    query = urlencode({name: value for name, value in params.items() if value not in (None, "")})
    href = f"{path}?{query}" if query else path
    if current:
        return format_html('<a class="subnav-link" href="{}" aria-current="page">{}</a>', href, label)
    return format_html('<a class="subnav-link" href="{}">{}</a>', href, label)


# A URL name with one integer argument, reversed with this stand-in for it, split around it:
# (name, script prefix, URL conf) -> (before, after). Reversing walks the URL patterns (tens of
# microseconds); a list of hundreds of rows links every row to the same pattern.
_PK_STAND_IN = "987654321987654321"
_PK_URLS: dict[tuple[str, str, object], tuple[str, str]] = {}


@register.simple_tag
def pk_url(url_name: str, pk: object) -> str:
    """`{% url url_name pk %}` for a pattern whose one argument is an integer (`<int:pk>`)."""
    key = (url_name, get_script_prefix(), _urlconf())
    parts = _PK_URLS.get(key)
    if parts is None:
        before, found, after = reverse(url_name, args=[int(_PK_STAND_IN)]).partition(_PK_STAND_IN)
        if not found:  # the argument is not shown as it is: reverse every time
            return reverse(url_name, args=[pk])
        parts = _PK_URLS[key] = (before, after)
    if type(pk) is not int:
        return reverse(url_name, args=[pk])
    return f"{parts[0]}{pk}{parts[1]}"


@register.simple_tag(takes_context=True)
def include_panel(context, panel) -> str:
    """A home panel's template, drawn with the panel's own context on top of the page's."""
    template = context.template.engine.get_template(panel.template)
    with context.push(**panel.context):
        return template.render(context)


class PageHeaderNode(Node):
    def __init__(self, nodelist, extra):
        self.nodelist, self.extra = nodelist, extra

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.extra.items()}
        title = self.nodelist.render(context)  # SafeString: escaped as it rendered (not stripped: stays safe)
        template = context.template.engine.get_template("components/page_header.html")
        # The header's own names start empty, so a page's `actions` or `subtitle` never leaks in.
        with context.push(**{"subtitle": "", "actions": "", "subnav": "", **values, "title": title}):
            return template.render(context)


@register.tag
def pageheader(parser, token):
    """`{% pageheader subnav="app/_nav.html" subtitle=… actions="…" name=value %}title{% endpageheader %}`:
    components/page_header.html with the enclosed markup as the title; any other keyword is
    passed on to the sub-navigation (e.g. the day it links to)."""
    bits = token.split_contents()[1:]
    extra = token_kwargs(bits, parser)
    if bits:
        raise template.TemplateSyntaxError(f"pageheader takes name=value arguments only, not {bits!r}")
    nodelist = parser.parse(("endpageheader",))
    parser.delete_first_token()
    return PageHeaderNode(nodelist, extra)


@register.simple_tag(takes_context=True)
def query_with(context, **params) -> str:
    """This page's query string with some parameters replaced (`?{% query_with month=… %}`):
    a month view's links keep the team or the filters chosen."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    query.pop("page", None)
    return query.urlencode()
