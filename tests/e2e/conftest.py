"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium, installed by .ci/run;
never downloaded by Playwright) against pytest-django's live server. Any browser console error
or failed page script fails the test. Screenshots go to tests/e2e/screenshots/ (CI artifacts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import make_user

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PASSWORD_FOR = "pw-{}"  # tests.conftest.make_user's password scheme



def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")  # stopped after the module, so no event loop outlives the browser tests
def browser():
    """Playwright's sync API runs an event loop in this thread; Django's ORM (fixtures, assertions)
    refuses to run there unless told that this is intended. Set only while the browser runs: the
    variable must not leak into other tests or subprocesses (`check --deploy` rejects it)."""
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} for {r.url}") if r.status >= 400 else None)
    yield page
    context.close()
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD_FOR.format(user.username))
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def e2e_user(transactional_db):
    def build(role: str, username: str | None = None):
        return make_user(username or f"e2e-{role.lower()}", role, is_superuser=role == "Administrator")

    return build
