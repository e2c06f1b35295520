"""Every rendered page: each POST form carries a CSRF token, text users typed (names, notes,
reasons, SMS templates…) is escaped wherever it is shown, and nothing needs an inline script (the
Content-Security-Policy allows scripts from our static files or with the request's nonce only).

The seeded world (tests/quality/crawl.py) holds `<script>alert("<label>")</script>&"'` in every
user-entered text field, one label per field. Each page and admin page is rendered as "Staff"
(who owns the private expenses and the job) and as an Administrator (who sees every page and every
admin model); one test per URL pattern, so the work spreads over the test workers."""

import re
from html.parser import HTMLParser

import pytest
from django.db import transaction

from . import crawl
from .crawl import seeded  # noqa: F401 - the module's seeded world

PERSONAS = ("Staff", "Administrator")
# Pages and admin pages; the API answers JSON, and the OpenAPI document is not a page.
ROUTES = [route for route in crawl.routes() if route.kind != "api" and route.key != "/api/schema/"]

# Where each typed text must be shown (escaped): the pages a user reads it on. Together they
# name every label seed() types; text shown only in the admin is listed with its admin model.
SHOWN_ON = {
    "/": ["user-staff", "user-administrator"],
    "/jobs/<pk>/": ["job-message"],
    "/volunteers/directory/": [
        "volunteer-first",
        "volunteer-last",
        "volunteer-title",
        "organization-name",
        "skill-name",
    ],
    "/volunteers/people/<pk>/": [
        "volunteer-first",
        "organization-name",
        "affiliation-role",
        "skill-name",
        "street",
        "history-subject",
        "history-body",
        "recruitment-note",
        "event-title",
    ],
    "/volunteers/events/": ["event-title", "district-name", "school-name"],
    "/volunteers/events/<pk>/": ["event-title", "school-name", "volunteer-first"],
    "/volunteers/events/<pk>/candidates/": ["event-title", "volunteer-title"],
    "/volunteers/reports/thank-you/": ["volunteer-first", "organization-name"],
    "/volunteers/quality/": ["check-message"],
    "/volunteers/quality/flags/": ["flag-message"],
    "/volunteers/quality/checks/<pk>/": ["check-message", "volunteer-first"],
    "/volunteers/roster/": ["roster-file"],
    "/volunteers/virtual/issues/": ["issue-text"],
    "/volunteers/virtual/imports/<pk>/": ["pathful-file"],
    "/volunteers/virtual/unmatched/": ["unmatched-name"],
    "/volunteers/virtual/teachers/<pk>/": ["progress-name", "virtual-title"],
    "/scheduling/employees/": ["employee-two"],
    "/scheduling/day/<day>/": ["employee-name", "sched-event-posted", "sched-event-open", "override-reason"],
    "/scheduling/unscheduled/": ["sched-event-open"],
    "/scheduling/rotations/": ["rotation-reason"],
    "/scheduling/holidays/": ["holiday-name"],
    "/scheduling/auto/<pk>/": ["proposal-failure", "proposal-note", "sched-event-open", "employee-two"],
    "/oncall/": ["team-name", "member-one", "escalation-name", "shift-name"],
    "/oncall/members/": ["member-one", "member-two", "member-three"],
    "/oncall/overrides/": ["override-cover"],
    "/oncall/notifications/": ["sms-recipient"],
    "/oncall/settings/": ["sms-template", "escalation-name"],
    "/expenses/": ["restaurant-name", "category-name"],
    "/expenses/<pk>/": ["expense-notes", "restaurant-name"],
    "/expenses/restaurants/": ["restaurant-name", "cuisine"],
    "/expenses/restaurants/<pk>/": ["restaurant-name", "restaurant-notes"],
    "/expenses/categories/": ["category-name", "category-description"],
    "/expenses/import/<pk>/": ["import-restaurant"],
    "/expenses/merchants/": ["merchant-name"],
    "/expenses/loyalty/": ["loyalty-program"],
    "/bugs/": ["bug-description", "bug-page-title"],
    "/email/outbox/": ["email-to-name", "email-message"],
    "/volunteers/public/<slug>/events/<pk>/signup/": ["public-event-title"],
    # Shown only in the admin (change pages and lists).
    "/admin/auth/user/": ["user-viewer", "user-staff", "user-other-staff", "user-coordinator"],
    "/admin/project/apitoken/": ["token-name"],
    "/admin/project/periodictaskstatus/": ["task-status", "task-error"],
    "/admin/django_celery_beat/periodictask/": ["periodic-task"],
    "/admin/volunteers/volunteer/": ["volunteer-notes"],
    "/admin/volunteers/teacher/": ["teacher-first", "school-name"],
    "/admin/volunteers/student/": ["student-first", "class-name"],
    "/admin/volunteers/event/": ["event-description", "event-location"],
    "/admin/volunteers/teacherparticipation/": ["teacher-participation-notes"],
    "/admin/volunteers/organizationalias/": ["organization-alias"],
    "/admin/volunteers/schoolalias/": ["school-alias"],
    "/admin/volunteers/volunteermerge/": ["merged-name"],
    "/admin/scheduling/event/": ["store-name"],
    "/admin/scheduling/timeoff/": ["time-off-reason"],
    "/admin/scheduling/dateavailability/": ["availability-reason"],
    "/admin/scheduling/attendance/": ["attendance-notes"],
    "/admin/oncall/smsmessage/": ["sms-body", "sms-recipient"],
    "/admin/partners/partnerapikey/": ["partner-key-name"],
    "/admin/expenses/merchant/": ["merchant-name"],
    "/admin/expenses/loyaltyaccount/": ["loyalty-program"],
}
# Text kept inside a JSON document, shown as JSON (escaped) in the admin.
SHOWN_AS_JSON_ON = {"/admin/scheduling/edrreport/": ["edr-name", "edr-preparation", "edr-item"]}


class Forms(HTMLParser):
    """The forms of a page: where each posts and whether it holds a csrfmiddlewaretoken input; and
    what the Content-Security-Policy would block: inline scripts without the nonce, inline event
    handlers (onclick=…) and javascript: URLs."""

    def __init__(self, nonce: str | None = None):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None
        self.nonce = nonce
        self.inline_code: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        handlers = sorted(name for name in attrs if name.startswith("on"))
        if handlers:
            self.inline_code.append(f"<{tag} {handlers[0]}=…>")
        if any((attrs.get(name) or "").strip().lower().startswith("javascript:") for name in ("href", "action", "src")):
            self.inline_code.append(f"<{tag} javascript: URL>")
        is_data = (attrs.get("type") or "").lower() in ("application/json", "application/ld+json")
        if (
            tag == "script"
            and "src" not in attrs
            and not is_data
            and (not self.nonce or attrs.get("nonce") != self.nonce)
        ):
            self.inline_code.append("<script> without src or nonce")
        if tag == "form":
            self._open = {
                "action": attrs.get("action") or "(same page)",
                "post": (attrs.get("method") or "get").lower() == "post",
                "token": False,
            }
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._open["token"] = bool(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _urls(route, world, persona: str) -> list[str]:
    if route.kind == "admin-model":
        pk = world.by_model[route.model].pk
        return [route.key, f"{route.key}add/", f"{route.key}{pk}/change/"] if persona == "Administrator" else []
    query = crawl.queries(world).get(route.key)
    url = crawl.url_for(route, world)
    return [f"{url}?{query}" if query else url]


def rendered(route, world):
    """(persona, url, html) of every HTML answer to a GET of the route's pages."""
    for persona in PERSONAS:
        client = crawl.client_for(persona, world.keys)
        for url in _urls(route, world, persona):
            with transaction.atomic():
                response = client.get(url)
                transaction.set_rollback(True)
            if response.get("Content-Type", "").startswith("text/html") and response.content:
                yield persona, url, response.content.decode(), response.get("Content-Security-Policy", "")


@pytest.fixture
def world(seeded, db):  # noqa: F811 - pytest fixture imported from its module, requested by name
    return seeded


@pytest.mark.parametrize("route", ROUTES, ids=[route.key for route in ROUTES])
def test_page_forms_carry_csrf_tokens_and_typed_text_is_escaped(route, world):
    pages = list(rendered(route, world))
    problems = {
        "POST form without csrfmiddlewaretoken": [],
        "typed text rendered as markup": [],
        "code the CSP blocks": [],
        "no strict CSP": [],
    }
    for persona, url, html, policy in pages:
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in policy.split(";") if d.strip())
        script_src = directives.get("script-src", "")
        nonce = re.search(r"'nonce-([^']+)'", script_src)
        if not script_src or "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
            problems["no strict CSP"].append(f"{persona} {url}: script-src {script_src!r}")
        parser = Forms(nonce.group(1) if nonce else None)
        parser.feed(html)
        problems["code the CSP blocks"] += [f"{persona} {url}: {code}" for code in parser.inline_code]
        problems["POST form without csrfmiddlewaretoken"] += [
            f"{persona} {url}: form → {form['action']}" for form in parser.forms if form["post"] and not form["token"]
        ]
        if crawl.RAW_MARKUP in html:
            problems["typed text rendered as markup"].append(f"{persona} {url}")
    shown = "".join(page[2] for page in pages)
    problems["typed text not shown escaped"] = [
        label for label in SHOWN_ON.get(route.key, []) if crawl.escaped(label) not in shown
    ]
    problems["typed text not shown escaped"] += [
        label for label in SHOWN_AS_JSON_ON.get(route.key, []) if crawl.escaped_in_json(label) not in shown
    ]
    assert {kind: found for kind, found in problems.items() if found} == {}


def test_the_pages_checked_show_every_typed_text(world):
    routes = {route.key for route in ROUTES}
    assert set(SHOWN_ON) | set(SHOWN_AS_JSON_ON) <= routes
    listed = {label for table in (SHOWN_ON, SHOWN_AS_JSON_ON) for labels in table.values() for label in labels}
    assert sorted(crawl.LABELS - listed) == []
