""" "Find someone" for one event: the auto-scheduler's rules per allowed day, ranked options with
their slot, a reason for everyone else (the wording of run failures), one click through manual
scheduling; page and API; bad input."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling import runs
from scheduling.models import Condition, EventType, JobTitle, RotationAssignment, Schedule, TimeOff
from tests.scheduling.factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(n):
    return TODAY + timedelta(days=n)


def browser(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def team():
    """A Core open on days 1–3. Lead and Spec can take it (Spec is off on day 2); Busy has a posted
    Core on day 1; the Club Supervisor has the wrong role; the Juicer Barista juices every day."""
    people = {
        "lead": EmployeeFactory(name="Ann Lead", job_title=JobTitle.LEAD_EVENT_SPECIALIST),
        "spec": EmployeeFactory(name="Bea Spec"),
        "busy": EmployeeFactory(name="Cy Busy"),
        "club": EmployeeFactory(name="Dee Club", job_title=JobTitle.CLUB_SUPERVISOR),
        "juicer": EmployeeFactory(name="Eve Juicer", job_title=JobTitle.JUICER_BARISTA),
    }
    TimeOff.objects.create(employee=people["spec"], start_date=day(2), end_date=day(2))
    for weekday in range(7):
        RotationAssignment.objects.create(weekday=weekday, rotation_type="juicer", employee=people["juicer"])
    ScheduleFactory(
        employee=people["busy"],
        event=EventFactory(event_type=EventType.CORE, start_at=local(day(1), 0, 0), due_at=local(day(5), 0, 0)),
        start_at=local(day(1), 9, 45),
    )
    people["core"] = EventFactory(
        event_type=EventType.CORE, event_number="612345", start_at=local(day(1), 0, 0), due_at=local(day(4), 0, 0)
    )
    return people


def by_day(suggestions):
    return {
        d.day: (
            [(o.employee_name, o.start_at.time(), o.preferred) for o in d.options],
            {r.employee_name: r.reason for r in d.refusals},
        )
        for d in suggestions.days
    }


def test_a_core_gets_ranked_options_per_day_with_the_slot_and_reasons_for_the_others(team):
    result = runs.event_suggestions(event=team["core"])
    days = by_day(result)
    assert list(days) == [day(1), day(2), day(3)]  # start inclusive, due exclusive
    options, refusals = days[day(1)]
    # Leads before Specialists (the Core wave's order); 09:45 is used by Busy's Core, so 10:30.
    assert options == [("Ann Lead", time(10, 30), True), ("Bea Spec", time(10, 30), True)]
    assert refusals == {
        "Cy Busy": "already has a Core that day",
        "Dee Club": "wrong role",
        "Eve Juicer": "juicing that day",
    }
    options, refusals = days[day(2)]
    assert options == [("Ann Lead", time(9, 45), True), ("Cy Busy", time(9, 45), True)]
    assert refusals["Bea Spec"] == "time off"
    assert result.summary == ""


def test_nobody_available_gives_the_same_reason_as_a_run(team):
    juice = EventFactory(
        event_type=EventType.JUICER,
        sub_type="juicer_production",
        start_at=local(day(4), 0, 0),
        due_at=local(day(6), 0, 0),
    )
    TimeOff.objects.create(employee=team["juicer"], start_date=day(4), end_date=day(5))
    result = runs.event_suggestions(event=juice)
    assert [d.options for d in result.days] == [[], []]
    run = runs.run_execute(run=runs.run_create())
    failure = run.proposals.get(event=juice)
    assert failure.status == "unplaced"
    assert result.summary == failure.failure_reason
    assert result.summary.startswith("No person available (the day's rotation Juicer) on any day from")
    assert "time off ×2" in result.summary


def test_a_closed_window_says_so_like_a_run(team):
    freeosk = EventFactory(event_type=EventType.FREEOSK, start_at=local(day(0), 0, 0), due_at=local(day(2), 0, 0))
    result = runs.event_suggestions(event=freeosk)
    assert result.days == [] and result.summary.startswith("Window closed: the earliest allowed date is")


def test_a_supervisor_goes_on_its_posted_cores_date(team):
    sup = EventFactory(
        event_type=EventType.SUPERVISOR, event_number="612345", start_at=local(day(1), 0, 0), due_at=local(day(4), 0, 0)
    )
    result = runs.event_suggestions(event=sup)
    assert "schedule the Core first" in result.summary and result.days == []
    ScheduleFactory(event=team["core"], employee=team["lead"], start_at=local(day(2), 10, 30))
    days = by_day(runs.event_suggestions(event=sup))
    assert list(days) == [day(2)]
    assert days[day(2)][0][0] == ("Dee Club", time(12, 0), True)


@pytest.mark.parametrize("change", ["posted", "submitted", "missing"])
def test_scheduled_or_submitted_events_are_refused(team, change):
    event = team["core"]
    if change == "posted":
        ScheduleFactory(event=event, employee=team["lead"], start_at=local(day(1), 9, 45))
    elif change == "submitted":
        event.condition = Condition.SUBMITTED
        event.save()
    else:
        event.missing_since = timezone.now()
        event.save()
    with pytest.raises(ValidationError) as caught:
        runs.event_suggestions(event=event)
    assert caught.value.message_dict["event"]


# --------------------------------------------------------------------------- API
def test_api_suggestions_and_posting_the_choice(team, client_for, coordinator):
    api = client_for(coordinator)
    response = api.get(f"/api/v1/scheduling/events/{team['core'].pk}/suggestions/")
    assert response.status_code == 200, response.content
    first_day = response.data["days"][0]
    assert first_day["date"] == str(day(1))
    assert [o["employee_name"] for o in first_day["options"]] == ["Ann Lead", "Bea Spec"]
    assert {r["employee_name"]: r["reason"] for r in first_day["refusals"]}["Dee Club"] == "wrong role"
    choice = first_day["options"][1]
    posted = api.post(
        "/api/v1/scheduling/schedules/",
        {"event": team["core"].pk, "employee": choice["employee"], "start_at": choice["start_at"]},
        format="json",
    )
    assert posted.status_code == 201, posted.content
    schedule = Schedule.objects.get(event=team["core"])
    assert (schedule.employee, timezone.localtime(schedule.start_at)) == (team["spec"], local(day(1), 10, 30))
    again = api.get(f"/api/v1/scheduling/events/{team['core'].pk}/suggestions/")
    assert again.status_code == 400 and "already scheduled" in again.data["errors"]["event"][0]
    assert api.get("/api/v1/scheduling/events/999999/suggestions/").status_code == 404


def test_api_suggestions_need_authentication_and_a_role(team, client_for, viewer, staff_user):
    url = f"/api/v1/scheduling/events/{team['core'].pk}/suggestions/"
    assert client_for(None).get(url).status_code in (401, 403)
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(staff_user).get(url).status_code == 200


def test_api_suggestions_use_a_fixed_number_of_queries(team, client_for, coordinator):
    api = client_for(coordinator)
    url = f"/api/v1/scheduling/events/{team['core'].pk}/suggestions/"
    api.get(url)  # settings row
    counts = []
    for extra in (0, 15):
        for _ in range(extra):
            person = EmployeeFactory()
            ScheduleFactory(employee=person, event=EventFactory(day=day(3)), start_at=local(day(2), 9, 45))
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 20


# --------------------------------------------------------------------------- pages
def test_find_page_lists_options_and_one_click_posts_through_manual_scheduling(team, coordinator):
    page = browser(coordinator)
    html = page.get(f"/scheduling/events/{team['core'].pk}/find/").content.decode()
    assert "Ann Lead" in html and "juicing that day" in html and "Choose" in html
    response = page.post(
        f"/scheduling/events/{team['core'].pk}/schedule/",
        {"employee": team["lead"].pk, "date": day(1).isoformat(), "time": "10:30"},
    )
    assert response.status_code == 302
    assert Schedule.objects.get(event=team["core"]).employee == team["lead"]
    refused = page.get(f"/scheduling/events/{team['core'].pk}/find/")
    assert refused.status_code == 400 and "already scheduled" in refused.content.decode()
    assert page.get("/scheduling/events/999999/find/").status_code == 404


def test_find_page_needs_login_and_staff_sees_no_choose_button(team, staff_user):
    url = f"/scheduling/events/{team['core'].pk}/find/"
    assert browser(None).get(url).status_code == 302
    html = browser(staff_user).get(url).content.decode()
    assert "Ann Lead" in html and "Choose" not in html


def test_manual_scheduling_offers_the_available_people_first(team, coordinator):
    html = browser(coordinator).get(f"/scheduling/events/{team['core'].pk}/schedule/").content.decode()
    group = html.index('<optgroup label="Can take it on')
    others = html.index('<optgroup label="Others"')
    assert group < html.index("Ann Lead") < html.index("Bea Spec") < others < html.index("Dee Club")
    assert f'<option value="{team["lead"].pk}" selected>' in html
    assert 'value="10:30"' in html and f'value="{day(1).isoformat()}"' in html


def test_the_reassign_page_offers_the_available_people_first(team, coordinator):
    schedule = ScheduleFactory(event=team["core"], employee=team["lead"], start_at=local(day(1), 10, 30))
    html = browser(coordinator).get(f"/scheduling/schedules/{schedule.pk}/reassign/").content.decode()
    group = html.index('<optgroup label="Can take it at')
    others = html.index('<optgroup label="Others"')
    option = lambda name: html.index(f">{name}</option>")  # noqa: E731 - a local shorthand
    assert group < option("Bea Spec") < others
    assert others < option("Cy Busy") and others < option("Dee Club") and others < option("Ann Lead")
