"""Auto-scheduler runs against the database: side-effect free, review edits, idempotent approval,
reject, the API with role permissions, the nightly task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.crossmark import FakeCrossmarkClient
from scheduling import runs, tasks
from scheduling.models import (
    Condition,
    Event,
    EventType,
    JobTitle,
    Schedule,
    ScheduleProposal,
    SchedulerRun,
    SchedulingSettings,
    TimeOff,
)
from tests.scheduling.factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(n):
    return TODAY + timedelta(days=n)


def core(n_start, n_due, number, **kw):
    return EventFactory(
        event_type=EventType.CORE,
        event_number=number,
        name=f"{number}-CORE-Demo",
        start_at=local(day(n_start), 0, 0),
        due_at=local(day(n_due), 0, 0),
        **kw,
    )


def supervisor(n_start, n_due, number):
    return EventFactory(
        event_type=EventType.SUPERVISOR,
        event_number=number,
        name=f"{number}-Supervisor-Demo",
        start_at=local(day(n_start), 0, 0),
        due_at=local(day(n_due), 0, 0),
    )


def world():
    """Events, schedules and their fields: what a run must leave untouched."""
    return (
        sorted(Event.objects.values_list("id", "condition", "updated_at")),
        sorted(
            Schedule.objects.values_list(
                "id", "event_id", "employee_id", "start_at", "crossmark_schedule_id", "updated_at"
            )
        ),
    )


@pytest.fixture
def crossmark(monkeypatch):
    client = FakeCrossmarkClient(events=[])
    monkeypatch.setattr(runs.services.clients, "crossmark_for_user", lambda user: client)
    return client


@pytest.fixture
def scenario():
    """A Club Supervisor, two Leads; two Cores with Supervisors, a posted later-due Core that an
    urgent Core must bump, and one event that cannot be placed."""
    club = EmployeeFactory(name="Club", job_title=JobTitle.CLUB_SUPERVISOR)
    lead = EmployeeFactory(name="Lead A", job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    other_lead = EmployeeFactory(name="Lead B", job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    TimeOff.objects.create(employee=other_lead, start_date=day(0), end_date=day(30))
    urgent = core(0, 2, "606001")
    urgent_sup = supervisor(0, 2, "606001")
    later = core(0, 9, "606002")
    posted_later = ScheduleFactory(event=later, employee=lead, start_at=local(day(1), 9, 45))
    later.condition = Condition.SCHEDULED
    later.save()
    closed = core(-5, 1, "606003")
    return {
        "club": club,
        "lead": lead,
        "urgent": urgent,
        "urgent_sup": urgent_sup,
        "later": later,
        "posted_later": posted_later,
        "closed": closed,
    }


def run_now(as_of=None):
    run = runs.run_create(as_of=as_of)
    return runs.run_execute(run=run)


# --------------------------------------------------------------------------- a run
def test_a_run_writes_only_its_own_rows(scenario):
    before = world()
    run = run_now()
    assert world() == before
    assert (run.status, run.candidates, run.proposed, run.failed, run.moves) == ("ready", 3, 2, 1, 1)
    rows = {p.event_id: p for p in run.proposals.all()}
    assert rows[scenario["urgent"].pk].kind == "new"
    assert timezone.localtime(rows[scenario["urgent"].pk].start_at) == local(day(1), 9, 45)
    move = rows[scenario["later"].pk]
    assert (move.kind, move.schedule_id, move.bumped_by_id) == (
        "move",
        scenario["posted_later"].pk,
        scenario["urgent"].pk,
    )
    assert timezone.localtime(rows[scenario["urgent_sup"].pk].start_at) == local(day(1), 12, 0)
    assert rows[scenario["urgent_sup"].pk].employee == scenario["club"]
    failure = rows[scenario["closed"].pk]
    assert failure.status == "unplaced" and failure.failure_reason.startswith("Window closed")
    assert run.candidates == run.proposed + run.failed


def test_excluded_posted_and_non_unstaffed_events_are_not_candidates(scenario):
    EventFactory(day=day(5), auto_schedule_excluded=True)
    EventFactory(day=day(5), condition=Condition.CANCELED)
    EventFactory(day=day(5), missing_since=timezone.now())
    EventFactory(start_at=local(day(-9), 0, 0), due_at=local(day(-1), 0, 0))
    run = run_now()
    assert run.candidates == 3


def test_the_plan_load_and_write_use_a_number_of_queries_that_does_not_grow(scenario):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run_now()  # creates the settings row
    counts = []
    for extra in (10, 60):
        for _i in range(extra):
            core(0, 8, "")
        with CaptureQueriesContext(connection) as queries:
            run_now()
        sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
        counts.append(
            (
                sum(1 for q in sql if not q.startswith('INSERT INTO "SCHEDULING_SCHEDULEPROPOSAL"')),
                sum(1 for q in sql if q.startswith('INSERT INTO "SCHEDULING_SCHEDULEPROPOSAL"')),
            )
        )
    # Reads and bookkeeping are constant; proposals go in batched inserts (one per 500 rows, or
    # per ~40 rows on SQLite, whose statements take at most 999 parameters).
    assert counts[0][0] == counts[1][0] <= 22  # incl. full_clean checking the run's two DB constraints
    assert counts[0][1] == 1 and counts[1][1] <= 3


@pytest.mark.error_log_expected("scheduling.runs")
def test_a_failing_run_is_marked_failed_and_writes_no_proposal(scenario, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("planner broke")

    monkeypatch.setattr(runs.autoscheduler, "plan", boom)
    run = runs.run_create()
    with pytest.raises(RuntimeError):
        runs.run_execute(run=run)
    run.refresh_from_db()
    assert run.status == "failed" and run.error == "planner broke" and not run.proposals.exists()


# --------------------------------------------------------------------------- approve / retry / reject
def test_approve_submits_row_by_row_and_is_idempotent(scenario, crossmark, coordinator):
    run = run_now()
    crossmark.fail_next["schedule"] = 1  # the first submission (the move, which goes first) fails
    result = runs.run_approve(run=run, user=coordinator)
    # The move failed in Crossmark, so the urgent Core cannot take its spot yet, nor its Supervisor.
    assert result == {"submitted": 0, "failed": 3, "skipped": 0}
    rows = {p.event_id: p for p in run.proposals.all()}
    assert rows[scenario["later"].pk].status == "submit_failed"
    assert "Crossmark" in rows[scenario["later"].pk].submit_error
    assert "already has a Core" in rows[scenario["urgent"].pk].submit_error
    assert "not posted" in rows[scenario["urgent_sup"].pk].submit_error
    # Nothing changed locally; Crossmark got the unschedule undone.
    assert Schedule.objects.get(event=scenario["later"]).start_at == scenario["posted_later"].start_at
    assert not Schedule.objects.filter(event=scenario["urgent"]).exists()

    calls_before = len([c for c in crossmark.calls if c[0] == "schedule"])
    result = runs.run_approve(run=run, user=coordinator)
    assert result == {"submitted": 3, "failed": 0, "skipped": 0}
    posted = Schedule.objects.get(event=scenario["urgent"])
    assert posted.employee == scenario["lead"] and timezone.localtime(posted.start_at) == local(day(1), 9, 45)
    assert posted.crossmark_schedule_id.startswith("FAKE-")
    assert Event.objects.get(pk=scenario["urgent"].pk).condition == Condition.SCHEDULED
    moved = Schedule.objects.get(pk=scenario["posted_later"].pk)
    assert timezone.localtime(moved.start_at).date() == day(2)
    assert Schedule.objects.get(event=scenario["urgent_sup"]).employee == scenario["club"]
    assert len([c for c in crossmark.calls if c[0] == "schedule"]) == calls_before + 3

    # Approving again submits nothing.
    calls = len(crossmark.calls)
    assert runs.run_approve(run=run, user=coordinator) == {"submitted": 0, "failed": 0, "skipped": 0}
    assert len(crossmark.calls) == calls
    assert Schedule.objects.filter(event=scenario["urgent_sup"]).count() == 1
    run.refresh_from_db()
    assert run.status == "approved" and run.approved_by == coordinator


def test_retry_submits_only_failed_rows(scenario, crossmark, coordinator):
    run = run_now()
    sup_row = run.proposals.get(event=scenario["urgent_sup"])
    runs.run_approve(run=run, user=coordinator, proposal_ids=[sup_row.pk])  # its Core is not posted yet
    sup_row.refresh_from_db()
    assert sup_row.status == "submit_failed"
    assert runs.run_approve(run=run, user=coordinator, retry_only=True) == {"submitted": 0, "failed": 1, "skipped": 0}
    urgent_row = run.proposals.get(event=scenario["urgent"])
    # Approving one row brings the move it depends on along.
    assert runs.run_approve(run=run, user=coordinator, proposal_ids=[urgent_row.pk])["submitted"] == 2
    assert runs.run_approve(run=run, user=coordinator, retry_only=True) == {"submitted": 1, "failed": 0, "skipped": 0}
    assert run.proposals.filter(status="submitted").count() == 3


def test_reject_leaves_the_world_unchanged(scenario, coordinator):
    before = world()
    run = run_now()
    runs.run_reject(run=run, user=coordinator)
    assert world() == before
    assert set(run.proposals.values_list("status", flat=True)) == {"rejected", "unplaced"}
    with pytest.raises(Exception, match="rejected"):
        runs.run_approve(run=run, user=coordinator)
    # The events are candidates again in the next run.
    assert run_now().candidates == 3


def test_approve_revalidates_against_the_world_as_it_is_now(scenario, crossmark, coordinator):
    run = run_now()
    TimeOff.objects.create(employee=scenario["club"], start_date=day(1), end_date=day(1))
    runs.run_approve(run=run, user=coordinator)
    row = run.proposals.get(event=scenario["urgent_sup"])
    assert row.status == "submit_failed" and "time off" in row.submit_error


def test_approve_a_posting_changed_since_the_run_fails_that_row(scenario, crossmark, coordinator):
    run = run_now()
    Schedule.objects.filter(pk=scenario["posted_later"].pk).update(start_at=local(day(1), 10, 30))
    runs.run_approve(run=run, user=coordinator)
    assert "changed since the run" in run.proposals.get(event=scenario["later"]).submit_error


# --------------------------------------------------------------------------- editing
def test_edit_is_revalidated_with_the_same_rules(scenario):
    run = run_now()
    row = run.proposals.get(event=scenario["urgent"])
    specialist = EmployeeFactory(name="Spec")
    edited = runs.proposal_update(proposal=row, employee=specialist)
    assert (edited.status, edited.employee) == ("edited", specialist)
    with pytest.raises(Exception, match="cannot work a Core"):
        runs.proposal_update(proposal=row, employee=scenario["club"])
    # The moved Core sits on day 2 with Lead A in this plan: putting the urgent Core there clashes.
    with pytest.raises(Exception, match="already has a Core"):
        runs.proposal_update(proposal=row, employee=scenario["lead"], start_at=local(day(2), 10, 30))
    # A soft warning (not a Core slot) needs a reason, which is kept.
    with pytest.raises(Exception, match="reason"):
        runs.proposal_update(proposal=row, start_at=local(day(1), 10, 0))
    edited = runs.proposal_update(proposal=row, start_at=local(day(1), 10, 0), override_reason="Store asked")
    assert [w["code"] for w in edited.overridden_warnings] == ["core_slot"]


# --------------------------------------------------------------------------- API
def test_api_start_detail_approve_reject(scenario, client_for, coordinator, crossmark):
    api = client_for(coordinator)
    before = world()
    response = api.post("/api/v1/scheduling/runs/", {}, format="json")
    assert response.status_code == 202, response.content
    run_id = response.data["run"]
    assert response.data["status"] == "succeeded"
    assert world() == before
    detail = api.get(f"/api/v1/scheduling/runs/{run_id}/").data
    assert (detail["status"], detail["candidates"], detail["proposed"], detail["failed"], detail["moves"]) == (
        "ready",
        3,
        2,
        1,
        1,
    )
    kinds = sorted((p["kind"], p["status"]) for p in detail["proposals"])
    assert kinds == [("move", "proposed"), ("new", "proposed"), ("new", "proposed"), ("new", "unplaced")]
    assert {"id", "event", "employee", "start", "kind", "status", "failure_reason"} <= set(detail["proposals"][0])

    proposal = next(p for p in detail["proposals"] if p["event"] == scenario["urgent"].pk)
    bad = api.patch(f"/api/v1/scheduling/proposals/{proposal['id']}/", {"employee": scenario["club"].pk}, format="json")
    assert bad.status_code == 400 and "employee" in bad.data["errors"]
    unknown = api.patch(f"/api/v1/scheduling/proposals/{proposal['id']}/", {"colour": "red"}, format="json")
    assert unknown.status_code == 400

    approved = api.post(f"/api/v1/scheduling/runs/{run_id}/approve/", {}, format="json")
    assert approved.status_code == 202, approved.content  # the whole run: a job (run eagerly in tests)
    assert approved.data["kind"] == "scheduling.auto_schedule_approve" and approved.data["run"] == run_id
    assert approved["Location"].endswith(f"/api/v1/jobs/{approved.data['id']}/")
    assert (approved.data["status"], approved.data["result"]["submitted"]) == ("succeeded", 3)
    assert api.get(f"/api/v1/scheduling/runs/{run_id}/").data["submitted"] == 3
    again = api.post(f"/api/v1/scheduling/runs/{run_id}/approve/", {}, format="json")
    assert again.status_code == 202, again.content
    assert (again.data["result"]["submitted"], again.data["result"]["skipped"]) == (0, 0)
    retry = api.post(f"/api/v1/scheduling/runs/{run_id}/retry/", {}, format="json")
    assert retry.status_code == 202 and retry.data["result"]["submitted"] == 0
    rows = api.post(f"/api/v1/scheduling/runs/{run_id}/approve/", {"proposals": [proposal["id"]]}, format="json")
    assert rows.status_code == 200 and rows.data["submitted"] == 0  # chosen rows: now, with the counts
    bad_ids = api.post(f"/api/v1/scheduling/runs/{run_id}/approve/", {"proposals": [999999]}, format="json")
    assert bad_ids.status_code == 400 and "proposals" in bad_ids.data["errors"]

    second = api.post("/api/v1/scheduling/runs/", {"as_of": timezone.now().isoformat()}, format="json").data["run"]
    rejected = api.post(f"/api/v1/scheduling/runs/{second}/reject/")
    assert rejected.status_code == 200 and rejected.data["status"] == "rejected"
    assert api.post(f"/api/v1/scheduling/runs/{second}/approve/", {}, format="json").status_code == 400


def test_api_bad_as_of_is_a_400(client_for, coordinator):
    response = client_for(coordinator).post("/api/v1/scheduling/runs/", {"as_of": "yesterday"}, format="json")
    assert response.status_code == 400 and "as_of" in response.data["errors"]


EXPECTED = {
    "Administrator": (200, 202),
    "Coordinator": (200, 202),
    "Staff": (200, 403),
    "Viewer": (403, 403),
    "anonymous": (403, 403),
}


@pytest.mark.parametrize("persona", list(EXPECTED), indirect=True)
def test_api_permissions(persona, client_for, scenario, request, crossmark):
    read, write = EXPECTED[request.node.callspec.params["persona"]]
    api = client_for(persona)
    run = run_now()
    listed = api.get("/api/v1/scheduling/runs/")
    assert listed.status_code in ((401, 403) if read == 403 else (read,))
    assert api.get(f"/api/v1/scheduling/runs/{run.pk}/").status_code in ((401, 403) if read == 403 else (read,))
    started = api.post("/api/v1/scheduling/runs/", {}, format="json")
    assert started.status_code in ((401, 403) if write == 403 else (write,))
    row = run.proposals.filter(status="proposed").first()
    code = api.patch(f"/api/v1/scheduling/proposals/{row.pk}/", {}, format="json").status_code
    assert (code in (401, 403)) is (write == 403)
    for action in ("approve", "retry", "reject"):
        code = api.post(f"/api/v1/scheduling/runs/{run.pk}/{action}/", {}, format="json").status_code
        assert (code in (401, 403)) is (write == 403)


def test_api_lists_have_bounded_queries(scenario, client_for, coordinator, django_assert_max_num_queries):
    for _ in range(3):
        run_now()
    for i in range(20):
        core(0, 8, f"6080{i:02d}")
    run = run_now()
    api = client_for(coordinator)
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/scheduling/runs/").status_code == 200
    with django_assert_max_num_queries(10):
        detail = api.get(f"/api/v1/scheduling/runs/{run.pk}/")
    assert len(detail.data["proposals"]) == 24
    with django_assert_max_num_queries(10):
        assert len(api.get(f"/api/v1/scheduling/proposals/?run={run.pk}").data["results"]) == 24
    assert api.get("/api/v1/scheduling/proposals/?status=nope").status_code == 400


# --------------------------------------------------------------------------- nightly
def test_nightly_run_is_off_by_default_and_leaves_proposals(scenario):
    before = world()
    assert "skipped" in tasks.auto_schedule_nightly()
    assert not SchedulerRun.objects.exists()
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"nightly_auto_schedule": True})
    result = tasks.auto_schedule_nightly()
    run = SchedulerRun.objects.get()
    assert (result["run"], run.trigger, run.status) == (run.pk, "nightly", "ready")
    assert run.proposals.filter(status="proposed").count() == 3
    assert world() == before


def test_short_notice_setting_reaches_the_planner(scenario):
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"short_notice_uses_free_slots": False})
    run = run_now()
    assert run.settings_used["short_notice_free_slots"] is False
    assert ScheduleProposal.objects.filter(run=run, event=scenario["urgent"], kind="new").exists()  # by bumping
