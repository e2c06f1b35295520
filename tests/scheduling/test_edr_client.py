"""The live EDR client: the two-step MFA flow and the report, against `responses`."""

import json
from urllib.parse import quote

import pytest
import responses
from responses import matchers

from integrations.base import AuthenticationError
from integrations.edr import LiveEdrClient

LOGIN = "https://login.example.test"
PORTAL = "https://portal.example.test"


def client(state=None):
    return LiveEdrClient(
        username="coord",
        password="pw-secret",
        mfa_credential_id="cred-1",
        state=state,
        login_base=LOGIN,
        portal_base=PORTAL,
    )


@responses.activate
def test_mfa_flow_state_round_trip_and_report():
    responses.post(
        f"{LOGIN}/api/login",
        json={},
        match=[matchers.json_params_matcher({"username": "coord", "password": "pw-secret", "language": "en"})],
    )
    responses.post(
        f"{LOGIN}/api/mfa/sendCode",
        json={},
        match=[matchers.json_params_matcher({"type": "SMS_OTP", "credid": "cred-1"})],
    )
    first = client()
    first.request_code()
    state = first.state()
    assert "pw-secret" not in json.dumps(state)

    responses.post(
        f"{LOGIN}/api/mfa/validateCode",
        json={},
        match=[
            matchers.json_params_matcher({"type": "SMS_OTP", "credid": "cred-1", "code": "123456", "failureCount": 0})
        ],
    )
    responses.get(f"{PORTAL}/rl_portal_services/api/Site/InsertRlPageDetails", status=500)  # best effort
    responses.get(f"{PORTAL}/rl_portal/", body="ok")
    responses.get(f"{PORTAL}/EventManagement/", body="ok")
    token_cookie = quote(json.dumps({"token": "tok-1"}))
    responses.get(
        f"{PORTAL}/EventManagement/api/authenticate",
        body="",
        headers={"Set-Cookie": f"auth-token={token_cookie}; Path=/"},
    )
    second = client(state)  # a later request of the same user, rebuilt from the stored state
    second.submit_code("123456")
    assert second.authenticated

    responses.get(
        f"{PORTAL}/EventManagement/api/edrReport",
        match=[
            matchers.query_param_matcher({"id": "606001"}),
            matchers.header_matcher({"Authorization": "Bearer tok-1"}),
        ],
        json={
            "demoName": "Pretzel demo",
            "demoDate": "2026-11-24",
            "demoStatusCode": "A",
            "demoInstructions": {"demoPrepnTxt": "Warm the oven", "demoPortnTxt": "One piece"},
            "itemDetails": [
                {"itemNbr": 98001, "upcNbr": "74570651012", "itemDesc": "Pretzel Bites", "vendorNbr": 5, "deptNbr": 95}
            ],
        },
    )
    report = client(second.state()).get_report("606001")
    assert report.preparation == "Warm the oven" and report.items[0].upc == "74570651012"


@responses.activate
def test_wrong_code_and_no_token():
    responses.post(f"{LOGIN}/api/mfa/validateCode", status=401)
    with pytest.raises(AuthenticationError):
        client().submit_code("000000")
    with pytest.raises(AuthenticationError):
        client().get_report("606001")


def test_missing_configuration():
    with pytest.raises(AuthenticationError):
        LiveEdrClient(username="", password="", mfa_credential_id="", portal_base=PORTAL).request_code()
