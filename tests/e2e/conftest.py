"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, installed by .ci/run; never
downloaded by Playwright) against pytest-django's live server.

Any console error, uncaught page error, Content-Security-Policy violation or HTTP error response
fails the test. Screenshots go to
tests/e2e/screenshots/<test>-<step>.png (gitignored; CI keeps them as artifacts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from celery.app.task import Task
from django.db import connections

from tests.conftest import make_user

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def _flush_by_delete():
    """After each live-server test Django empties every table. On PostgreSQL its one TRUNCATE of
    ~150 tables takes seconds (new files for each table); deleting the few rows a journey wrote
    takes milliseconds. Foreign keys are checked at the flush's commit, so order does not matter."""
    ops = connections["default"].ops
    if connections["default"].vendor != "postgresql":
        yield
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        assert not (reset_sequences or allow_cascade), "only the plain flush is replaced"
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(ops), "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="module")
def browser(django_db_setup, live_server, _flush_by_delete):
    """One Chromium per module. Skipped only when the browser is missing and CI did not ask for
    these tests (CREWBASE_E2E_REQUIRED); otherwise a missing browser fails loudly.

    Playwright's sync API keeps an event loop running in this thread, and Django's ORM refuses to
    run next to one unless told it is intended: the fixtures and assertions here are synchronous.
    The variable is set only while the browser runs so it never reaches other tests' subprocesses.
    Under that loop Django also keys connections by async context, so the tests would open a
    connection of their own; they share the live server's instead, as its threads do (the test
    database is set up first so that, with SQLite in memory, there is one: a second connection
    makes concurrent requests fail with "database table is locked").
    """
    if not os.path.exists(CHROMIUM):
        if not os.environ.get("CREWBASE_E2E_REQUIRED"):
            pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)")
        pytest.fail(f"{CHROMIUM} is missing and CREWBASE_E2E_REQUIRED is set")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, connection in live_server.thread.connections_override.items():
            connections[alias] = connection
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()
        connections.close_all()  # those opened under the loop (PostgreSQL); SQLite in memory stays


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context on the live server that records every browser-side error."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    # Content-Security-Policy violations become console errors, so they fail the test like any other.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline code') +"
        "' at ' + e.sourceFile + ':' + e.lineNumber));"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on(
        "response",
        lambda r: errors.append(f"HTTP {r.status} for {r.request.method} {r.url}") if r.status >= 400 else None,
    )
    request.node.browser_errors = errors
    yield page
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) on any browser error it caused."""
    try:
        result = yield
    except BaseException:
        if getattr(item, "browser_errors", None):  # shown with the failure's captured output
            print("browser errors:", *item.browser_errors, sep="\n")
        raise
    page = item.funcargs.get("page")
    if page is not None and not page.is_closed():
        page.evaluate("0")  # a round trip delivers the console events still in flight
    errors = getattr(item, "browser_errors", [])
    if errors:
        pytest.fail("browser errors:\n" + "\n".join(errors), pytrace=False)
    return result


@pytest.fixture
def screenshot(request, page):
    """screenshot("step") saves the full page as screenshots/<test>-<step>.png."""

    def take(step: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{step}.png"), full_page=True)

    return take


@pytest.fixture
def user_with_role(transactional_db):
    def build(role: str):
        return make_user(f"e2e-{role.lower()}", role, first_name=f"Erin {role}", last_name="Example")

    return build


def log_in(page, user) -> None:
    """Through the login form, with tests.conftest.make_user's password scheme."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(f"pw-{user.username}")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


class JobQueue:
    """Celery tasks queued instead of run, so that a page can be watched while a "worker" (the
    test, through run_all) runs them later; the tests' eager mode would finish them inside the
    request, before any progress bar is shown."""

    def __init__(self):
        self.queued: list[tuple[Task, dict]] = []

    def run_all(self) -> list[str]:
        names = []
        while self.queued:
            task, kwargs = self.queued.pop(0)
            task.apply(kwargs=kwargs)
            names.append(task.name)
        return names


@pytest.fixture
def job_queue(monkeypatch):
    queue = JobQueue()
    monkeypatch.setattr(
        Task, "apply_async", lambda task, args=None, kwargs=None, **options: queue.queued.append((task, kwargs or {}))
    )
    return queue
