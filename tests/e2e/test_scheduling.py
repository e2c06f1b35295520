"""A coordinator runs the auto-scheduler, watches its progress bar finish, reviews the proposals
and approves them, watching the approval's progress bar finish too."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from project.roles import COORDINATOR
from scheduling.models import EventType, JobTitle, Schedule, ScheduleProposal, SchedulerRun
from tests.e2e.conftest import log_in
from tests.scheduling.factories import EmployeeFactory, EventFactory, local

pytestmark = pytest.mark.e2e


def _event(kind: str, number: str, start_in: int, due_in: int):
    today = timezone.localdate()
    return EventFactory(
        event_type=kind,
        event_number=number,
        name=f"{number}-{kind.upper()}-Demo",
        start_at=local(today + timedelta(days=start_in), 0, 0),
        due_at=local(today + timedelta(days=due_in), 0, 0),
    )


def watch_progress(page, job_queue, task: str) -> None:
    """The page's one progress bar is shown unfinished; the queued job then runs and the page's
    polling (crewbase.js reading /api/v1/jobs/<id>/) takes the bar to 100% and "Done."."""
    progress = page.locator(".job-progress")
    assert progress.count() == 1
    assert progress.get_attribute("data-status") == "queued"
    assert progress.locator(".job-percent").inner_text() == "0%"
    assert progress.locator(".job-outcome").inner_text() == ""
    assert job_queue.run_all() == [task]
    expect(progress).to_have_attribute("data-status", "succeeded")
    assert progress.locator("progress").evaluate("bar => bar.value") == 100
    assert progress.locator(".job-percent").inner_text() == "100%"
    assert progress.locator(".job-outcome").inner_text() == "Done."


def test_coordinator_runs_the_auto_scheduler_and_approves_it(page, user_with_role, job_queue, screenshot):
    EmployeeFactory(name="Casey Club", job_title=JobTitle.CLUB_SUPERVISOR)
    EmployeeFactory(name="Lee Lead", job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    _event(EventType.CORE, "606001", 0, 2)
    _event(EventType.SUPERVISOR, "606001", 0, 2)
    _event(EventType.CORE, "606003", -5, 1)  # its window has closed: cannot be placed
    log_in(page, user_with_role(COORDINATOR))

    page.goto("/scheduling/")
    page.get_by_role("navigation", name="Scheduling").get_by_role("link", name="Auto-schedule").click()
    assert page.locator("h1").inner_text() == "Auto-schedule"
    assert "No runs yet." in page.locator("table").inner_text()
    page.get_by_role("button", name="Run the auto-scheduler").click()
    page.wait_for_url("**/scheduling/auto/*/")
    run = SchedulerRun.objects.get()
    assert "Running" in page.locator("h1").inner_text()
    screenshot("run-started")
    watch_progress(page, job_queue, "scheduling.tasks.auto_schedule_job")
    screenshot("run-finished")

    expect(page.locator("h1")).to_contain_text("Ready for review")  # the page reloads itself
    page.wait_for_load_state()
    assert "3 = 2 proposed + 1 not placed" in page.locator("dl.facts").inner_text()
    proposals = page.locator("table").first.locator("tbody tr")
    assert proposals.count() == 2
    assert "606001-CORE-Demo" in proposals.nth(0).inner_text() and "Lee Lead" in proposals.nth(0).inner_text()
    assert "606001-SUPERVISOR-Demo" in proposals.nth(1).inner_text()
    assert "Casey Club" in proposals.nth(1).inner_text()
    not_placed = page.locator("h2:has-text('Not placed (1)') + table")
    assert "606003-CORE-Demo" in not_placed.inner_text() and "Window closed" in not_placed.inner_text()
    screenshot("review")

    page.get_by_role("button", name="Approve all open proposals").click()
    page.wait_for_url(f"**/scheduling/auto/{run.pk}/?job=*")
    assert page.locator("h2:has-text('Approval') + .job-progress").count() == 1
    watch_progress(page, job_queue, "scheduling.tasks.auto_schedule_approve_job")
    assert page.locator(".job-message").inner_text() == "2/2 rows: 2 submitted, 0 failed"
    screenshot("approval-finished")

    expect(page.locator("h1")).to_contain_text("Approved")  # the page reloads itself
    page.wait_for_load_state()
    assert [b.inner_text() for b in proposals.locator(".badge.status-submitted").all()] == ["Submitted"] * 2
    assert proposals.get_by_role("button", name="Approve", exact=True).count() == 0  # nothing left to approve
    assert Schedule.objects.filter(event__event_number="606001").count() == 2
    assert ScheduleProposal.objects.filter(run=run, status="submitted").count() == 2
