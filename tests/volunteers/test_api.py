import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from tests.openapi import component
from volunteers import selectors, services
from volunteers.api.people import LIST_COLUMNS, VolunteerSerializer
from volunteers.models import DataQualityFlag, Volunteer

from .factories import (
    DistrictFactory,
    EventFactory,
    OrganizationFactory,
    SchoolFactory,
    SkillFactory,
    at,
)

BASE = "/api/v1/volunteers"
pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    acme = OrganizationFactory(name="Acme Bank")
    robotics = SkillFactory(name="Robotics")
    ada = services.volunteer_create(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        organization=acme,
        skills=["Robotics"],
        title="Engineer",
        postal_code="64110",
    )
    grace = services.volunteer_create(first_name="Grace", last_name="Hopper", title="Admiral", department="Navy")
    alan = services.volunteer_create(first_name="Alan", last_name="Turing", status="inactive")
    return {"acme": acme, "robotics": robotics, "ada": ada, "grace": grace, "alan": alan}


# ------------------------------------------------------------------ permission matrix
LIST_ENDPOINTS = ["volunteers", "organizations", "participations"]


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("anonymous", 401),
        ("Viewer", 403),
        ("Staff", 200),
        ("Coordinator", 200),
        ("Administrator", 200),
    ],
    indirect=["persona"],
)
@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_contact_lists_by_role(persona, expected, endpoint, client_for):
    assert client_for(persona).get(f"{BASE}/{endpoint}/").status_code == expected


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("Viewer", 403),
        ("Staff", 403),
        ("Coordinator", 201),
        ("Administrator", 201),
    ],
    indirect=["persona"],
)
def test_create_volunteer_by_role(persona, expected, client_for):
    response = client_for(persona).post(
        f"{BASE}/volunteers/", {"first_name": "New", "last_name": "Person", "email": "new@example.org"}
    )
    assert response.status_code == expected
    if expected == 201:
        assert response.json()["primary_email"] == "new@example.org"


@pytest.mark.parametrize("persona,expected", [("Staff", 403), ("Coordinator", 201)], indirect=["persona"])
def test_create_event_by_role(persona, expected, client_for):
    response = client_for(persona).post(f"{BASE}/events/", {"title": "Fair", "start": "2025-10-01T10:00:00Z"})
    assert response.status_code == expected


def test_token_auth_works(staff_user, token_client_for, people):
    assert token_client_for(staff_user).get(f"{BASE}/volunteers/").status_code == 200


# ------------------------------------------------------------------ viewer scoping
def test_viewer_sees_only_own_district_events_and_reports(scoped_viewer, district, client_for):
    other = DistrictFactory(name="Elsewhere")
    mine = EventFactory(title="Mine")
    mine.districts.set([district])
    theirs = EventFactory(title="Theirs")
    theirs.districts.set([other])
    client = client_for(scoped_viewer)
    assert [e["title"] for e in client.get(f"{BASE}/events/").json()["results"]] == ["Mine"]
    assert [d["name"] for d in client.get(f"{BASE}/districts/").json()["results"]] == ["Northside"]
    assert client.get(f"{BASE}/events/{theirs.pk}/").status_code == 404
    ok = client.get(f"{BASE}/reports/district-year-end/", {"district": district.pk, "year": 2025})
    assert ok.status_code == 200 and ok.json()["events_total"] == 1
    denied = client.get(f"{BASE}/reports/district-year-end/", {"district": other.pk, "year": 2025})
    assert denied.status_code == 403
    for path in ("thank-you", "first-time"):
        assert client.get(f"{BASE}/reports/{path}/", {"start": "2025-08-01", "end": "2026-07-31"}).status_code == 403
    assert client.get(f"{BASE}/reports/organizations/", {"year": 2025}).status_code == 403
    assert client.get(f"{BASE}/events/{mine.pk}/candidates/").status_code == 403


def test_viewer_without_districts_sees_nothing(viewer, client_for):
    EventFactory().districts.set([DistrictFactory()])
    assert client_for(viewer).get(f"{BASE}/events/").json()["count"] == 0


# ------------------------------------------------------------------ directory
def test_directory_every_term_must_match(staff_user, client_for, people):
    client = client_for(staff_user)

    def names(**params):
        return [v["last_name"] for v in client.get(f"{BASE}/volunteers/", params).json()["results"]]

    assert names(q="ada acme") == ["Lovelace"]
    assert names(q="ada navy") == []
    assert names(q="robot") == ["Lovelace"]
    assert names(q="navy") == ["Hopper"]
    assert names(active="true") == ["Hopper", "Lovelace"]
    assert names(organization=people["acme"].pk) == ["Lovelace"]
    assert names(skill=people["robotics"].pk) == ["Lovelace"]
    assert names(local_status="local") == ["Lovelace"]


def test_directory_sorts(staff_user, client_for, people):
    event = EventFactory(start=at(2025, 9, 1))
    later = EventFactory(start=at(2025, 10, 1))
    services.participation_record(event=event, volunteer=people["grace"], status="attended")
    services.participation_record(event=later, volunteer=people["grace"], status="attended")
    services.participation_record(event=later, volunteer=people["alan"], status="attended")
    client = client_for(staff_user)
    times = client.get(f"{BASE}/volunteers/", {"sort": "times"}).json()["results"]
    assert [(v["last_name"], v["times_volunteered"]) for v in times] == [("Hopper", 2), ("Turing", 1), ("Lovelace", 0)]
    last = client.get(f"{BASE}/volunteers/", {"sort": "last"}).json()["results"]
    assert [v["last_name"] for v in last][:2] == ["Hopper", "Turing"]


def test_directory_bad_params_are_400(staff_user, client_for):
    response = client_for(staff_user).get(f"{BASE}/volunteers/", {"sort": "salary", "local_status": "mars"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sort", "local_status"}


@pytest.mark.parametrize(
    "endpoint", ["volunteers", "organizations", "events", "participations", "districts", "schools"]
)
def test_list_query_count_is_constant(endpoint, staff_user, client_for, django_assert_max_num_queries):
    school = SchoolFactory()
    for i in range(12):
        v = services.volunteer_create(
            first_name=f"V{i}",
            last_name="X",
            email=f"v{i}@example.org",
            organization=OrganizationFactory(),
            skills=[f"S{i}", "Shared"],
        )
        e = services.event_create(title=f"E{i}", start=at(2025, 9, 1 + i), school=school, status="confirmed")
        services.participation_record(event=e, volunteer=v, status="registered")
    client = client_for(staff_user)
    with django_assert_max_num_queries(10):
        response = client.get(f"{BASE}/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_list_rows_are_the_serializers_representation(staff_user, client_for, people):
    """The list shapes plain rows itself (volunteer_list_rows): field for field, in the same order,
    what VolunteerSerializer gives for the same volunteers."""
    ada, grace = people["ada"], people["grace"]
    services.affiliation_set(volunteer=ada, organization=OrganizationFactory(name="Zeta Labs"), is_primary=False)
    services.contact_email_add(contact=ada, email="ada.work@example.org", make_primary=False)
    services.volunteer_update(volunteer=grace, salutation="dr", middle_name="Brewster", suffix="Jr.")
    Volunteer.objects.filter(pk=grace.pk).update(
        salesforce_id="003000000000001AAA",
        last_synced_at=at(2025, 3, 4, 15),
        first_volunteered_on=date(2024, 1, 2),
        last_volunteered_on=date(2025, 2, 3),
        additional_volunteer_count=2,
    )
    listed = client_for(staff_user).get(f"{BASE}/volunteers/").json()["results"]
    expected = json.loads(JSONRenderer().render(VolunteerSerializer(selectors.volunteer_directory(), many=True).data))
    assert listed == expected
    assert [list(row) for row in listed] == [list(row) for row in expected]
    assert list(listed[0]) == list(LIST_COLUMNS[:-2]) + ["organizations", "skills", "primary_email", *LIST_COLUMNS[-2:]]
    by_name = {row["last_name"]: row for row in listed}
    assert [o["name"] for o in by_name["Lovelace"]["organizations"]] == ["Acme Bank", "Zeta Labs"]
    assert by_name["Lovelace"]["primary_email"] == "ada@example.org"
    assert by_name["Hopper"]["last_synced_at"] == "2025-03-04T15:00:00-06:00"
    assert by_name["Hopper"]["first_volunteered_on"] == "2024-01-02"
    assert by_name["Turing"]["primary_email"] == "" and by_name["Turing"]["skills"] == []


def test_directory_search_query_count_does_not_grow(staff_user, client_for, django_assert_num_queries):
    """The user with their permissions, count, page and the three related tables: a constant number
    (the session is read from the cache once warm)."""
    client = client_for(staff_user)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{BASE}/volunteers/", {"q": "engineer"}).status_code == 200
        return len(captured)

    def add_volunteers(n: int, start: int) -> None:
        for i in range(start, start + n):
            services.volunteer_create(
                first_name=f"V{i}",
                last_name="X",
                title="Engineer",
                email=f"v{i}@example.org",
                organization=OrganizationFactory(),
                skills=[f"S{i}", "Shared"],
            )

    add_volunteers(2, 0)
    few = queries_for_page()
    add_volunteers(10, 2)
    assert queries_for_page() == few
    with django_assert_num_queries(6):
        response = client.get(f"{BASE}/volunteers/", {"q": "engineer"})
    assert response.json()["count"] == 12 and len(response.json()["results"]) == 12


# ------------------------------------------------------------------ bad input
def test_forbidden_transition_via_api_is_400(coordinator, client_for):
    event = EventFactory(status="completed")
    response = client_for(coordinator).patch(f"{BASE}/events/{event.pk}/", {"status": "draft"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"status": ["An event cannot go from Completed to Draft."]}


def test_other_reason_short_notes_via_api(coordinator, client_for):
    event = EventFactory(status="confirmed")
    response = client_for(coordinator).patch(
        f"{BASE}/events/{event.pk}/",
        {"status": "cancelled", "cancellation_reason": "other", "cancellation_notes": "rain"},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cancellation_notes"]


def test_unknown_fk_and_unknown_field_are_400(coordinator, client_for):
    response = client_for(coordinator).post(
        f"{BASE}/events/", {"title": "X", "start": "2025-10-01T10:00:00Z", "school": 9999, "colour": "red"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"school", "colour"}


def test_invalid_email_via_api(coordinator, client_for):
    response = client_for(coordinator).post(
        f"{BASE}/volunteers/", {"first_name": "A", "last_name": "B", "email": "nope"}
    )
    assert response.status_code == 400 and "email" in response.json()["errors"]


def test_participation_and_attendance_via_api(coordinator, client_for, people):
    event = EventFactory(status="confirmed", duration_minutes=120)
    client = client_for(coordinator)
    created = client.post(
        f"{BASE}/participations/", {"event": event.pk, "volunteer": people["ada"].pk, "status_source": "Registered"}
    )
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    marked = client.post(f"{BASE}/events/{event.pk}/attendance/", {"marks": {str(pid): "attended"}})
    assert marked.json() == {"changed": 1}
    event.refresh_from_db()
    assert (event.registered_count, event.attended_count) == (1, 1)
    assert Volunteer.objects.get(pk=people["ada"].pk).times_volunteered == 1
    detail = client.get(f"{BASE}/participations/{pid}/").json()
    assert (detail["status"], detail["status_source"], detail["delivery_hours"]) == ("attended", "Registered", "2.00")


def test_candidates_endpoint_shows_breakdown(staff_user, client_for, people):
    event = EventFactory(title="Robotics showcase", status="confirmed", event_type="career_fair")
    response = client_for(staff_user).get(f"{BASE}/events/{event.pk}/candidates/", {"keywords": "bank"})
    assert response.status_code == 200
    body = response.json()
    assert body["keywords"] == ["bank", "robotics", "showcase", "career", "college", "fair"]
    top = body["results"][0]
    assert top["name"] == "Ada Lovelace"
    assert top["breakdown"] == {"skill": "0.80", "locality": "0.20"}
    assert top["score"] == "1.00"
    assert "Alan Turing" not in [r["name"] for r in body["results"]]  # inactive


def test_report_endpoints(staff_user, client_for, people, django_assert_max_num_queries):
    event = EventFactory(start=at(2025, 9, 1))
    services.participation_record(event=event, volunteer=people["ada"], status="attended", delivery_hours=Decimal("2"))
    client = client_for(staff_user)
    with django_assert_max_num_queries(8):
        body = client.get(f"{BASE}/reports/thank-you/", {"start": "2025-08-01", "end": "2026-07-31"}).json()
    assert body["volunteers"][0]["name"] == "Ada Lovelace" and body["volunteers"][0]["hours"] == 2.0
    bad = client.get(f"{BASE}/reports/thank-you/", {"start": "2025-08-01", "end": "2024-01-01"})
    assert bad.status_code == 400 and "end" in bad.json()["errors"]
    assert client.get(f"{BASE}/reports/first-time/", {"start": "2025-08-01", "end": "2026-07-31"}).json()["count"] == 1
    assert (
        client.get(f"{BASE}/reports/organizations/", {"year": 2025}).json()["organizations"][0]["name"] == "Acme Bank"
    )
    assert client.get(f"{BASE}/reports/district-year-end/", {"district": 999, "year": 2025}).status_code == 400


# ------------------------------------------------------------------ input found by API fuzzing
def test_deleting_a_district_or_school_in_use_is_409_with_reason(client_for, admin_user):
    client = client_for(admin_user)
    school = SchoolFactory()
    EventFactory(school=school)
    response = client.delete(f"{BASE}/districts/{school.district_id}/")
    assert response.status_code == 409
    assert response.json() == {"detail": "This cannot be deleted: it is still in use by 1 school.", "errors": {}}
    response = client.delete(f"{BASE}/schools/{school.pk}/")
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "This cannot be deleted: it is still in use by 1 event.",
    )


def test_duplicate_skill_name_is_400_whatever_the_case(client_for, admin_user):
    SkillFactory(name="Robotics")
    response = client_for(admin_user).post(f"{BASE}/skills/", {"name": " ROBOTICS "}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["A skill with this name already exists."]}


def test_blank_salesforce_id_is_stored_as_null(client_for, admin_user):
    client = client_for(admin_user)
    for name in ("Acme", "Bolt"):
        response = client.post(f"{BASE}/organizations/", {"name": name, "salesforce_id": ""}, format="json")
        assert (response.status_code, response.json()["salesforce_id"]) == (201, None)
    OrganizationFactory(salesforce_id="001A")
    response = client.post(f"{BASE}/organizations/", {"name": "Copy", "salesforce_id": "001A"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"salesforce_id"}


def test_event_start_before_1900_is_400(client_for, admin_user):
    response = client_for(admin_user).post(
        f"{BASE}/events/",
        {"title": "Ancient", "event_type": "career_fair", "start": "0219-08-02T08:14:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"start": ["Use a date from 1900 on."]}


def test_open_flag_has_null_resolved_by_as_documented(client_for, admin_user):
    DataQualityFlag.objects.create(entity_type="volunteer", entity_key="1", issue_type="missing_email", message="x")
    flag = client_for(admin_user).get(f"{BASE}/quality/flags/").json()["results"][0]
    assert flag["resolved_by"] is None and component("Flag")["properties"]["resolved_by"]["nullable"] is True


def test_patch_response_keeps_school_name(client_for, admin_user):
    event = EventFactory(school=SchoolFactory(name="Lincoln"))
    client = client_for(admin_user)
    assert (
        client.patch(f"{BASE}/events/{event.pk}/", {"title": "Renamed"}, format="json").json()["school_name"]
        == "Lincoln"
    )
    assert client.patch(f"{BASE}/events/{event.pk}/", {"school": None}, format="json").json()["school_name"] == ""
