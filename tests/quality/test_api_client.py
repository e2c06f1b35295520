"""The OpenAPI contract, proven by a generated client: openapi-python-client builds a Python client
from /api/schema/ with zero warnings, and every GET operation of the demo data (and the main POST
flows) goes through it: a response the client cannot parse, an error where a 200 was due, or a
field the schema does not declare fails the test."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from datetime import date
from io import StringIO

import attrs
import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from project.authentication import api_token_create
from scheduling.models import Event
from scheduling.services import SCHEDULABLE_CONDITIONS

pytestmark = pytest.mark.django_db
PACKAGE = "crewbase_client"
# Operations needing a value no list gives (a date, a team's query parameter): called with these.
PATH_VALUES = {"day": "2026-01-05"}


def _unscheduled_event_id():
    """ "Find someone" answers only for an event nobody is scheduled for yet (else a 400)."""
    open_events = Event.objects.filter(
        schedule__isnull=True, condition__in=SCHEDULABLE_CONDITIONS, missing_since__isnull=True
    )
    return open_events.order_by("pk").values_list("pk", flat=True).first()


# Operations whose id must be a particular row, not the list's first.
PATH_IDS = {"/api/v1/scheduling/events/{id}/suggestions/": _unscheduled_event_id}
# Required query parameters: a value, or the list whose first row's id to use.
QUERY_VALUES = {
    "team": "/api/v1/oncall/teams/",
    "district": "/api/v1/volunteers/districts/",
    "year": 2025,
    "start": date(2025, 8, 1),
    "end": date(2026, 7, 31),
    "date": date(2026, 1, 5),
    "q": "burger",
}
# GET operations the walk cannot call from the demo data alone (each named, so a new one is seen).
# No rows of these in the demo data (imports, syncs, jobs and quality runs start empty); the job
# detail is read in the POST flows below.
EXPECTED_SKIPPED = [
    "/api/v1/expenses/imports/{id}/",
    "/api/v1/expenses/places/details/",
    "/api/v1/integrations/salesforce/runs/{id}/",
    "/api/v1/jobs/{id}/",
    # A district's X-API-Key, not a user's token (their answers are checked against the schema in
    # tests/volunteers/test_partners_api.py).
    "/api/v1/public/districts/{slug}/events/",
    "/api/v1/public/districts/{slug}/events/{id}/",
    "/api/v1/scheduling/rotation-exceptions/{id}/",
    "/api/v1/volunteers/quality/flags/{id}/",
    "/api/v1/volunteers/quality/runs/{id}/",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """(the generated package, the schema) — generated once per test module."""
    out = tmp_path_factory.mktemp("client")
    schema_file = out / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema_file), stdout=StringIO())
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema_file), "--meta", "none",
         "--output-path", str(out / PACKAGE)],
        cwd=out, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    problems = [line for line in output.splitlines() if re.match(r"(WARNING|Unable|Failure|Cannot)", line)]
    assert problems == [], output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE), json.loads(schema_file.read_text())
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def api(generated, settings):
    """An AuthenticatedClient for the demo administrator, talking to Django in this thread."""
    package, schema = generated
    call_command("load_demo_data", "--force", stdout=StringIO())
    admin = get_user_model().objects.get(username="admin")
    _, token = api_token_create(user=admin, name="generated client")
    transport = httpx.WSGITransport(app=WSGIHandler())
    client = package.AuthenticatedClient(
        base_url="http://testserver", token=token, httpx_args={"transport": transport}, raise_on_unexpected_status=True
    )
    # A real WSGI handler closes the DB connection around each request, which would end the test's
    # transaction (on PostgreSQL every later query fails); Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield package, schema, client
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()).strip("_")


def operation(package, op: dict):
    return importlib.import_module(f"{PACKAGE}.api.{snake(op['tags'][0])}.{snake(op['operationId'])}")


def undeclared(value, where="") -> list[str]:
    """Fields in a response that its model does not declare (openapi-python-client keeps them in
    `additional_properties`). Free-form JSON (a model without declared fields) is not checked."""
    found = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += undeclared(item, f"{where}[{i}]")
    elif attrs.has(type(value)):
        declared = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
        extra = getattr(value, "additional_properties", {})
        if declared and extra:
            found.append(f"{type(value).__name__}{where}: {sorted(extra)}")
        for name in declared:
            found += undeclared(getattr(value, name), f"{where}.{name}")
    return found


def first_id(parsed):
    results = getattr(parsed, "results", parsed)
    if isinstance(results, list) and results:
        item = results[0]
        return getattr(item, "id", None) or getattr(item, "pk", None)
    return None


def test_every_get_operation_parses_through_the_generated_client(api):
    package, schema, client = api
    ids: dict[str, object] = {}  # list path -> the first row's id
    checked, skipped, problems = [], [], []

    def needs_values(entry):
        path, op = entry
        return "{" in path or any(p["in"] == "query" and p.get("required") for p in op.get("parameters", []))

    gets = [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]
    for path, op in sorted(gets, key=lambda entry: (needs_values(entry), entry[0])):  # plain lists first
        params = re.findall(r"\{(\w+)\}", path)
        kwargs = {}
        for name in params:
            parent = path[: path.index("{" + name + "}")]
            value = PATH_IDS[path]() if path in PATH_IDS else ids.get(parent, PATH_VALUES.get(name))
            if value is None:
                break
            kwargs[name] = value
        for name in (p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")):
            value = QUERY_VALUES.get(name)
            kwargs[name] = ids.get(value) if isinstance(value, str) and value.startswith("/api/") else value
        if len(kwargs) < len(params) or None in kwargs.values():
            skipped.append(path)
            continue
        try:
            response = operation(package, op).sync_detailed(client=client, **kwargs)
        except Exception as exc:  # the client could not parse what the server sent
            problems.append(f"GET {path}: {exc.__class__.__name__}: {exc}")
            continue
        if response.status_code != 200 or response.parsed is None:
            problems.append(f"GET {path}: {response.status_code} {response.content[:200]!r}")
            continue
        problems += [f"GET {path}: undeclared {field}" for field in undeclared(response.parsed)]
        if not params:
            ids[path] = first_id(response.parsed)
        checked.append(path)
    assert problems == []
    assert skipped == EXPECTED_SKIPPED, "\n".join(skipped)
    assert len(checked) >= 60, checked


def call(package, name: str, **kwargs):
    tag = name.split("_", 1)[0]
    response = importlib.import_module(f"{PACKAGE}.api.{tag}.{name}").sync_detailed(**kwargs)
    assert undeclared(response.parsed) == [], name
    return response


def test_main_post_flows_parse_through_the_generated_client(api):
    package, _, client = api
    models = package.models
    restaurant = call(package, "expenses_restaurants_list", client=client).parsed.results[0]

    # Create an expense (with an Idempotency-Key: the retry replays it).
    body = models.ExpenseRequest(amount="14.25", date=date(2026, 1, 5), restaurant=restaurant.id, party_size=2)
    created = call(package, "expenses_expenses_create", client=client, body=body, idempotency_key="flow-1")
    again = call(package, "expenses_expenses_create", client=client, body=body, idempotency_key="flow-1")
    assert (created.status_code, again.status_code) == (201, 201)
    assert isinstance(created.parsed, models.Expense) and again.parsed.id == created.parsed.id
    assert created.parsed.amount == "14.25" and created.parsed.party_size == 2

    # Start an auto-scheduler run and poll its job, then read the run with its proposals.
    started = call(package, "scheduling_runs_create", client=client, body=models.RunStartRequest())
    assert started.status_code == 202 and isinstance(started.parsed, models.RunJob)
    job = call(package, "jobs_retrieve", client=client, id=started.parsed.id).parsed
    assert (job.status, job.progress) == (models.JobStatusEnum.SUCCEEDED, 100)
    run = call(package, "scheduling_runs_retrieve", client=client, id=started.parsed.run).parsed
    assert run.id == started.parsed.run and len(run.proposals) > 0

    # Who is on call now.
    team = call(package, "oncall_teams_list", client=client).parsed.results[0]
    now = call(package, "oncall_now_retrieve", client=client, team=team.id)
    assert now.status_code == 200 and now.parsed is not None

    # An error answer parses as the Error model.
    refused = call(package, "expenses_expenses_create", client=client, body=models.ExpenseRequest(
        amount="-1", date=date(2026, 1, 5), restaurant=restaurant.id))  # fmt: skip
    assert refused.status_code == 400 and isinstance(refused.parsed, models.Error)
    assert "amount" in refused.parsed.errors.additional_properties
