"""End-to-end journeys in a real browser (Chromium) against the live server."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from oncall import selectors
from project.jobs import job_progress, job_task
from project.models import Job
from tests.e2e.conftest import log_in, screenshot
from tests.oncall.factories import MemberFactory, TeamFactory, default_pattern

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_log_in_and_see_every_main_page(page, e2e_user):
    user = e2e_user("Coordinator")
    page.goto("/")
    assert "/accounts/login/" in page.url  # anonymous visitors are sent to the login page
    screenshot(page, "login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit], input[type=submit]")
    assert "/accounts/login/" in page.url and page.locator(".errorlist, .error, .messages").count() > 0
    log_in(page, user)
    assert page.locator("nav.nav").is_visible()
    assert user.username in page.locator(".nav-user").inner_text()
    screenshot(page, "home")
    for label in ["Volunteers", "Scheduling", "On-call", "Expenses", "Jobs"]:
        page.click(f"nav.nav a:text-is('{label}')")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.is_visible(), label
        screenshot(page, label.lower().replace("-", ""))
    page.click("text=Log out")
    page.wait_for_url(lambda url: "/accounts/login/" in url)


@job_task(name="tests.e2e.slow_count")
def slow_count(job, steps: int = 4):
    for i in range(1, steps + 1):
        time.sleep(0.4)
        job_progress(job, i * 100 / steps, f"step {i} of {steps}")
    return {"counted": steps}


def test_job_progress_bar_reaches_100_percent(page, e2e_user):
    user = e2e_user("Staff")
    job = Job.objects.create(kind="tests.e2e.slow_count", params={"steps": 4}, created_by=user)
    log_in(page, user)
    page.goto(f"/jobs/{job.pk}/")
    bar = page.locator(".job-progress progress")
    assert bar.get_attribute("value") == "0"
    # A worker picks the job up while the page is open.
    worker = threading.Thread(target=slow_count.run, kwargs={"job_id": str(job.pk)})
    worker.start()
    page.wait_for_function("document.querySelector('.job-progress').dataset.status === 'succeeded'",
                           timeout=20_000)
    worker.join()
    assert page.locator(".job-progress progress").evaluate("el => el.value") == 100
    assert page.locator(".job-percent").inner_text() == "100%"
    assert page.locator(".job-outcome").inner_text() == "Done."
    screenshot(page, "job_progress_done")


def test_coordinator_generates_an_oncall_schedule_and_sees_who_is_on_call_now(page, e2e_user):
    team = TeamFactory(name="Network Ops")
    default_pattern(team)
    names = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
    for i, name in enumerate(names):
        MemberFactory(team=team, name=name, rotation_order=i)
    coordinator = e2e_user("Coordinator")
    log_in(page, coordinator)
    page.goto(f"/oncall/schedule/?team={team.pk}")
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    page.select_option("select[name=mode]", "generate")
    page.fill("input[name=start_date]", monday.isoformat())
    page.fill("input[name=weeks]", "4")
    screenshot(page, "oncall_schedule_form")
    page.click("button.primary:has-text('Save')")
    page.wait_for_load_state("networkidle")
    assert "created" in page.locator(".messages").inner_text()
    screenshot(page, "oncall_schedule")

    expected = selectors.oncall_now(team=team, at=timezone.now()).primary
    assert expected is not None and expected.name in names
    page.goto(f"/oncall/?team={team.pk}")
    now_card = page.locator("section.card", has=page.locator("h2:text-is('On call now')"))
    assert expected.name in now_card.inner_text()
    screenshot(page, "oncall_now")
    page.goto(f"/oncall/calendar/?team={team.pk}")
    assert page.locator(f"text={expected.name}").first.is_visible()
    screenshot(page, "oncall_calendar")
