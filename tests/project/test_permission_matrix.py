"""The platform part of docs/permissions.md, checked URL by URL and role by role."""

from pathlib import Path

import pytest
from django.test import Client

from project.authentication import api_token_create
from project.models import Job
from tests.conftest import make_user

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLES = ["anonymous", "Viewer", "Staff", "Coordinator", "Administrator"]


def platform_table():
    section = DOC.read_text().split("## Platform pages and endpoints", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0], dict(zip(ROLES, cells[1:], strict=True))))
    return rows


def expected_cases():
    for url_cell, by_role in platform_table():
        for role, expectation in by_role.items():
            yield pytest.param(url_cell, role, expectation, id=f"{url_cell}-{role}")


def perform(client, url_cell):
    """Turn a doc cell like "`POST /api/v1/jobs/` (...)" into requests; returns responses."""
    text = url_cell.split("(", 1)[0].replace("`", "").strip()
    method = "get"
    if text.startswith(("GET ", "POST ")):
        method, text = text.split(" ", 1)
        method = method.lower()
    urls = [u.strip() for u in text.split(",")]
    if method == "post":
        return [client.post(u, {"kind": "platform.purge_jobs"}, content_type="application/json") for u in urls]
    return [client.get(u) for u in urls]


def outcome(client, response):
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/admin/login/"):  # the admin hands over to the site's login
            return outcome(client, client.get(location))
        if location.startswith("/accounts/login/"):
            return "→ login"
        return "→ home" if location == "/" else f"→ {location}"
    return str(response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(("url_cell", "role", "expectation"), list(expected_cases()))
def test_platform_permission_matrix(url_cell, role, expectation, make_persona):
    client = Client()
    user = make_persona(role)
    if user is not None:
        client.force_login(user)
    for response in perform(client, url_cell):
        got = outcome(client, response)
        if expectation in ("own jobs", "all jobs"):
            assert got == "200"
            continue
        expected = expectation.split(" ")[0] if expectation[0].isdigit() else expectation
        assert got == expected, (url_cell, role, got)


@pytest.mark.django_db
def test_job_list_visibility_matches_doc(make_persona):
    owner = make_persona("Staff")
    Job.objects.create(kind="a", created_by=owner)
    Job.objects.create(kind="b")
    for role, count in [("Viewer", 0), ("Staff", 0), ("Coordinator", 0), ("Administrator", 2)]:
        client = Client()
        client.force_login(make_persona(role))
        assert client.get("/api/v1/jobs/").json()["count"] == count, role
    client = Client()
    client.force_login(owner)
    assert client.get("/api/v1/jobs/").json()["count"] == 1


@pytest.mark.django_db
def test_bearer_token_has_the_same_rights_as_the_session(make_persona):
    viewer = make_persona("Viewer")
    _, raw = api_token_create(user=viewer, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, content_type="application/json")
    assert response.status_code == 403


@pytest.fixture
def make_persona(db):
    counter = {"n": 0}

    def build(role):
        if role == "anonymous":
            return None
        counter["n"] += 1
        return make_user(f"m-{role.lower()}-{counter['n']}", role, is_superuser=role == "Administrator")

    return build
