"""Accessibility: axe-core (vendored in tests/e2e/vendor/axe-core, `make vendor`) checks every page
a coordinator reaches by following links from the home page — one page per URL pattern — and the
public pages anonymously. Any serious or critical violation fails, listed with the elements.

axe is evaluated through the DevTools protocol rather than added as a <script>: the site's
Content-Security-Policy (no inline scripts) applies to the page, not to the browser's own tooling,
and the CSP violation check of conftest.py keeps watching the page itself."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from project.roles import COORDINATOR
from tests.e2e.conftest import log_in
from volunteers.models import Event, EventStatus
from volunteers.partners.models import DistrictPartner

pytestmark = pytest.mark.e2e

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js").read_text()
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA rules and axe's best practices (landmarks, one main heading, ...).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}

# Not pages: downloads, feeds, the API, files; the admin is Django's own and leaving is logging out.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/accounts/logout/", "/health/")
SKIPPED_SUFFIXES = (".csv", ".pdf", ".ics", ".xlsx", ".json", ".zip", ".png", ".jpg", ".svg")
MAX_PAGES = 150
NAVIGATION_TIMEOUT_MS = 30_000  # a crawl of ~80 pages on a busy machine: a slow page is not a failure here


def axe_violations(page) -> list[str]:
    """Serious and critical violations on the page as it stands, one line per rule."""
    page.evaluate(AXE_SOURCE + "\n;0")
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    lines = []
    for violation in results["violations"]:
        if violation["impact"] in FAILING_IMPACTS:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    # Every data table names its columns (or rows): a header cell in each table.
    headless = page.eval_on_selector_all("table", "tables => tables.filter(t => !t.querySelector('th')).length")
    if headless:
        lines.append(f"table-headers: {headless} table(s) without a header cell")
    return lines


def _pattern(path: str) -> str | None:
    """The URL pattern a path belongs to (its route), or None for what the crawl leaves alone."""
    if path.startswith(SKIPPED_PREFIXES) or path.endswith(SKIPPED_SUFFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def crawl(page, origin: str, start: list[str]) -> dict[str, list[str]]:
    """Breadth-first over same-site links from `start`, one page per URL pattern: {url: violations}."""
    origin = urlsplit(origin).netloc
    queue, seen_patterns, found = deque(start), set(), {}
    while queue and len(found) < MAX_PAGES:
        url = queue.popleft()
        pattern = _pattern(urlsplit(url).path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # a link to a file (an export, a backup): not a page
            if "Download is starting" in str(exc):
                continue
            raise
        assert response is not None and response.ok, f"{url} answered {response and response.status}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        found[page.url] = axe_violations(page)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(page.url, href))
            if target.scheme in ("http", "https") and target.netloc == origin and not href.startswith("#"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def failures(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}\n  " + "\n  ".join(lines) for url, lines in found.items() if lines)


@pytest.fixture
def patient_page(page):
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return page


@pytest.fixture
def demo(transactional_db, settings):
    settings.VOLUNTEERS_DEMO_SCALE = 1
    call_command("load_demo_data", "--force", verbosity=0, stdout=None)


def test_every_page_a_coordinator_opens_has_no_serious_accessibility_violation(
    patient_page, live_server, user_with_role, demo
):
    page = patient_page
    log_in(page, user_with_role(COORDINATOR))
    found = crawl(page, live_server.url, ["/"])
    # The crawl reached every app's pages, not just the home page.
    prefixes = {urlsplit(url).path.split("/")[1] for url in found}
    assert {"", "volunteers", "scheduling", "oncall", "expenses", "jobs"} <= prefixes, sorted(found)
    assert len(found) >= 40, sorted(found)
    assert not failures(found), "\n" + failures(found)


def test_public_pages_have_no_serious_accessibility_violation(patient_page, live_server, demo):
    """The sign-in page, the teacher's progress look-up and a district's public sign-up form."""
    event = Event.objects.filter(districts__isnull=False, start__gte=timezone.now()).order_by("start").first()
    Event.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    partner = DistrictPartner.objects.create(district=event.districts.order_by("pk").first(), slug="a11y")
    signup = f"/volunteers/public/{partner.slug}/events/{event.pk}/signup/"
    found = crawl(patient_page, live_server.url, ["/accounts/login/", "/volunteers/virtual/my-progress/", signup])
    assert {"/accounts/login/", "/volunteers/virtual/my-progress/", signup} <= {urlsplit(url).path for url in found}
    assert not failures(found), "\n" + failures(found)


def test_skip_link_moves_focus_to_the_main_content(page, user_with_role):
    log_in(page, user_with_role(COORDINATOR))
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text().strip() == "Skip to main content"
    assert skip.is_visible()  # shown when focused, though hidden until then
    # Focus is visible: the focused link has an outline.
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id || document.activeElement.closest('main')?.id") == "main"
