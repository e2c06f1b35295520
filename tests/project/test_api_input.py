"""API input rules shared by every endpoint: malformed, repeated, oversized or wrongly typed input
is a 4xx with a reason, and the schema documents errors and local times as they are sent."""

import re

import pytest

from project.api import LOCAL_TIME
from tests.oncall.factories import TeamFactory
from tests.openapi import component, openapi_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client_for, admin_user):
    return client_for(admin_user)


@pytest.mark.parametrize("size", ["abc", "0", "-1", "1.5", "%C2%B2"])
def test_page_size_must_be_a_positive_whole_number(client, size):
    response = client.get(f"/api/v1/jobs/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"page_size": ["A positive whole number is required."]}


def test_empty_page_size_means_the_default(client):
    assert client.get("/api/v1/jobs/?page_size=").status_code == 200


def test_repeated_query_parameter_is_400_naming_it(client):
    response = client.get("/api/v1/jobs/?status=failed&status=queued&kind=x")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input: status.",
        "errors": {"status": ["Give this parameter only once."]},
    }


@pytest.mark.parametrize(
    ("query", "name"), [("tags=a%00b&tags=c", "tags"), ("q=%00", "q"), ("sort=amount&x%00=1", "x\x00")]
)
def test_nul_character_in_a_query_parameter_is_400_naming_it(client, query, name):
    # PostgreSQL cannot compare text holding NUL: without the check this was a database error.
    response = client.get(f"/api/v1/expenses/expenses/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"] == {name: ["A NUL character is not allowed."]}


def test_nul_character_in_a_page_query_is_a_400_page(client_for, admin_user):
    response = client_for(admin_user).get("/volunteers/?q=ann%00")
    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_bodies_are_json_only(client):
    response = client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, format="multipart")
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


@pytest.mark.parametrize("value", ["yes", "null", "2"])
def test_boolean_filter_refuses_unknown_values(client, value):
    response = client.get(f"/api/v1/oncall/members/?active={value}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"active": ["Use true or false."]}


def test_boolean_filter_reads_true_false_and_empty(client):
    for value in ("true", "0", ""):
        assert client.get(f"/api/v1/oncall/members/?active={value}").status_code == 200


def test_id_beyond_64_bits_is_a_4xx(client):
    team = TeamFactory()
    huge = "9" * 30
    for response in (
        client.get(f"/api/v1/oncall/teams/{huge}/"),
        client.post(
            "/api/v1/oncall/members/", {"team": int(huge), "name": "A", "phone": "+13125550100"}, format="json"
        ),
    ):
        assert 400 <= response.status_code < 500 and response.json()["detail"]
    assert client.get(f"/api/v1/oncall/teams/{team.pk}/").status_code == 200


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", 7, "Not a valid string."),
        ("escalation_enabled", 1, "Must be a valid boolean."),
        ("auto_renew_weeks", "12", "A valid integer is required."),
        ("auto_renew_weeks", True, "A valid integer is required."),
    ],
)
def test_json_body_values_must_have_the_documented_type(client, field, value, message):
    body = {"name": "Ops", field: value}
    response = client.post("/api/v1/oncall/teams/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}


def test_list_items_must_have_the_documented_type(client):
    response = client.post("/api/v1/scheduling/employees/import/", {"rep_ids": [5013]}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"rep_ids": ["Not a valid string."]}


def test_empty_string_is_not_a_null_relation(client):
    response = client.post(
        "/api/v1/oncall/shifts/", {"team": "", "weekday": 0, "start_time": "08:00", "duration_hours": 24}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["team"] == ["Incorrect type. Expected pk value, received str."]


def test_schema_documents_the_error_format_for_every_operation():
    operations = [op for item in openapi_schema()["paths"].values() for op in item.values()]
    assert len(operations) > 150
    assert all(
        op["responses"]["4XX"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        for op in operations
    )
    assert component("Error")["required"] == ["detail", "errors"]


def test_schema_documents_empty_optional_query_values_as_not_given():
    parameters = {p["name"]: p for p in openapi_schema()["paths"]["/api/v1/jobs/"]["get"]["parameters"]}
    assert all(parameters[name]["allowEmptyValue"] for name in ("page", "page_size", "status"))  # int, int, enum
    assert "allowEmptyValue" not in parameters["kind"]  # a plain string takes "" anyway
    date = openapi_schema()["paths"]["/api/v1/scheduling/schedules/verification/"]["get"]["parameters"][0]
    assert date["required"] and "allowEmptyValue" not in date


def test_schema_documents_local_times_as_sent():
    notification_time = component("Team")["properties"]["notification_time"]
    assert notification_time["format"] == "partial-time"
    assert all(re.match(LOCAL_TIME["pattern"], t) for t in ("08:00", "08:00:00", "23:59:59.123456"))
    assert not any(re.match(LOCAL_TIME["pattern"], t) for t in ("24:00", "8:00", "08:00:00+01:00"))


def test_decimals_are_read_from_numbers_or_strings_as_documented(client):
    for longitude in (-87.6, "-87.600000"):
        response = client.post(
            "/api/v1/expenses/restaurants/", {"name": f"Diner {longitude}", "longitude": longitude}, format="json"
        )
        assert (response.status_code, response.json()["longitude"]) == (201, "-87.600000")
    documented = component("RestaurantRequest")["properties"]["longitude"]["oneOf"]
    assert documented[0] == {"type": "number"} and documented[1]["format"] == "decimal"
