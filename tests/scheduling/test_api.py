"""API: permissions per role, manual assignment with validation, bad input, jobs, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.models import Event, EventType, JobTitle, Schedule, SchedulingSettings, SyncRun, TimeOff
from tests.openapi import component, openapi_schema, success_schema

from .factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db
API = "/api/v1/scheduling"
DAY = timezone.localdate() + timedelta(days=5)
ALL = ["Administrator", "Coordinator", "Staff", "Viewer", "anonymous"]
READ = {"Administrator": 200, "Coordinator": 200, "Staff": 200, "Viewer": 403, "anonymous": 403}
WRITE = {"Administrator": 201, "Coordinator": 201, "Staff": 403, "Viewer": 403, "anonymous": 403}


def denied(code):
    return code in (401, 403)


@pytest.mark.parametrize("persona", ALL, indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "employees/",
        "availability/",
        "time-off/",
        "holidays/",
        "rotations/",
        "rotation-exceptions/",
        "events/",
        "schedules/",
        "settings/",
        "sync/",
    ],
)
def test_read_permissions(persona, path, client_for, request):
    expected = READ[request.node.callspec.params["persona"]]
    response = client_for(persona).get(f"{API}/{path}")
    assert response.status_code == expected or (denied(expected) and denied(response.status_code))


@pytest.mark.parametrize("persona", ALL, indirect=True)
def test_write_permissions(persona, client_for, request):
    role = request.node.callspec.params["persona"]
    client = client_for(persona)
    response = client.post(f"{API}/employees/", {"name": "New Person", "job_title": "event_specialist"}, format="json")
    assert response.status_code == WRITE[role] or (denied(WRITE[role]) and denied(response.status_code))
    response = client.post(
        f"{API}/holidays/", {"name": "Xmas", "date": "2026-12-25", "is_recurring": True}, format="json"
    )
    assert response.status_code == WRITE[role] or (denied(WRITE[role]) and denied(response.status_code))
    response = client.post(f"{API}/sync/", {}, format="json")
    expected = 202 if WRITE[role] == 201 else WRITE[role]
    assert response.status_code == expected or (denied(expected) and denied(response.status_code))
    response = client.patch(f"{API}/settings/", {"non_core_buffer_days": 4}, format="json")
    expected = 200 if WRITE[role] == 201 else WRITE[role]
    assert response.status_code == expected or (denied(expected) and denied(response.status_code))


def test_token_clients_are_authorised_the_same_way(token_client_for, coordinator, staff_user):
    assert (
        token_client_for(staff_user)
        .post(f"{API}/holidays/", {"name": "X", "date": "2026-12-25"}, format="json")
        .status_code
        == 403
    )
    assert (
        token_client_for(coordinator)
        .post(f"{API}/holidays/", {"name": "X", "date": "2026-12-25"}, format="json")
        .status_code
        == 201
    )


def test_post_schedule_assigns_with_validation(client_for, coordinator):
    client = client_for(coordinator)
    event, employee = EventFactory(day=DAY), EmployeeFactory()
    response = client.post(
        f"{API}/schedules/",
        {"event": event.pk, "employee": employee.pk, "start_at": local(DAY).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["schedules"][0]["employee"] == employee.pk and body["schedules"][0]["crossmark_schedule_id"]
    # Outside the window → 400 naming start_at; unknown ids → 400 naming the field.
    other = EventFactory(day=DAY)
    response = client.post(
        f"{API}/schedules/",
        {"event": other.pk, "employee": employee.pk, "start_at": local(DAY + timedelta(days=9)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "start_at" in response.json()["errors"]
    response = client.post(
        f"{API}/schedules/",
        {"event": 999999, "employee": 999999, "start_at": local(DAY).isoformat(), "extra": 1},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"event", "employee", "extra"}


def test_soft_warning_needs_override_reason(client_for, coordinator):
    client = client_for(coordinator)
    event, employee = EventFactory(day=DAY), EmployeeFactory()
    payload = {"event": event.pk, "employee": employee.pk, "start_at": local(DAY, 13, 0).isoformat()}
    response = client.post(f"{API}/schedules/", payload, format="json")
    assert response.status_code == 400 and "override_reason" in response.json()["errors"]
    response = client.post(f"{API}/schedules/", {**payload, "override_reason": "Member asked"}, format="json")
    assert response.status_code == 201
    assert response.json()["accepted_warnings"][0]["code"] == "core_slot"


@pytest.mark.error_log_expected("django.request")
def test_crossmark_down_is_a_503_and_nothing_changes(client_for, coordinator, monkeypatch):
    from integrations.crossmark import FakeCrossmarkClient
    from scheduling import services

    fake = FakeCrossmarkClient(events=[])
    fake.fail_next["schedule"] = 1
    monkeypatch.setattr(services.clients, "crossmark_for_user", lambda user: fake)
    event = EventFactory(day=DAY)
    response = client_for(coordinator).post(
        f"{API}/schedules/",
        {"event": event.pk, "employee": EmployeeFactory().pk, "start_at": local(DAY).isoformat()},
        format="json",
    )
    assert response.status_code == 503 and "Nothing was changed" in response.json()["detail"]
    assert Schedule.objects.count() == 0


def test_reschedule_reassign_swap_and_delete(client_for, coordinator):
    client = client_for(coordinator)
    a, b = EmployeeFactory(), EmployeeFactory()
    first = ScheduleFactory(event=EventFactory(day=DAY), employee=a, start_at=local(DAY))
    second = ScheduleFactory(event=EventFactory(day=DAY), employee=b, start_at=local(DAY, 10, 30))
    response = client.post(
        f"{API}/schedules/{first.pk}/reschedule/", {"start_at": local(DAY, 11, 0).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    response = client.post(f"{API}/schedules/swap/", {"first": first.pk, "second": second.pk}, format="json")
    assert response.status_code == 200, response.json()
    first.refresh_from_db()
    assert first.employee == b
    response = client.post(
        f"{API}/schedules/{first.pk}/reassign/",
        {"employee": EmployeeFactory(job_title=JobTitle.CLUB_SUPERVISOR).pk},
        format="json",
    )
    assert response.status_code == 400 and "employee" in response.json()["errors"]
    assert client.delete(f"{API}/schedules/{first.pk}/").status_code == 204
    assert Schedule.objects.count() == 1


def test_staff_cannot_change_schedules(client_for, staff_user):
    schedule = ScheduleFactory()
    client = client_for(staff_user)
    assert client.delete(f"{API}/schedules/{schedule.pk}/").status_code == 403
    assert (
        client.post(
            f"{API}/schedules/{schedule.pk}/reschedule/", {"start_at": "2026-01-01T10:00"}, format="json"
        ).status_code
        == 403
    )


def test_time_off_bad_input(client_for, coordinator):
    client = client_for(coordinator)
    employee = EmployeeFactory()
    ok = client.post(
        f"{API}/time-off/",
        {"employee": employee.pk, "start_date": "2026-12-01", "end_date": "2026-12-03"},
        format="json",
    )
    assert ok.status_code == 201
    response = client.post(
        f"{API}/time-off/",
        {"employee": employee.pk, "start_date": "2026-12-03", "end_date": "2026-12-04"},
        format="json",
    )
    assert response.status_code == 400 and "start_date" in response.json()["errors"]
    response = client.post(
        f"{API}/time-off/",
        {"employee": employee.pk, "start_date": "2026-12-09", "end_date": "2026-12-08"},
        format="json",
    )
    assert response.status_code == 400 and "end_date" in response.json()["errors"]
    assert TimeOff.objects.count() == 1


def test_weekly_availability_endpoint(client_for, coordinator, staff_user):
    employee = EmployeeFactory()
    url = f"{API}/employees/{employee.pk}/weekly-availability/"
    assert client_for(staff_user).get(url).json()["monday"] is True
    assert client_for(staff_user).put(url, {"monday": False}, format="json").status_code == 403
    response = client_for(coordinator).put(url, {"monday": False, "sunday": False}, format="json")
    assert response.status_code == 200 and response.json()["monday"] is False
    assert client_for(coordinator).put(url, {"funday": False}, format="json").status_code == 400


def test_event_filters_and_local_edit(client_for, coordinator):
    client = client_for(coordinator)
    core = EventFactory(day=DAY)
    EventFactory(day=DAY, event_type=EventType.FREEOSK, name="FREEOSK")
    ScheduleFactory(event=EventFactory(day=DAY))
    assert client.get(f"{API}/events/?type=freeosk").json()["count"] == 1
    assert client.get(f"{API}/events/?unscheduled=true").json()["count"] == 2
    assert client.get(f"{API}/events/?start={DAY + timedelta(days=30)}").json()["count"] == 0
    assert client.get(f"{API}/events/?start=yesterday").status_code == 400
    response = client.patch(
        f"{API}/events/{core.pk}/", {"event_type": "digital", "sub_type": "digital_refresh"}, format="json"
    )
    assert response.status_code == 200 and response.json()["type_edited"] is True
    assert client.patch(f"{API}/events/{core.pk}/", {"name": "x"}, format="json").status_code == 400


def test_sync_now_runs_the_job_and_logs_the_run(client_for, coordinator):
    response = client_for(coordinator).post(f"{API}/sync/", {}, format="json")
    assert response.status_code == 202 and response.json()["kind"] == "scheduling.crossmark_sync"
    run = SyncRun.objects.get()
    assert run.status == "succeeded" and run.created == Event.objects.count() > 0
    listing = client_for(coordinator).get(f"{API}/sync/").json()
    assert listing["results"][0]["created"] == run.created


def test_settings_hide_passwords(client_for, coordinator):
    client = client_for(coordinator)
    response = client.patch(
        f"{API}/settings/", {"crossmark_username": "store", "crossmark_password": "pw-1"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert "crossmark_password" not in body and body["crossmark_password_set"] is True
    assert SchedulingSettings.objects.get().crossmark_password == "pw-1"
    bad = client.patch(f"{API}/settings/", {"core_slots": ["25:00"]}, format="json")
    assert bad.status_code == 400 and "core_slots" in bad.json()["errors"]


def test_verification_endpoint(client_for, coordinator):
    ScheduleFactory(event=EventFactory(day=DAY), employee=EmployeeFactory(), start_at=local(DAY, 10, 0))
    response = client_for(coordinator).get(f"{API}/schedules/verification/?date={DAY}")
    rows = {r["check"]: r["status"] for r in response.json()}
    assert len(rows) == 11 and rows["core_slots"] == "warning" and rows["one_core"] == "ok"
    assert client_for(coordinator).get(f"{API}/schedules/verification/?date=x").status_code == 400


@pytest.mark.parametrize("path", ["employees/", "events/", "schedules/", "time-off/", "rotations/", "sync/"])
def test_list_query_counts_do_not_grow(path, client_for, coordinator, django_assert_max_num_queries):
    for i in range(15):
        employee = EmployeeFactory()
        ScheduleFactory(employee=employee, event=EventFactory(day=DAY), start_at=local(DAY))
        TimeOff.objects.create(
            employee=employee, start_date=DAY + timedelta(days=20 + i), end_date=DAY + timedelta(days=20 + i)
        )
        SyncRun.objects.create()
    client = client_for(coordinator)
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/{path}")
    assert response.status_code == 200


def test_rep_import_lists_new_reps_and_imports_the_selected(client_for, coordinator, staff_user):
    EmployeeFactory(name="Maria Lopez", crossmark_rep_id="5001")
    EmployeeFactory(name="Aisha Khan", crossmark_rep_id=None, crossmark_employee_id=None)
    client = client_for(coordinator)
    review = client.get(f"{API}/employees/import-candidates/").json()
    assert [r["rep_id"] for r in review["ambiguous"]] == ["5003"]
    assert "5013" in [r["rep_id"] for r in review["new"]] and len(review["matched"]) == 1
    assert (
        client_for(staff_user).post(f"{API}/employees/import/", {"rep_ids": ["5013"]}, format="json").status_code == 403
    )
    response = client.post(
        f"{API}/employees/import/", {"rep_ids": ["5013", "5001"], "job_title": "juicer_barista"}, format="json"
    )
    assert response.status_code == 201
    assert [(e["name"], e["job_title"]) for e in response.json()] == [("Ivy Chen", "juicer_barista")]
    assert client.post(f"{API}/employees/import/", {"rep_ids": []}, format="json").status_code == 400


def test_import_verification_and_events_are_documented_as_sent(client_for, coordinator):
    paths = openapi_schema()["paths"]
    assert set(paths["/api/v1/scheduling/employees/import/"]["post"]["responses"]) == {"201", "4XX"}
    verification = paths["/api/v1/scheduling/schedules/verification/"]["get"]
    assert success_schema("get", "/api/v1/scheduling/schedules/verification/")["type"] == "array"
    assert [p["name"] for p in verification["parameters"]] == ["date"]
    EventFactory(sales_tool_url="")
    event = client_for(coordinator).get(f"{API}/events/").json()["results"][0]
    assert event["sales_tool_url"] == ""
    assert {"type": "string", "maxLength": 0} in component("Event")["properties"]["sales_tool_url"]["oneOf"]
