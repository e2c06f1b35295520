"""Rep import rules: no name → refused with the field; Crossmark's casing shown and applied (with
history); names match case-insensitively with the ends trimmed, but look-alikes ("Bob  Johnson")
are linked only when the coordinator confirms."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from integrations.crossmark import CrossmarkRep, FakeCrossmarkClient
from scheduling import reps, services
from scheduling.matching import EmployeeIndex, KnownEmployee, differs_only_in_casing
from scheduling.models import Employee
from tests.scheduling.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def client_with(*rows):
    return FakeCrossmarkClient(events=[], reps=[CrossmarkRep(rep_id, emp_id, name) for rep_id, emp_id, name in rows])


# --------------------------------------------------------------------------- the matching rule itself
def test_names_match_ignoring_case_and_ends_but_not_inner_spacing():
    index = EmployeeIndex(
        [
            KnownEmployee(id=1, name="Bob Johnson"),
            KnownEmployee(id=2, name="Johnson, Bob"),
            KnownEmployee(id=3, name="Ann Lee", rep_id="77"),
        ]
    )
    assert index.match(name="  bob JOHNSON ").name_candidates == [1]
    assert index.match(name="  bob JOHNSON ").look_alikes == [2]
    spaced = index.match(name="Bob  Johnson")
    assert (spaced.name_candidates, spaced.look_alikes) == ([], [1, 2])
    assert index.match(rep_id="77", name="someone else").employee_id == 3  # ids link, names never
    assert index.match(name="").all_candidates == []
    assert differs_only_in_casing("bob johnson", "Bob Johnson ")
    assert not differs_only_in_casing("Bob Johnson", "Bob Johnson")
    assert not differs_only_in_casing("Bob  Johnson", "Bob Johnson")


# --------------------------------------------------------------------------- review and import
def test_a_rep_without_a_name_is_refused_with_the_field_named():
    client = client_with(("9001", "US9001", "   "), ("9002", "US9002", "Nia Park"))
    review = reps.reps_review(client=client)
    assert [(r["rep_id"], r["field"]) for r in review["refused"]] == [("9001", "name")]
    assert [r["rep_id"] for r in review["new"]] == ["9002"]
    with pytest.raises(ValidationError) as caught:
        reps.reps_import(client=client, rep_ids=["9001", "9002"])
    assert "Rep 9001: Crossmark has no name" in caught.value.message_dict["name"][0]
    assert not Employee.objects.exists()  # all or nothing


def test_crossmark_casing_is_shown_and_applied_with_history():
    bob = EmployeeFactory(name="bob johnson", crossmark_rep_id="5101")
    same = EmployeeFactory(name="Cara Diaz", crossmark_rep_id="5102")
    client = client_with(("5101", "", "Bob Johnson "), ("5102", "", "Cara Diaz"))
    matched = {r["rep_id"]: r["recase"] for r in reps.reps_review(client=client)["matched"]}
    assert matched == {"5101": {"from": "bob johnson", "to": "Bob Johnson"}, "5102": None}
    result = reps.reps_import(client=client, rep_ids=["5101", "5102"])
    assert (result.created, result.recased) == ([], [bob])
    bob.refresh_from_db()
    assert bob.name == "Bob Johnson"
    last = bob.history.first()
    assert (last.name, last.history_change_reason) == ("Bob Johnson", reps.CASING_REASON)
    assert bob.history.all()[1].name == "bob johnson"
    assert Employee.objects.get(pk=same.pk).history.count() == 1  # untouched


def test_a_same_name_rep_is_linked_only_when_confirmed_and_takes_crossmark_casing():
    bob = EmployeeFactory(name="bob johnson", crossmark_rep_id=None, crossmark_employee_id=None)
    client = client_with(("5201", "US5201", "Bob Johnson"))
    review = reps.reps_review(client=client)
    assert [c["id"] for c in review["ambiguous"][0]["candidates"]] == [bob.pk]
    result = reps.reps_import(client=client, rep_ids=[], links={"5201": bob.pk})
    assert result.linked == [bob] and result.created == []
    bob.refresh_from_db()
    assert (bob.name, bob.crossmark_rep_id, bob.crossmark_employee_id) == ("Bob Johnson", "5201", "US5201")
    assert Employee.objects.count() == 1


def test_a_look_alike_is_not_merged_unless_the_coordinator_confirms():
    bob = EmployeeFactory(name="Bob Johnson", crossmark_rep_id=None, crossmark_employee_id=None)
    client = client_with(("5301", "US5301", "Bob  Johnson"))
    review = reps.reps_review(client=client)
    assert review["ambiguous"] == [] and [r["rep_id"] for r in review["look_alike"]] == ["5301"]
    # Imported without a confirmation: a new person, the existing one untouched.
    created = reps.reps_import(client=client, rep_ids=["5301"]).created
    assert [e.name for e in created] == ["Bob  Johnson"]
    bob.refresh_from_db()
    assert bob.crossmark_rep_id is None


def test_a_confirmed_look_alike_is_linked():
    bob = EmployeeFactory(name="Bob Johnson", crossmark_rep_id=None, crossmark_employee_id=None)
    client = client_with(("5301", "US5301", "Bob  Johnson"))
    assert reps.reps_import(client=client, rep_ids=["5301"], links={"5301": bob.pk}).linked == [bob]
    assert Employee.objects.get(pk=bob.pk).crossmark_rep_id == "5301"


def test_a_link_to_someone_who_is_not_a_candidate_is_refused():
    stranger = EmployeeFactory(name="Zed Stranger", crossmark_rep_id=None, crossmark_employee_id=None)
    taken = EmployeeFactory(name="Bob Johnson", crossmark_rep_id="OTHER")
    client = client_with(("5401", "", "Bob Johnson"))
    for target in (stranger, taken):
        with pytest.raises(ValidationError) as caught:
            reps.reps_import(client=client, rep_ids=["5401"], links={"5401": target.pk})
        assert "links" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        reps.reps_import(client=client, rep_ids=["nope"])
    assert "rep_ids" in caught.value.message_dict
    assert Employee.objects.count() == 2


# --------------------------------------------------------------------------- API and page
@pytest.fixture
def crossmark(monkeypatch):
    client = client_with(("5101", "", "Bob Johnson"), ("9001", "", ""), ("5201", "US5201", "Ann Lee"))
    monkeypatch.setattr(services.clients, "crossmark_for_user", lambda user: client)
    return client


def test_api_refuses_a_nameless_rep_and_applies_casing(crossmark, client_for, coordinator):
    bob = EmployeeFactory(name="BOB JOHNSON", crossmark_rep_id="5101")
    api = client_for(coordinator)
    review = api.get("/api/v1/scheduling/employees/import-candidates/").json()
    assert review["refused"][0]["field"] == "name" and review["matched"][0]["recase"]["to"] == "Bob Johnson"
    refused = api.post("/api/v1/scheduling/employees/import/", {"rep_ids": ["9001"]}, format="json")
    assert refused.status_code == 400 and "name" in refused.json()["errors"]
    done = api.post("/api/v1/scheduling/employees/import/", {"rep_ids": ["5101", "5201"]}, format="json")
    assert done.status_code == 201
    assert sorted(e["name"] for e in done.json()) == ["Ann Lee", "Bob Johnson"]
    assert Employee.objects.get(pk=bob.pk).name == "Bob Johnson"
    bad_link = api.post(
        "/api/v1/scheduling/employees/import/", {"rep_ids": ["5201"], "links": {"5201": "x"}}, format="json"
    )
    assert bad_link.status_code == 400 and "links" in bad_link.json()["errors"]


def test_page_shows_casing_look_alikes_and_refusals(crossmark, coordinator):
    EmployeeFactory(name="bob johnson", crossmark_rep_id="5101")
    EmployeeFactory(name="Lee,  Ann", crossmark_rep_id=None, crossmark_employee_id=None)
    page = Client()
    page.force_login(coordinator)
    html = page.get("/scheduling/employees/import/").content.decode()
    assert "Crossmark's casing differs" in html and "bob johnson" in html
    assert "Similar names only" in html and 'name="link_5201"' in html
    assert "Crossmark has no name for this rep" in html
    response = page.post("/scheduling/employees/import/", {"rep_id": ["5101", "9001"]}, follow=True)
    assert "Crossmark has no name" in response.content.decode()
    assert Employee.objects.get(crossmark_rep_id="5101").name == "bob johnson"  # refused: nothing changed
