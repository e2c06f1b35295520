"""Manual scheduling: validated with the shared rules, Crossmark first, all or nothing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations.crossmark import FakeCrossmarkClient
from scheduling import services
from scheduling.models import (
    CompanyHoliday,
    Condition,
    DateAvailability,
    Event,
    EventType,
    JobTitle,
    RotationAssignment,
    Schedule,
    TimeOff,
)
from scheduling.services import CrossmarkFailed

from .factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() + timedelta(days=5)


@pytest.fixture
def crossmark():
    return FakeCrossmarkClient(events=[])


def test_assign_posts_to_crossmark_then_saves(crossmark, coordinator):
    event, employee = EventFactory(day=DAY), EmployeeFactory()
    outcome = services.schedule_assign(
        event=event, employee=employee, start_at=local(DAY), user=coordinator, crossmark=crossmark
    )
    schedule = outcome.schedules[0]
    assert schedule.crossmark_schedule_id == "FAKE-1"
    assert crossmark.scheduled["FAKE-1"]["rep_id"] == employee.crossmark_rep_id
    event.refresh_from_db()
    assert event.condition == Condition.SCHEDULED
    assert schedule.history.count() == 1


def test_assign_refuses_hard_violations_naming_the_field(crossmark):
    event, employee = EventFactory(day=DAY), EmployeeFactory(job_title=JobTitle.CLUB_SUPERVISOR)
    with pytest.raises(ValidationError) as exc:
        services.schedule_assign(event=event, employee=employee, start_at=local(DAY), crossmark=crossmark)
    assert "employee" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.schedule_assign(
            event=event, employee=EmployeeFactory(), start_at=local(DAY + timedelta(days=3)), crossmark=crossmark
        )
    assert "not before the due date" in exc.value.message_dict["start_at"][0]
    assert crossmark.calls == [] and Schedule.objects.count() == 0


def test_assign_refuses_time_off_and_holiday(crossmark):
    employee = EmployeeFactory()
    TimeOff.objects.create(employee=employee, start_date=DAY, end_date=DAY)
    with pytest.raises(ValidationError, match="time off"):
        services.schedule_assign(
            event=EventFactory(day=DAY), employee=employee, start_at=local(DAY), crossmark=crossmark
        )
    CompanyHoliday.objects.create(name="Store closed", date=DAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="holiday"):
        services.schedule_assign(
            event=EventFactory(day=DAY),
            employee=EmployeeFactory(),
            start_at=local(DAY + timedelta(days=1)),
            crossmark=crossmark,
        )


def test_soft_warning_needs_a_reason_which_is_recorded(crossmark, coordinator):
    event, employee = EventFactory(day=DAY), EmployeeFactory()
    with pytest.raises(ValidationError) as exc:
        services.schedule_assign(event=event, employee=employee, start_at=local(DAY, 13, 0), crossmark=crossmark)
    assert "override_reason" in exc.value.message_dict
    outcome = services.schedule_assign(
        event=event,
        employee=employee,
        start_at=local(DAY, 13, 0),
        override_reason="Member request",
        user=coordinator,
        crossmark=crossmark,
    )
    schedule = outcome.schedules[0]
    assert schedule.override_reason == "Member request"
    assert [w["code"] for w in schedule.overridden_warnings] == ["core_slot"]


def test_one_core_per_day_and_already_scheduled(crossmark):
    employee = EmployeeFactory()
    services.schedule_assign(event=EventFactory(day=DAY), employee=employee, start_at=local(DAY), crossmark=crossmark)
    with pytest.raises(ValidationError, match="already has a Core"):
        services.schedule_assign(
            event=EventFactory(day=DAY), employee=employee, start_at=local(DAY, 10, 30), crossmark=crossmark
        )
    event = Schedule.objects.get().event
    with pytest.raises(ValidationError, match="already scheduled"):
        services.schedule_assign(event=event, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)


def test_crossmark_down_changes_nothing(crossmark):
    crossmark.fail_next["schedule"] = 1
    event = EventFactory(day=DAY)
    with pytest.raises(CrossmarkFailed, match="Nothing was changed"):
        services.schedule_assign(event=event, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
    event.refresh_from_db()
    assert Schedule.objects.count() == 0 and event.condition == Condition.UNSTAFFED


def test_employee_without_rep_id_cannot_be_posted(crossmark):
    with pytest.raises(ValidationError, match="rep id"):
        services.schedule_assign(
            event=EventFactory(day=DAY),
            employee=EmployeeFactory(crossmark_rep_id=None),
            start_at=local(DAY),
            crossmark=crossmark,
        )


def _core_and_supervisor(number="606001"):
    core = EventFactory(day=DAY, event_number=number, name=f"{number}-CORE-Pretzel")
    supervisor = EventFactory(
        day=DAY, event_number=number, event_type=EventType.SUPERVISOR, name=f"{number}-Supervisor-Pretzel"
    )
    return core, supervisor


def test_assigning_a_core_pairs_its_supervisor_with_the_club_supervisor_at_noon(crossmark):
    core, supervisor = _core_and_supervisor()
    club = EmployeeFactory(job_title=JobTitle.CLUB_SUPERVISOR)
    outcome = services.schedule_assign(event=core, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
    posted = Schedule.objects.get(event=supervisor)
    assert posted.employee == club and timezone.localtime(posted.start_at) == local(DAY, 12, 0)
    assert "was posted" in outcome.notes[0]


def test_supervisor_falls_back_to_primary_lead_or_reports(crossmark):
    core, supervisor = _core_and_supervisor()
    club = EmployeeFactory(job_title=JobTitle.CLUB_SUPERVISOR)
    TimeOff.objects.create(employee=club, start_date=DAY, end_date=DAY)
    lead = EmployeeFactory(job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    RotationAssignment.objects.create(weekday=DAY.weekday(), rotation_type="primary_lead", employee=lead)
    services.schedule_assign(event=core, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
    assert Schedule.objects.get(event=supervisor).employee == lead

    # Supervisor events are exempt from the overlap rule: the lead takes a second one at noon.
    core2, supervisor2 = _core_and_supervisor("606002")
    services.schedule_assign(event=core2, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
    assert Schedule.objects.get(event=supervisor2).employee == lead

    DateAvailability.objects.create(employee=lead, date=DAY, is_available=False)
    core3, supervisor3 = _core_and_supervisor("606003")
    outcome = services.schedule_assign(
        event=core3, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark
    )
    assert "still unscheduled" in outcome.notes[0]  # neither the Club Supervisor nor the Primary Lead can
    assert not Schedule.objects.filter(event=supervisor3).exists()


def _posted_pair(crossmark):
    core, supervisor = _core_and_supervisor()
    EmployeeFactory(job_title=JobTitle.CLUB_SUPERVISOR)
    outcome = services.schedule_assign(event=core, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
    return outcome.schedules[0], Schedule.objects.get(event=supervisor)


def test_unscheduling_a_core_unschedules_its_supervisor(crossmark):
    core_schedule, supervisor_schedule = _posted_pair(crossmark)
    events = services.schedule_unschedule(schedule=core_schedule, crossmark=crossmark)
    assert len(events) == 2 and Schedule.objects.count() == 0
    assert set(Event.objects.values_list("condition", flat=True)) == {Condition.UNSTAFFED}
    assert crossmark.scheduled == {}


def test_unschedule_cascade_is_all_or_nothing(crossmark):
    core_schedule, supervisor_schedule = _posted_pair(crossmark)
    crossmark.fail_next["unschedule"] = 0
    # The Core's unschedule succeeds, the Supervisor's fails: the Core is re-posted in Crossmark.
    original = crossmark.unschedule_event
    calls = {"n": 0}

    def flaky(*, schedule_id):
        calls["n"] += 1
        if calls["n"] == 2:
            from integrations.base import TransientError

            raise TransientError("down")
        return original(schedule_id=schedule_id)

    crossmark.unschedule_event = flaky
    with pytest.raises(CrossmarkFailed):
        services.schedule_unschedule(schedule=core_schedule, crossmark=crossmark)
    assert Schedule.objects.count() == 2
    core_schedule.refresh_from_db()
    assert core_schedule.crossmark_schedule_id in crossmark.scheduled  # re-posted id recorded
    assert len(crossmark.scheduled) == 2


def test_rescheduling_a_core_moves_its_supervisor_to_noon_of_the_new_date(crossmark):
    core_schedule, supervisor_schedule = _posted_pair(crossmark)
    new_day = DAY + timedelta(days=1)
    services.schedule_reschedule(schedule=core_schedule, start_at=local(new_day, 10, 30), crossmark=crossmark)
    core_schedule.refresh_from_db()
    supervisor_schedule.refresh_from_db()
    assert timezone.localtime(core_schedule.start_at) == local(new_day, 10, 30)
    assert timezone.localtime(supervisor_schedule.start_at) == local(new_day, 12, 0)


def test_reschedule_failure_leaves_both_unchanged(crossmark):
    core_schedule, supervisor_schedule = _posted_pair(crossmark)
    crossmark.fail_next["schedule"] = 1
    with pytest.raises(CrossmarkFailed):
        services.schedule_reschedule(
            schedule=core_schedule, start_at=local(DAY + timedelta(days=1)), crossmark=crossmark
        )
    core_schedule.refresh_from_db()
    assert timezone.localtime(core_schedule.start_at) == local(DAY)


def test_reschedule_is_validated(crossmark):
    core_schedule, _ = _posted_pair(crossmark)
    with pytest.raises(ValidationError) as exc:
        services.schedule_reschedule(
            schedule=core_schedule, start_at=local(DAY + timedelta(days=10)), crossmark=crossmark
        )
    assert "start_at" in exc.value.message_dict


def test_swap_two_cores(crossmark):
    a, b = EmployeeFactory(), EmployeeFactory()
    first = services.schedule_assign(
        event=EventFactory(day=DAY), employee=a, start_at=local(DAY), crossmark=crossmark
    ).schedules[0]
    second = services.schedule_assign(
        event=EventFactory(day=DAY), employee=b, start_at=local(DAY, 10, 30), crossmark=crossmark
    ).schedules[0]
    services.schedule_swap_cores(first=first, second=second, crossmark=crossmark)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.employee, second.employee) == (b, a)
    assert timezone.localtime(first.start_at) == local(DAY)


def test_swap_refuses_non_cores_and_invalid_people(crossmark):
    a = EmployeeFactory()
    b = EmployeeFactory()
    first = ScheduleFactory(employee=a, event=EventFactory(day=DAY), start_at=local(DAY))
    second = ScheduleFactory(
        employee=b, event=EventFactory(day=DAY, event_type=EventType.FREEOSK), start_at=local(DAY, 10, 0)
    )
    with pytest.raises(ValidationError, match="Only two Core"):
        services.schedule_swap_cores(first=first, second=second, crossmark=crossmark)
    TimeOff.objects.create(employee=b, start_date=DAY, end_date=DAY)
    third = ScheduleFactory(
        employee=b, event=EventFactory(day=DAY + timedelta(days=1)), start_at=local(DAY + timedelta(days=1))
    )
    with pytest.raises(ValidationError, match="time off"):
        services.schedule_swap_cores(first=first, second=third, crossmark=crossmark)


def test_reassign_supervisor_event(crossmark):
    core_schedule, supervisor_schedule = _posted_pair(crossmark)
    lead = EmployeeFactory(job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    services.schedule_reassign(schedule=supervisor_schedule, employee=lead, crossmark=crossmark)
    supervisor_schedule.refresh_from_db()
    assert supervisor_schedule.employee == lead
    with pytest.raises(ValidationError, match="cannot work"):
        services.schedule_reassign(schedule=supervisor_schedule, employee=EmployeeFactory(), crossmark=crossmark)


def test_time_off_rules():
    employee = EmployeeFactory()
    services.time_off_create(employee=employee, start_date=date(2026, 12, 1), end_date=date(2026, 12, 5))
    with pytest.raises(ValidationError) as exc:
        services.time_off_create(employee=employee, start_date=date(2026, 12, 5), end_date=date(2026, 12, 8))
    assert "Overlaps" in exc.value.message_dict["start_date"][0]
    with pytest.raises(ValidationError) as exc:
        services.time_off_create(employee=employee, start_date=date(2026, 12, 9), end_date=date(2026, 12, 8))
    assert "end_date" in exc.value.message_dict
    services.time_off_create(employee=EmployeeFactory(), start_date=date(2026, 12, 1), end_date=date(2026, 12, 5))
    services.time_off_create(employee=employee, start_date=date(2026, 12, 6), end_date=date(2026, 12, 6))
    assert TimeOff.objects.count() == 3


def test_time_off_start_after_end_is_a_db_constraint():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOff.objects.create(employee=EmployeeFactory(), start_date=date(2026, 12, 9), end_date=date(2026, 12, 8))


def test_event_type_edit_is_marked_and_validated():
    event = EventFactory(event_type=EventType.DIGITAL)
    services.event_update(event=event, sub_type="digital_teardown")
    assert event.type_edited
    with pytest.raises(ValidationError) as exc:
        services.event_update(event=event, event_type=EventType.CORE)
    assert "sub_type" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.event_update(event=event, name="renamed")


def test_rotations_require_the_right_title():
    juicer = EmployeeFactory(job_title=JobTitle.JUICER_BARISTA)
    lead = EmployeeFactory(job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    services.rotations_set(assignments={"juicer": {0: juicer.pk}, "primary_lead": {0: lead.pk}})
    assert RotationAssignment.objects.count() == 2
    with pytest.raises(ValidationError, match="cannot hold"):
        services.rotations_set(assignments={"juicer": {1: lead.pk}})


def test_live_mode_uses_each_users_own_account_and_session(settings, coordinator, admin_user):
    import responses as responses_lib

    from integrations.crossmark import LiveCrossmarkClient
    from scheduling.models import CrossmarkAccount

    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "crossmark": {"mode": "live", "base_url": "https://cm.example.test"},
    }
    with pytest.raises(ValidationError, match="Crossmark login"):
        services.crossmark_for_user(coordinator)
    services.crossmark_account_set(user=coordinator, username="cora", password="pw-cora")
    services.crossmark_account_set(user=admin_user, username="ada", password="pw-ada")
    first, second = services.crossmark_for_user(coordinator), services.crossmark_for_user(admin_user)
    assert isinstance(first, LiveCrossmarkClient) and (first.username, second.username) == ("cora", "ada")
    with responses_lib.RequestsMock() as rsps:
        rsps.post(
            "https://cm.example.test/login/authenticate",
            json={"success": True},
            headers={"Set-Cookie": "PHPSESSID=cora-session"},
        )
        first.login()
    account = CrossmarkAccount.objects.get(user=coordinator)
    assert account.session_id == "cora-session" and account.session_started_at is not None
    assert CrossmarkAccount.objects.get(user=admin_user).session_id == ""
    # The next client of the same user re-uses the stored session without logging in.
    assert services.crossmark_for_user(coordinator).session_id == "cora-session"


@pytest.mark.parametrize("condition", ["Scheduled", "Canceled", "Submitted", "Expired"])
def test_events_that_are_not_open_cannot_be_assigned(crossmark, condition):
    event = EventFactory(day=DAY, condition=condition)
    with pytest.raises(ValidationError) as exc:
        services.schedule_assign(event=event, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
    assert "event" in exc.value.message_dict and crossmark.calls == []


def test_missing_events_cannot_be_assigned(crossmark):
    event = EventFactory(day=DAY, missing_since=timezone.now())
    with pytest.raises(ValidationError, match="no longer lists"):
        services.schedule_assign(event=event, employee=EmployeeFactory(), start_at=local(DAY), crossmark=crossmark)
