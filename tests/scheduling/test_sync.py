"""Crossmark sync: upsert by mPlan id, never delete; employees matched by id only."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.crossmark import CrossmarkEvent, FakeCrossmarkClient
from integrations.crossmark.fake import demo_events
from integrations.crossmark.types import FetchPage
from scheduling import reps, sync
from scheduling.models import Employee, Event, EventType, Schedule, SyncRun

from .factories import EmployeeFactory, ScheduleFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def mplan(mplan_id, name="606001-CORE-Pretzel", **kw):
    values = dict(
        store_id="8135", store_name="Club", start_date=TODAY, due_date=TODAY + timedelta(days=4), condition="Unstaffed"
    )
    values.update(kw)
    return CrossmarkEvent(mplan_id, name, **values)


def run_sync(client):
    return sync.events_sync(client=client, run=SyncRun.objects.create(), today=TODAY)


def test_first_sync_creates_with_types_and_second_changes_nothing():
    client = FakeCrossmarkClient(events=demo_events(today=TODAY))
    run = run_sync(client)
    total = len(client.events)
    assert (run.fetched, run.created, run.updated, run.vanished) == (total, total, 0, 0)
    assert Event.objects.count() == total
    assert set(Event.objects.values_list("event_type", flat=True)) == set(EventType.values)
    history = Event.history.count()
    again = run_sync(client)
    assert (again.created, again.updated, again.unchanged, again.vanished) == (0, 0, total, 0)
    assert Event.history.count() == history  # not one row touched


def test_changed_events_are_updated_and_local_edits_kept():
    client = FakeCrossmarkClient(events=[mplan("1"), mplan("2", name="DIGITAL Screens")])
    run_sync(client)
    digital = Event.objects.get(mplan_id="2")
    digital.sub_type, digital.type_edited, digital.estimated_minutes = "digital_teardown", True, 45
    digital.save()
    core_pk = Event.objects.get(mplan_id="1").pk
    client.events = [
        mplan("1", condition="Scheduled", due_date=TODAY + timedelta(days=6)),
        mplan("2", name="DIGITAL Screens v2"),
    ]
    run = run_sync(client)
    assert (run.created, run.updated, run.unchanged) == (0, 2, 0)
    core = Event.objects.get(mplan_id="1")
    assert core.pk == core_pk and core.condition == "Scheduled"
    assert timezone.localtime(core.due_at).date() == TODAY + timedelta(days=6)
    digital.refresh_from_db()
    assert (digital.name, digital.sub_type, digital.estimated_minutes) == ("DIGITAL Screens v2", "digital_teardown", 45)


def test_vanished_events_are_marked_not_deleted_and_schedules_kept():
    client = FakeCrossmarkClient(events=[mplan("1"), mplan("2", name="606002-CORE-X")])
    run_sync(client)
    schedule = ScheduleFactory(event=Event.objects.get(mplan_id="2"))
    client.events = [mplan("1")]
    run = run_sync(client)
    assert run.vanished == 1
    gone = Event.objects.get(mplan_id="2")
    assert gone.missing_since is not None
    assert Schedule.objects.filter(pk=schedule.pk).exists()
    client.events = [mplan("1"), mplan("2", name="606002-CORE-X")]
    assert run_sync(client).updated == 1
    gone.refresh_from_db()
    assert gone.missing_since is None


def test_postings_are_imported_by_rep_id_never_by_name_alone():
    known = EmployeeFactory(name="Lena Fischer", crossmark_rep_id="5005")
    EmployeeFactory(name="Omar Haddad", crossmark_rep_id=None)
    EmployeeFactory(name="Omar Haddad", crossmark_rep_id=None, crossmark_employee_id="US2")
    at = datetime(2026, 11, 24, 9, 45)
    client = FakeCrossmarkClient(
        events=[
            mplan(
                "1",
                condition="Scheduled",
                scheduled_at=at,
                schedule_rep_id="5005",
                schedule_event_id="S1",
                staffed_reps=("Someone Else",),
            ),
            mplan(
                "2",
                name="606002-CORE-X",
                condition="Scheduled",
                scheduled_at=at,
                schedule_rep_id="7777",
                schedule_event_id="S2",
                staffed_reps=("Omar Haddad",),
            ),
            mplan(
                "3",
                name="606003-CORE-X",
                condition="Scheduled",
                scheduled_at=at,
                schedule_rep_id="8888",
                schedule_event_id="S3",
                staffed_reps=("Nobody Known",),
            ),
        ]
    )
    run = run_sync(client)
    assert run.schedules_imported == 1
    schedule = Schedule.objects.get()
    assert schedule.employee == known and schedule.from_sync and schedule.crossmark_schedule_id == "S1"
    problems = {p["mplan_id"]: p for p in run.problems}
    assert len(problems["2"]["candidates"]) == 2 and "several employees" in problems["2"]["error"]
    assert problems["3"]["candidates"] == [] and "not a known employee" in problems["3"]["error"]
    # A second sync leaves the posting alone and does not duplicate it.
    assert run_sync(client).schedules_imported == 0
    assert Schedule.objects.count() == 1


def test_local_posting_is_preserved_when_crossmark_shows_another():
    client = FakeCrossmarkClient(events=[mplan("1")])
    run_sync(client)
    local = ScheduleFactory(event=Event.objects.get(mplan_id="1"))
    EmployeeFactory(crossmark_rep_id="5005")
    client.events = [
        mplan(
            "1",
            condition="Scheduled",
            scheduled_at=datetime(2026, 11, 25, 10, 30),
            schedule_rep_id="5005",
            schedule_event_id="OTHER",
        )
    ]
    run = run_sync(client)
    assert list(Schedule.objects.values_list("pk", flat=True)) == [local.pk]
    assert "another posting (OTHER)" in run.problems[0]["error"]
    client.events = [mplan("1")]  # unstaffed in Crossmark, posted here: reported, kept
    run = run_sync(client)
    assert Schedule.objects.filter(pk=local.pk).exists() and "Unstaffed in Crossmark" in run.problems[0]["error"]


class MalformedPage(FakeCrossmarkClient):
    def fetch_events(self, *, start, end, page, limit):
        return FetchPage(
            events=[mplan("1")] if page == 1 else [],
            total=2,
            problems=[{"mplan_id": "2", "error": "endDate missing"}] if page == 1 else [],
        )


def test_malformed_rows_are_skipped_logged_and_never_marked_vanished():
    client = FakeCrossmarkClient(events=[mplan("1"), mplan("2", name="606002-CORE-X")])
    run_sync(client)
    run = run_sync(MalformedPage(events=[]))
    assert run.skipped == 1 and run.vanished == 0
    assert run.problems[0]["mplan_id"] == "2"


def test_crossmark_failure_mid_fetch_changes_nothing():
    client = FakeCrossmarkClient(events=[mplan("1")])
    client.fail_next["fetch"] = 1
    from integrations.base import TransientError

    with pytest.raises(TransientError):
        run_sync(client)
    assert Event.objects.count() == 0


def test_rep_review_and_import():
    EmployeeFactory(name="Maria Lopez", crossmark_rep_id="5001")
    EmployeeFactory(name="James Carter", crossmark_rep_id=None, crossmark_employee_id="US100002")
    EmployeeFactory(name="Aisha Khan", crossmark_rep_id=None, crossmark_employee_id=None)
    client = FakeCrossmarkClient(events=[])
    review = reps.reps_review(client=client, today=TODAY)
    matched = {r["rep_id"]: r["how"] for r in review["matched"]}
    assert matched == {"5001": "rep_id", "5002": "crossmark_id"}
    assert [r["rep_id"] for r in review["ambiguous"]] == ["5003"]
    assert len(review["new"]) == 10
    created = reps.reps_import(client=client, rep_ids=["5013", "5001", "5003"]).created
    assert [e.name for e in created] == ["Aisha Khan", "Ivy Chen"]  # the known rep 5001 is skipped
    assert Employee.objects.filter(crossmark_rep_id="5013").exists()
