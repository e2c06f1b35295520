"""Every main page of every app, as a coordinator, on the demo data: each loads with no browser
error (console, CSP, HTTP) and is saved as tests/e2e/screenshots/<test>-<page>.png — the
before/after pictures of a change to the look."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from expenses.models import Expense, Restaurant
from oncall.models import Team
from scheduling.models import Employee
from tests.e2e.conftest import log_in
from tests.expenses.factories import ExpenseFactory, RestaurantFactory
from volunteers.models import Event, Volunteer

pytestmark = pytest.mark.e2e

PLATFORM = ["/", "/jobs/", "/accounts/password/"]
VOLUNTEERS = [
    "/volunteers/",
    "/volunteers/directory/",
    "/volunteers/events/",
    "/volunteers/events/calendar/",
    "/volunteers/reports/",
    "/volunteers/reports/thank-you/",
    "/volunteers/reports/district-year-end/",
    "/volunteers/reports/organizations/",
    "/volunteers/reports/first-time/",
    "/volunteers/salesforce/",
    "/volunteers/quality/",
    "/volunteers/quality/flags/",
    "/volunteers/roster/",
    "/volunteers/import/",
    "/volunteers/virtual/",
    "/volunteers/virtual/imports/",
    "/volunteers/virtual/unmatched/",
    "/volunteers/virtual/issues/",
]
SCHEDULING = [
    "/scheduling/",
    "/scheduling/calendar/",
    "/scheduling/week/",
    "/scheduling/unscheduled/",
    "/scheduling/verify/",
    "/scheduling/workload/",
    "/scheduling/attendance/",
    "/scheduling/unreported/",
    "/scheduling/employees/",
    "/scheduling/employees/new/",
    "/scheduling/employees/import/",
    "/scheduling/rotations/",
    "/scheduling/holidays/",
    "/scheduling/settings/",
    "/scheduling/sync/",
    "/scheduling/paperwork/",
    "/scheduling/auto/",
    "/scheduling/crossmark-login/",
]
ONCALL = [
    "/oncall/",
    "/oncall/calendar/",
    "/oncall/members/",
    "/oncall/shifts/",
    "/oncall/schedule/",
    "/oncall/overrides/",
    "/oncall/notifications/",
    "/oncall/settings/",
]
EXPENSES = [
    "/expenses/",
    "/expenses/add/",
    "/expenses/trash/",
    "/expenses/receipts/",
    "/expenses/restaurants/",
    "/expenses/restaurants/add/",
    "/expenses/restaurants/import/",
    "/expenses/categories/",
    "/expenses/merchants/",
    "/expenses/loyalty/",
    "/expenses/tags/",
    "/expenses/preferences/",
    "/expenses/backup/",
    "/expenses/import/",
    "/expenses/analytics/",
]


def detail_pages(user) -> list[str]:
    """One page per kind of record, on the demo data (and the coordinator's own expenses)."""
    restaurant = RestaurantFactory(user=user, name="Corner Bistro")
    for day in range(3):
        ExpenseFactory(user=user, restaurant=restaurant, date=timezone.localdate() - timezone.timedelta(days=day))
    return [
        f"/volunteers/people/{Volunteer.objects.order_by('pk').first().pk}/",
        f"/volunteers/events/{Event.objects.order_by('-start').first().pk}/",
        f"/scheduling/day/{timezone.localdate().isoformat()}/",
        f"/scheduling/employees/{Employee.objects.order_by('pk').first().pk}/",
        f"/oncall/?team={Team.objects.order_by('pk').first().pk}",
        f"/expenses/{Expense.objects.filter(user=user).order_by('pk').first().pk}/",
        f"/expenses/restaurants/{Restaurant.objects.filter(user=user).order_by('pk').first().pk}/",
    ]


def step_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


# Seventy pages with the demo data's full lists: a slow shared machine needs more than the default.
PAGE_TIMEOUT_MS = 30_000


def test_every_main_page_as_a_coordinator(page, user_with_role, screenshot):
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    call_command("load_demo_data", "--force", stdout=StringIO())
    coordinator = user_with_role("Coordinator")
    log_in(page, coordinator)
    paths = [*PLATFORM, *VOLUNTEERS, *SCHEDULING, *ONCALL, *EXPENSES, *detail_pages(coordinator)]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        # The design system on every page: one header; a page in its app's sub-navigation is marked current.
        assert page.locator("header.page-header h1").count() == 1, path
        tab = page.locator(f'.subnav a[href="{path}"]')
        if tab.count():
            assert tab.first.get_attribute("aria-current") == "page", path
        screenshot(step_name(path))
    assert len(paths) == 69
