"""The home page's day at a glance: each role sees the panels it may open, each panel shows the
day's state, and each panel's query count does not grow with the data."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string

from oncall.models import Assignment
from oncall.selectors import assignment_effective_member, on_call_at
from oncall.services import override_cancel, override_create, schedule_generate
from project.home import HomePanel, home_panels
from project.models import Job
from project.views import home
from tests.expenses.factories import ExpenseFactory, RestaurantFactory
from tests.oncall.factories import MemberFactory, TeamFactory, default_pattern
from tests.scheduling.factories import EventFactory, ScheduleFactory, local
from volunteers.models import DataQualityFlag

pytestmark = pytest.mark.django_db

SERIAL = itertools.count()
ALL_PANELS = ["panel-oncall", "panel-scheduling", "panel-quality", "panel-expenses", "panel-jobs"]


def add_day(*, n: int, owner) -> dict:
    """n of everything the panels show, for `owner`: on-call teams, today's schedules, open
    events due tomorrow, open flags, expenses and running jobs."""
    today = timezone.localdate()
    made: dict[str, list] = {k: [] for k in ("members", "events", "due", "flags", "restaurants", "jobs")}
    for _ in range(n):
        i = next(SERIAL)
        team = TeamFactory(name=f"Team {i} {owner.username}")
        default_pattern(team)
        made["members"] += [MemberFactory(team=team, name=f"Oncall {i} {owner.username}", rotation_order=0)]
        schedule_generate(team=team, weeks=2, start=today - timedelta(days=today.weekday() + 7))
        schedule = ScheduleFactory(
            start_at=local(today, 8 + i % 12), event__name=f"Event today {i} {owner.username}", event__day=today
        )
        made["events"].append(schedule.event.name)
        due = EventFactory(name=f"Due event {i} {owner.username}", day=today - timedelta(days=2))  # due tomorrow
        made["due"].append(due.name)
        flag = DataQualityFlag.objects.create(
            entity_type="volunteer", entity_key=f"V{i}", issue_type="missing_email", message=f"No e-mail {i}"
        )
        made["flags"].append(flag.message)
        restaurant = RestaurantFactory(user=owner, name=f"Diner {i} {owner.username}")
        ExpenseFactory(user=owner, restaurant=restaurant, date=today - timedelta(days=i))
        made["restaurants"].append(restaurant.name)
        Job.objects.create(kind="volunteers.salesforce_sync", status=Job.Status.RUNNING, created_by=owner)
    return made


def panel_ids(html: str) -> list[str]:
    return re.findall(r'<section class="card panel" id="(panel-[a-z]+)"', html)


def panel_html(html: str, key: str) -> str:
    return re.search(rf'<section class="card panel" id="panel-{key}".*?</section>', html, re.S).group(0)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", ["panel-oncall", "panel-quality", "panel-expenses", "panel-jobs"]),
        ("staff_user", ALL_PANELS),
        ("coordinator", ALL_PANELS),
        ("admin_user", ALL_PANELS),
    ],
)
def test_each_role_sees_the_panels_it_may_open(client, request, role, expected):
    user = request.getfixturevalue(role)
    made = add_day(n=1, owner=user)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert panel_ids(html) == expected
    assert made["members"][0].name in html  # on call now, every role with on-call access
    assert made["flags"][0] in html
    assert made["restaurants"][0] in html  # the user's own expense
    assert "Salesforce sync" in html  # the running job, in words
    if "panel-scheduling" in expected:
        assert made["events"][0] in html and made["due"][0] in html
    else:
        assert made["events"][0] not in html and made["due"][0] not in html


def test_expenses_panel_shows_only_the_users_own(client, staff_user, coordinator):
    theirs = add_day(n=1, owner=coordinator)
    mine = add_day(n=1, owner=staff_user)
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    assert mine["restaurants"][0] in html and theirs["restaurants"][0] not in html


def test_empty_day_says_so(client, viewer):
    client.force_login(viewer)
    html = client.get("/").content.decode()
    assert "Nobody is on call right now." in html
    assert "No open flags" in html and "No expenses yet." in html and "No job is running." in html


def test_panels_come_from_the_setting_in_its_order(rf, coordinator, settings):
    settings.HOME_PANELS = ["expenses.home.panel", "oncall.home.panel"]
    request = rf.get("/")
    request.user = coordinator
    assert [p.key for p in home_panels(request)] == ["expenses", "oncall"]


@pytest.mark.parametrize(
    ("path", "queries"),
    [("oncall.home.panel", 1), ("scheduling.home.panel", 2), ("volunteers.home.panel", 1), ("expenses.home.panel", 1)],
)
def test_each_panel_runs_a_constant_number_of_queries(path, queries, admin_user):
    """Permissions are cached on the user first so only the panel's own queries are counted."""
    build = import_string(path)
    request = RequestFactory().get("/")
    request.user = admin_user
    admin_user.get_all_permissions()

    def count() -> tuple[int, HomePanel]:
        with CaptureQueriesContext(connection) as queries:
            panel = build(request)
        return len(queries), panel

    add_day(n=1, owner=admin_user)
    one, panel = count()
    add_day(n=4, owner=admin_user)
    five, panel_five = count()
    assert one == five == queries
    assert panel.template and panel_five.url


def test_home_view_runs_six_queries_whatever_the_data(rf, admin_user):
    """The panels' five (on call, today's schedules, events due soon, flags, expenses) and the
    running jobs: counted on the view alone, the session and sign-in being the middleware's."""
    request = rf.get("/")
    request.user = admin_user
    admin_user.get_all_permissions()

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            html = home(request).content.decode()
        return len(queries), html

    add_day(n=1, owner=admin_user)
    one, _ = count()
    made = add_day(n=6, owner=admin_user)
    seven, html = count()
    assert one == seven == 6
    assert panel_ids(html) == ALL_PANELS and made["restaurants"][0] in html


def test_home_page_query_count_does_not_grow(client, coordinator, django_assert_max_num_queries):
    client.force_login(coordinator)
    add_day(n=1, owner=coordinator)
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    add_day(n=5, owner=coordinator)
    with CaptureQueriesContext(connection) as six:
        client.get("/")
    assert len(one) == len(six)


def test_oncall_panel_shows_who_covers_the_current_occurrence(client, coordinator):
    """The latest active or completed override wins (assignment_effective_member); a cancelled one
    gives the occurrence back to the rostered member."""
    made = add_day(n=2, owner=coordinator)
    rostered = made["members"][0]
    cover = MemberFactory(team=rostered.team, name="Cover Person", rotation_order=1)
    now = timezone.now()
    current = Assignment.objects.get(team=rostered.team, starts_at__lte=now, ends_at__gt=now)
    client.force_login(coordinator)

    override = override_create(assignment=current, member=cover, reason="swap")
    panel = panel_html(client.get("/").content.decode(), "oncall")
    assert "Cover Person" in panel and rostered.name not in panel
    assert made["members"][1].name in panel  # the other team, without an override
    assert panel.count("status-pending") == 1  # one "covering" badge, on the covered team's row

    override_cancel(override=override)
    panel = panel_html(client.get("/").content.decode(), "oncall")
    assert rostered.name in panel and "Cover Person" not in panel and "status-pending" not in panel

    override_create(assignment=current, member=cover, reason="second swap")
    rows = on_call_at(at=now)
    expected = {
        a.team.name: assignment_effective_member(a).name
        for a in Assignment.objects.filter(starts_at__lte=now, ends_at__gt=now).select_related("team")
    }
    assert {r["team_name"]: r["covering_name"] or r["member_name"] for r in rows} == expected
    assert expected[rostered.team.name] == "Cover Person"


def test_quality_panel_counts_every_open_flag_and_shows_the_latest(client, viewer):
    for i in range(7):
        DataQualityFlag.objects.create(
            entity_type="volunteer", entity_key=f"Q{i}", issue_type="missing_email", message=f"Open flag {i}"
        )
    DataQualityFlag.objects.create(
        entity_type="volunteer",
        entity_key="R",
        issue_type="missing_email",
        message="Resolved flag",
        status=DataQualityFlag.Status.RESOLVED,
    )
    client.force_login(viewer)
    panel = panel_html(client.get("/").content.decode(), "quality")
    assert '<p class="stat-value">7</p>' in panel  # every open flag, not the five shown nor the resolved one
    shown = re.findall(r"Open flag (\d)", panel)
    assert shown == ["6", "5", "4", "3", "2"]  # newest first
    assert "Resolved flag" not in panel


def test_jobs_panel_shows_the_visible_jobs_still_going(client, viewer, admin_user):
    """Queued and running jobs only; a user without view_job sees their own, the Administrator all."""
    Job.objects.create(kind="tests.theirs_running", status=Job.Status.RUNNING, created_by=admin_user, progress=40)
    Job.objects.create(kind="tests.mine_queued", status=Job.Status.QUEUED, created_by=viewer)
    Job.objects.create(kind="tests.mine_done", status=Job.Status.SUCCEEDED, created_by=viewer)
    client.force_login(viewer)
    panel = panel_html(client.get("/").content.decode(), "jobs")
    assert "Mine queued" in panel and "Theirs running" not in panel and "Mine done" not in panel
    client.force_login(admin_user)
    panel = panel_html(client.get("/").content.decode(), "jobs")
    assert "Mine queued" in panel and "Theirs running" in panel and 'value="40"' in panel
    assert "Mine done" not in panel
