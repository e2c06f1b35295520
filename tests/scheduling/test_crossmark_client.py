"""The live Crossmark client against `responses` (no network)."""

import json
import logging
from datetime import date, datetime

import pytest
import responses
from responses import matchers

from integrations.base import AuthenticationError, PermanentError, TransientError
from integrations.crossmark import LiveCrossmarkClient

BASE = "https://cm.example.test"
EVENTS = f"{BASE}/planningextcontroller/getPlanningMplans"


def client(**kw):
    return LiveCrossmarkClient(base_url=BASE, username="coord", password="s3cret-pw", **kw)


def login_ok(rsps, session="abc"):
    rsps.post(f"{BASE}/login/authenticate", json={"success": True}, headers={"Set-Cookie": f"PHPSESSID={session}"})


RECORD = {
    "mPlanID": 901,
    "name": "606001-CORE-Pretzel",
    "storeID": "8135",
    "storeName": "Club",
    "startDate": "11/23/2026",
    "endDate": "11/27/2026",
    "condition": "Unstaffed",
    "salesTools": [{"salesToolURL": "https://x.test/a.pdf"}],
}


@responses.activate
def test_login_then_fetch_sends_the_session_cookie_and_never_logs_the_password(caplog):
    caplog.set_level(logging.DEBUG)
    login_ok(responses)
    responses.get(
        EVENTS, json={"mplans": [RECORD], "total": 1}, match=[matchers.header_matcher({"Cookie": "PHPSESSID=abc"})]
    )
    sessions = []
    c = client(on_session=lambda sid, started: sessions.append(sid))
    page = c.fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=500)
    assert [e.mplan_id for e in page.events] == ["901"] and page.events[0].sales_tool_url == "https://x.test/a.pdf"
    assert sessions == ["abc"]
    login_body = json.loads(responses.calls[0].request.body)
    assert login_body["UserID"] == "coord" and login_body["UserType"] == "MVEntityUser"
    assert "s3cret-pw" not in caplog.text and "s3cret-pw" not in repr(c)


@responses.activate
def test_bad_credentials():
    responses.post(f"{BASE}/login/authenticate", status=401)
    with pytest.raises(AuthenticationError):
        client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)


@responses.activate
def test_session_expiry_triggers_exactly_one_relogin():
    login_ok(responses, "first")
    responses.get(EVENTS, body="<html>Please sign in: authentication required</html>")
    login_ok(responses, "second")
    responses.get(EVENTS, json={"mplans": [], "total": 0})
    page = client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)
    assert page.events == []
    assert [c.request.url.split("?")[0] for c in responses.calls] == [
        f"{BASE}/login/authenticate",
        EVENTS,
        f"{BASE}/login/authenticate",
        EVENTS,
    ]
    assert responses.calls[3].request.headers["Cookie"] == "PHPSESSID=second"


@responses.activate
def test_session_still_expired_after_relogin_gives_up():
    login_ok(responses)
    responses.get(EVENTS, status=403)
    login_ok(responses)
    responses.get(EVENTS, status=403)
    with pytest.raises(AuthenticationError):
        client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)
    assert len(responses.calls) == 4


@responses.activate
def test_a_stored_valid_session_skips_login():
    import time

    responses.get(EVENTS, json={"mplans": [], "total": 0})
    client(session_id="kept", session_started_at=time.time()).fetch_events(
        start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10
    )
    assert len(responses.calls) == 1 and responses.calls[0].request.headers["Cookie"] == "PHPSESSID=kept"


@responses.activate
def test_malformed_records_are_skipped_and_listed():
    login_ok(responses)
    responses.get(
        EVENTS, json={"mplans": [RECORD, {"mPlanID": 902, "name": "X", "startDate": "2026-11-01"}], "total": 2}
    )
    page = client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)
    assert [e.mplan_id for e in page.events] == ["901"]
    assert page.problems == [{"mplan_id": "902", "error": "startDate '2026-11-01' is not MM/DD/YYYY"}]


@responses.activate
def test_malformed_payload_and_server_errors():
    login_ok(responses)
    responses.get(EVENTS, body="not json")
    with pytest.raises(PermanentError):
        client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)
    responses.replace(responses.GET, EVENTS, status=502)
    with pytest.raises(TransientError):
        client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)


@responses.activate
def test_schedule_posts_the_form_and_finds_the_nested_id():
    login_ok(responses)
    responses.post(f"{BASE}/planningextcontroller/scheduleMplanEvent", json={"data": {"scheduleEventID": 4455}})
    schedule_id = client().schedule_event(
        rep_id="5005",
        mplan_id="901",
        location_id="8135",
        start=datetime(2026, 11, 24, 9, 45),
        end=datetime(2026, 11, 24, 16, 15),
    )
    assert schedule_id == "4455"
    body = responses.calls[1].request.body
    assert "RepID=5005" in body and "mPlanID=901" in body and "Start=2026-11-24T09%3A45%3A00-05%3A00" in body
    assert "ClassName=MVScheduledmPlan" in body and "PlanningOverride=true" in body


@responses.activate
def test_schedule_refused():
    login_ok(responses)
    responses.post(f"{BASE}/planningextcontroller/scheduleMplanEvent", status=400)
    with pytest.raises(PermanentError):
        client().schedule_event(
            rep_id="1", mplan_id="2", location_id="3", start=datetime(2026, 11, 24, 9), end=datetime(2026, 11, 24, 10)
        )


@responses.activate
def test_unschedule_falls_back_to_the_planning_endpoint():
    login_ok(responses)
    responses.post(f"{BASE}/schedulingcontroller/deleteScheduledEvent", status=404)
    responses.post(
        f"{BASE}/planningextcontroller/deleteScheduledMplanEvent",
        json={"success": True},
        match=[matchers.urlencoded_params_matcher({"id": "123"})],
    )
    client().unschedule_event(schedule_id="123_456")
    assert len(responses.calls) == 3


@responses.activate
def test_unschedule_primary_endpoint():
    login_ok(responses)
    responses.post(
        f"{BASE}/schedulingcontroller/deleteScheduledEvent",
        json={"success": True},
        match=[matchers.json_params_matcher({"eventId": "77", "notifyRep": False})],
    )
    client().unschedule_event(schedule_id="77")
    assert len(responses.calls) == 2


@responses.activate
def test_network_down_is_transient():
    with pytest.raises(TransientError):
        client().fetch_events(start=date(2026, 11, 1), end=date(2026, 12, 1), page=1, limit=10)


@responses.activate
def test_reps():
    login_ok(responses)
    responses.post(
        f"{BASE}/schedulingcontroller/getAvailableReps",
        json={
            "reps": {
                "5005": {"repId": "5005", "employeeId": "US100005", "title": "Lena Fischer"},
                "bad": {"title": "x"},
            }
        },
    )
    reps = client().fetch_reps(start=datetime(2026, 11, 24), end=datetime(2026, 11, 24, 23))
    assert [(r.rep_id, r.employee_id, r.name) for r in reps] == [("5005", "US100005", "Lena Fischer")]
