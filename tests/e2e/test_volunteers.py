"""A coordinator creates a volunteer and an event in the admin, signs the volunteer up, and marks
attendance on the event page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from project.roles import COORDINATOR
from tests.e2e.conftest import log_in
from volunteers.models import Event, Volunteer, VolunteerParticipation

pytestmark = pytest.mark.e2e


def test_coordinator_creates_a_volunteer_and_an_event_and_marks_attendance(page, user_with_role, screenshot):
    log_in(page, user_with_role(COORDINATOR))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.locator("tr.model-volunteer").get_by_role("link", name="Add").click()
    page.get_by_label("First name:").fill("Rosa")
    page.get_by_label("Last name:").fill("Parks")
    page.get_by_label("Title:").fill("Engineer")
    page.get_by_role("button", name="Add another Contact email").click()
    page.locator("input[name$='-0-email']").fill("rosa.parks@example.org")
    screenshot("admin-volunteer")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    volunteer = Volunteer.objects.get(last_name="Parks")
    assert volunteer.emails.get().email == "rosa.parks@example.org"

    page.get_by_role("link", name="Volunteers", exact=True).first.click()  # breadcrumb: the app's models
    page.locator("tr.model-event").get_by_role("link", name="Add").click()
    start = timezone.localtime() - timedelta(days=1)
    page.get_by_label("Title:").fill("Career day at Central High")
    page.get_by_label("Status:").select_option(label="Confirmed")
    page.locator("input[name=start_0]").fill(start.strftime("%Y-%m-%d"))
    page.locator("input[name=start_1]").fill("09:00:00")
    page.get_by_label("Duration minutes:").fill("90")
    page.get_by_label("Volunteers needed:").fill("2")
    # Sign the volunteer up through the participation inline's autocomplete.
    page.get_by_role("button", name="Add another Volunteer participation").click()
    row = page.locator("#volunteer_participations-group tr.form-row.dynamic-volunteer_participations").first
    row.locator(".field-volunteer .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("Parks")
    page.locator(".select2-results__option", has_text="Rosa Parks").click()
    assert row.locator("select[name$='-volunteer']").input_value() == str(volunteer.pk)
    screenshot("admin-event")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    event = Event.objects.get(title="Career day at Central High")

    page.goto(f"/volunteers/events/{event.pk}/")
    assert page.locator("h1").inner_text() == "Career day at Central High"
    roster = page.locator("table tbody tr")
    assert roster.count() == 1 and "Rosa Parks" in roster.inner_text()
    assert roster.get_by_label("Registered").is_checked()
    assert "0 attended of 1 registered (2 needed)" in page.locator("dl.facts").inner_text()
    roster.get_by_label("Attended").check()
    page.get_by_role("button", name="Save attendance").click()
    assert "Attendance saved (1 change(s))." in page.locator(".messages").inner_text()
    facts = page.locator("dl.facts").inner_text()
    assert "1 attended of 1 registered (2 needed)" in facts
    assert roster.get_by_label("Attended").is_checked()
    assert roster.locator("td.num").inner_text() == "1.50"  # 90 minutes of delivery
    screenshot("attendance")

    page.get_by_role("link", name="Rosa Parks").click()
    expect(page.locator("h1")).to_contain_text("Rosa Parks")
    assert "Career day at Central High" in page.locator("main").inner_text()
    participation = VolunteerParticipation.objects.get(event=event, volunteer=volunteer)
    assert participation.status == "attended"
    volunteer.refresh_from_db()
    assert volunteer.times_volunteered == 1
    screenshot("volunteer")
