"""docs/permissions.md, "Every URL, role by role": every URL pattern requested as six personas.

One seeded world per module (rolled back at the end); each request runs in its own savepoint."""

import pytest

from project.authentication import api_token_create
from project.models import Job

from . import crawl
from .crawl import seeded  # noqa: F401 - the module's seeded world, used by `world`

ROUTES = {route.key: route for route in crawl.routes()}
ROWS = crawl.doc_rows()


@pytest.fixture
def world(seeded, db):  # noqa: F811 - the imported fixture, requested by name
    return seeded


def test_the_table_has_one_row_per_url_pattern():
    keys = [row.key for row in ROWS]
    assert len(ROWS) > 250
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
    assert sorted(set(ROUTES) - set(keys)) == [], "URL patterns without a row in docs/permissions.md"
    assert sorted(set(keys) - set(ROUTES)) == [], "rows in docs/permissions.md for no URL pattern"


def test_requests_column_matches_the_kind_of_url():
    for row in ROWS:
        route = ROUTES[row.key]
        if route.kind == "api":
            assert row.methods == crawl.api_methods(route), row.key
        elif route.kind == "admin-model":
            assert row.methods == ["model pages"], row.key
        else:
            assert row.methods in (["GET"], ["POST"], ["GET", "POST"]), row.key


@pytest.mark.parametrize("row", ROWS, ids=[row.key for row in ROWS])
def test_every_url_role_by_role(row, world):
    route = ROUTES.get(row.key)
    assert route is not None, f"{row.key} is in the table but is no URL pattern"
    got = {
        persona: crawl.observe(route, row.methods, world, crawl.client_for(persona, world.keys))
        for persona in crawl.PERSONAS
    }
    assert got == row.cells


def test_job_lists_show_own_jobs_and_administrators_see_all(world):
    Job.objects.create(kind="crawl.unowned")
    expected = {"Viewer": 0, "Staff": 1, "Other Staff": 0, "Coordinator": 0, "Administrator": Job.objects.count()}
    for persona, count in expected.items():
        assert crawl.client_for(persona, world.keys).get("/api/v1/jobs/").json()["count"] == count, persona


def test_a_bearer_token_has_its_users_rights(world):
    for persona, status in (("Viewer", 403), ("Administrator", 202)):
        _, raw = api_token_create(user=world.users[persona], name="matrix")
        response = crawl.client_for("anonymous", {}).post(
            "/api/v1/jobs/",
            {"kind": "platform.purge_jobs"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert response.status_code == status, persona
