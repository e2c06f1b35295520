"""The directory search: every term must match a name, an organization (name or alias), a title,
a department or a skill, whatever the case; it reads the volunteer's stored search text
(volunteers.search), which every write path refreshes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from volunteers import selectors, services
from volunteers.models import OrganizationAlias, Volunteer
from volunteers.search import search_text_refresh

from .factories import OrganizationFactory, TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    acme = OrganizationFactory(name="Acme Bank")
    OrganizationAlias.objects.create(organization=acme, name="First National")
    ada = services.volunteer_create(
        first_name="Ada",
        middle_name="King",
        last_name="Lovelace",
        organization=acme,
        skills=["Robotics"],
        title="Senior Engineer",
        department="Analytical Engines",
    )
    grace = services.volunteer_create(first_name="Grace", last_name="Hopper", title="Admiral", department="Navy")
    alan = services.volunteer_create(first_name="Alan", last_name="Turing", title="Code breaker (50%_)")
    TeacherFactory(first_name="Ada", last_name="Teacher")  # a contact, but not a volunteer
    return {"ada": ada, "grace": grace, "alan": alan}


def found(q: str) -> list[str]:
    return [v.last_name for v in selectors.volunteer_directory(q=q, emails=False)]


def test_every_field_matches_in_any_case(people):
    assert found("ADA") == ["Lovelace"]  # a first name; the teacher named Ada is no volunteer
    assert found("king") == ["Lovelace"]  # a middle name
    assert found("hopp") == ["Hopper"]  # part of a last name
    assert found("ENGINEER") == ["Lovelace"]  # a title
    assert found("navy") == ["Hopper"]  # a department
    assert found("acme") == ["Lovelace"]  # an organization's name
    assert found("national") == ["Lovelace"]  # an organization's alias
    assert found("robot") == ["Lovelace"]  # a skill
    assert found("a") == ["Hopper", "Lovelace", "Turing"]


def test_every_term_must_match_and_a_quoted_term_is_one(people):
    assert found("ada acme") == ["Lovelace"]
    assert found("ada navy") == []
    # First and last name are next to each other whatever the middle name.
    assert found('"ada lovelace"') == ["Lovelace"]
    assert found('"grace hopper" admiral') == ["Hopper"]
    assert found('"lovelace ada"') == []


def test_wildcards_are_plain_characters(people):
    assert found("%") == ["Turing"]
    assert found("50%_") == ["Turing"]
    assert found("_") == ["Turing"]


def test_writes_outside_the_orm_are_searchable_once_refreshed(people):
    """An UPDATE in SQL (as the Salesforce sync writes) is found once the search text of the rows it
    touched is refreshed, as the sync does after each page."""
    table, parent = Volunteer._meta.db_table, Volunteer._meta.get_field("contact_ptr").column
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET title = %s WHERE {parent} = %s", ["Welder", people["grace"].pk])
    assert found("welder") == []
    assert search_text_refresh([people["grace"].pk]) == 1
    assert found("welder") == ["Hopper"]
    assert found("admiral") == []


def test_a_search_is_one_query_for_its_rows(people):
    """The search's subqueries are part of the one statement, however many terms there are."""
    for q in ("ada", "ada acme robot engineer"):
        with CaptureQueriesContext(connection) as captured:
            list(selectors.volunteer_directory(q=q, emails=False).prefetch_related(None))
        assert len(captured.captured_queries) == 1
