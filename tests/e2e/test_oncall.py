"""A coordinator generates an on-call schedule and sees who is on call now."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oncall.models import Assignment
from project.roles import COORDINATOR
from tests.e2e.conftest import log_in
from tests.oncall.factories import MemberFactory, TeamFactory, default_pattern

pytestmark = pytest.mark.e2e


def test_coordinator_generates_a_schedule_and_sees_who_is_on_call_now(page, user_with_role, screenshot):
    team = TeamFactory(name="Network Ops")
    default_pattern(team)  # every day covered: Mon, Tue+Wed (48 h), Thu, Fri, Sat, Sun from 08:00
    names = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
    for order, name in enumerate(names):
        MemberFactory(team=team, name=name, rotation_order=order)
    log_in(page, user_with_role(COORDINATOR))

    page.goto("/oncall/")
    assert page.locator("h1").inner_text() == "On-call · Network Ops"
    assert "Nobody is scheduled right now." in page.locator("section.card").first.inner_text()
    page.get_by_role("navigation", name="On-call").get_by_role("link", name="Schedule").click()
    expect(page.locator("h1")).to_have_text("Schedule · Network Ops")
    assert "No schedule yet." in page.locator("main").inner_text()
    today = timezone.localdate()
    last_monday = today - timedelta(days=today.weekday() + 7)
    page.get_by_label("Mode").select_option("generate")
    page.get_by_label("Start date").fill(last_monday.isoformat())
    page.get_by_label("Weeks").fill("3")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("h2").first).to_contain_text("Preview")
    expect(page.locator("main")).to_contain_text("18 new occurrences, 0 changed, 0 unchanged.")
    assert Assignment.objects.count() == 0  # a preview saves nothing
    screenshot("preview")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages", has_text="created")).to_contain_text("18 created, 0 changed.")
    end = last_monday + timedelta(weeks=3) - timedelta(days=1)
    assert f"Scheduled until {end:%a} {end.day} {end:%b %Y}." in page.locator("main").inner_text()
    screenshot("schedule")

    now = timezone.now()
    current = Assignment.objects.select_related("member").get(starts_at__lte=now, ends_at__gt=now)
    page.get_by_role("navigation", name="On-call").get_by_role("link", name="Dashboard").click()
    on_call_now = page.locator("section.card", has=page.get_by_role("heading", name="On call now"))
    assert current.member.name in on_call_now.inner_text()
    assert current.member.phone in on_call_now.inner_text()
    upcoming = Assignment.objects.filter(occurrence_date__gte=today).order_by("starts_at")
    assert {a.member.name for a in upcoming} == set(names)  # the rotation shares the rest of the window
    shown = page.locator("table tbody tr td:nth-child(4) .badge").all_inner_texts()
    assert shown == [a.member.name for a in upcoming]
    screenshot("on-call-now")
