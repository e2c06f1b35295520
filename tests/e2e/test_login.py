"""Logging in and out, and every main page reached through the navigation bar."""

import pytest

from project.roles import COORDINATOR
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

MAIN_PAGES = [  # nav label, path, the page's heading
    ("Volunteers", "/volunteers/", "Volunteers"),
    ("Scheduling", "/scheduling/", "Scheduling"),
    ("On-call", "/oncall/", "On-call"),
    ("Expenses", "/expenses/", "My expenses"),
    ("Jobs", "/jobs/", "Jobs"),
]


def test_log_in_visit_every_main_page_and_log_out(page, user_with_role, screenshot):
    user = user_with_role(COORDINATOR)
    page.goto("/")
    assert "/accounts/login/" in page.url  # anonymous visitors are sent to the login page
    screenshot("login")

    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert "/accounts/login/" in page.url
    assert "Please enter a correct username and password" in page.locator(".message.error").inner_text()

    log_in(page, user)
    assert page.locator("h1").inner_text() == "Welcome, Erin Coordinator"
    assert "Erin Coordinator Example" in page.locator(".nav-user").inner_text()
    screenshot("home")

    for label, path, heading in MAIN_PAGES:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(f"**{path}")
        assert page.locator("h1").first.inner_text().startswith(heading), label
        assert page.locator("nav.nav a.active").inner_text() == label
        screenshot(label.lower().replace("-", ""))

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")
    page.goto("/expenses/")
    assert "/accounts/login/" in page.url
