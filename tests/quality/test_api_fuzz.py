"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation /api/schema/ lists is called in-process through the WSGI app, as an
Administrator with a Bearer token, on a little seeded data (ids in paths and relation fields
point at real rows), with schema-valid and schema-violating input. Checks: never a 5xx, every
response (errors included) matches the documented status codes, content type and schema, and
invalid input is refused with a 4xx. Anonymous calls to every operation get a 401 with a reason,
and every /api/v1/ route must be in the schema, so no endpoint escapes. The budget is small and
derandomized so that CI repeats itself; FUZZ_EXAMPLES=100 digs deeper locally.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import pkgutil
import re
from datetime import timedelta
from types import SimpleNamespace

import jsonschema
import pytest
import schemathesis
from django.apps import apps
from django.contrib.admindocs.views import simplify_regex
from django.core.exceptions import FieldDoesNotExist
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.routers import APIRootView
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from project.authentication import api_token_create
from project.roles import ADMINISTRATOR
from tests.conftest import make_user
from tests.openapi import openapi_schema
from volunteers.partners.api import BAD_KEY

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
        # No learning from earlier responses: under xdist the order of operations varies, and CI must repeat.
        "phases": {
            "examples": {"extra-data-sources": {"responses": False}},
            "fuzzing": {"extra-data-sources": {"responses": False}, "error-feedback": {"enabled": False}},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def import_all_crewbase_modules() -> None:
    """Hypothesis mixes constants found in the source of every imported local module into the
    data it generates. Import all of Crewbase first, so that the examples do not depend on which
    code the tests before happened to import (which varies with xdist's scheduling)."""
    for config in apps.get_app_configs():
        if "site-packages" not in config.path:
            for module in pkgutil.walk_packages([config.path], f"{config.name}."):
                importlib.import_module(module.name)


@functools.cache
def openapi_document() -> dict:
    """The document /api/schema/ serves (test_fuzzed_schema_is_the_served_one), as JSON."""
    return json.loads(json.dumps(openapi_schema(), default=str))


import_all_crewbase_modules()
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
schema.app = WSGIHandler()


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def wsgi_app():
    """A real WSGI handler closes the DB connection around each request, which would end the
    test's transaction; Django's test client disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema.app
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # uploads (receipts, imports) go to a throwaway directory
    return make_user("fuzz-admin", ADMINISTRATOR, is_superuser=True)


@pytest.fixture
def admin_headers(admin):
    _, raw = api_token_create(user=admin, name="fuzz")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def seeded(admin):
    """A few rows of every model the API serves, so detail routes can reach real objects."""
    from expenses.models import ImportDraft
    from oncall.models import Assignment, SmsMessage
    from oncall.services import override_create, schedule_generate
    from project.models import Job
    from scheduling.models import (
        CompanyHoliday,
        DateAvailability,
        RotationAssignment,
        RotationException,
        RotationType,
        ScheduleProposal,
        SchedulerRun,
        TimeOff,
    )
    from scheduling.models import SyncRun as CrossmarkSync
    from tests.expenses import factories as expenses
    from tests.oncall import factories as oncall
    from tests.scheduling import factories as scheduling
    from tests.volunteers import factories as volunteers
    from volunteers.models import DataQualityFlag, QualityRun, SyncRun, VolunteerParticipation

    now, today = timezone.now(), timezone.localdate()
    # volunteers
    school = volunteers.SchoolFactory()
    volunteers.OrganizationFactory()
    volunteers.SkillFactory()
    volunteer = volunteers.VolunteerFactory()
    VolunteerParticipation.objects.create(event=volunteers.EventFactory(school=school), volunteer=volunteer)
    DataQualityFlag.objects.create(
        entity_type="volunteer",
        entity_key=str(volunteer.pk),
        entity_id=volunteer.pk,
        issue_type="missing_email",
        message="No email address.",
    )
    QualityRun.objects.create(started_at=now, started_by=admin)
    SyncRun.objects.create(object_name="Contact", mode="full", started_at=now, watermark=now)
    # scheduling
    employee = scheduling.EmployeeFactory()
    schedule = scheduling.ScheduleFactory(employee=employee)
    soon = today + timedelta(days=10)
    DateAvailability.objects.create(employee=employee, date=soon)
    TimeOff.objects.create(employee=employee, start_date=soon, end_date=soon + timedelta(days=2))
    CompanyHoliday.objects.create(name="New Year", date=today.replace(month=1, day=1))
    RotationAssignment.objects.create(weekday=0, rotation_type=RotationType.JUICER, employee=employee)
    RotationException.objects.create(date=soon, rotation_type=RotationType.JUICER, employee=employee)
    CrossmarkSync.objects.create(triggered_by=admin)
    ready = SchedulerRun.objects.create(as_of=now, status=SchedulerRun.Status.READY, started_by=admin)
    ScheduleProposal.objects.create(
        run=ready, event=scheduling.EventFactory(), employee=employee, start_at=schedule.start_at
    )
    SchedulerRun.objects.create(as_of=now, status=SchedulerRun.Status.FAILED, error="Crossmark timed out.")
    # on-call
    team = oncall.TeamFactory()
    oncall.default_pattern(team)
    members = [oncall.MemberFactory(team=team) for _ in range(3)]
    schedule_generate(team=team, weeks=2, start=today)
    assignment = Assignment.objects.filter(team=team).order_by("starts_at").last()
    override_create(
        assignment=assignment, member=next(m for m in members if m != assignment.member), reason="Swap", user=admin
    )
    SmsMessage.objects.create(
        team=team,
        purpose=SmsMessage.Purpose.MANUAL,
        idempotency_key="fuzz-1",
        member=members[0],
        recipient_name=members[0].name,
        recipient_phone=members[0].phone,
        body="Hello",
    )
    # expenses (owned by the admin)
    expenses.ExpenseFactory(user=admin, category=expenses.CategoryFactory(user=admin))
    expenses.TagFactory(user=admin)
    ImportDraft.objects.create(user=admin, filename="expenses.csv", expires_at=now + timedelta(days=1))
    # platform
    Job.objects.create(kind="platform.purge_jobs", created_by=admin)


def view_model(path: str):
    """The model behind an API path (its view's queryset), or None."""
    view = resolve(PARAMETER.sub("0", path)).func
    queryset = getattr(getattr(view, "cls", None), "queryset", None)
    return queryset.model if queryset is not None else None


def existing_pk(model, generated):
    """The pk of an existing row of `model`, picked by the generated value (None if no rows)."""
    pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
    if not pks:
        return None
    index = generated if isinstance(generated, int) else len(str(generated))
    return pks[abs(index) % len(pks)]


def point_at_seeded_rows(case) -> None:
    """Schema-valid ids are random numbers, which only reach the 404 and "no such row" branches:
    point the path id and every generated relation field (body or query) at existing rows."""
    model = view_model(case.path)
    if model is None:
        return
    if "id" in (case.path_parameters or {}):
        case.path_parameters["id"] = existing_pk(model, case.path_parameters["id"]) or case.path_parameters["id"]
    for values in (case.body, case.query):
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            try:
                related = model._meta.get_field(name).related_model
            except FieldDoesNotExist:
                continue
            if related is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                values[name] = existing_pk(related, value) or value
            elif isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                values[name] = [existing_pk(related, v) or v for v in value]


ABSENT = object()


def query_value_as_sent(value, parameter: dict):
    """What the server reads for a generated query value: None and [] are left out of the URL,
    a list repeats the parameter, anything else is its text; the text is read as the schema's
    type (`?page_size=5` is the integer 5 to the server, whatever type generated it)."""
    if value is None or value == []:
        return ABSENT
    schema = parameter.get("schema", {})
    if isinstance(value, list):
        if schema.get("type") != "array":
            return value if len(value) > 1 else query_value_as_sent(value[0], parameter)
        return [query_value_as_sent(item, {"schema": schema.get("items", {})}) for item in value]
    text = {True: "true", False: "false"}.get(value, str(value)) if isinstance(value, bool) else str(value)
    if text == "" and parameter.get("allowEmptyValue"):
        return ABSENT
    if schema.get("type") in (None, "string"):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def query_breaks_schema(case) -> bool:
    """Whether the query string as sent breaks the operation's documented parameters."""
    operation = openapi_document()["paths"][case.path][case.method.lower()]
    parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    query = case.query or {}
    for name, parameter in parameters.items():
        sent = query_value_as_sent(query.get(name), parameter)
        if sent is ABSENT:
            if parameter.get("required"):
                return True
        elif not jsonschema.Draft202012Validator(parameter.get("schema", {})).is_valid(sent):
            return True
    return bool(set(query) - set(parameters))


def really_negative(case) -> bool:
    """Schemathesis marks a case negative by the components it mutated, but a mutation may not
    survive the trip: an empty list or None in the query is left out of the URL, a value drawn
    to break one branch of an `anyOf` (how it reads allowEmptyValue) may fit the other, and
    the Authorization header it breaks is replaced by the test's token. Only a request that,
    as sent, breaks the schema must be refused."""
    negative = {location for location, info in case.meta.components.items() if info.mode.is_negative}
    if negative - {ParameterLocation.QUERY, ParameterLocation.HEADER}:
        return True
    return ParameterLocation.QUERY in negative and query_breaks_schema(case)


# --------------------------------------------------------------------------- tests
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # fixtures are per operation
def test_operation(case, seeded, admin_headers, wsgi_app):
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    if not negative:
        point_at_seeded_rows(case)
    checks = (
        CHECKS if not negative or really_negative(case) else [c for c in CHECKS if c is not negative_data_rejection]
    )
    case.call_and_validate(headers=admin_headers, checks=checks)


@pytest.mark.parametrize(
    ("query", "negative"),
    [
        ({"page_size": 139105}, False),
        ({"page_size": ""}, False),
        ({"page_size": []}, False),
        ({"page_size": None}, False),
        ({"page_size": "5"}, False),
        ({"page_size": 0}, True),
        ({"page_size": "false"}, True),
        ({"page_size": 1.5}, True),
        ({"page_size": [1, 2]}, True),
        ({"unknown": "1"}, True),
    ],
)
def test_negative_query_is_judged_as_sent(query, negative):
    """The judge behind `really_negative`: a mutation that does not survive serialization is no
    reason to expect a 4xx; one that does must still be refused."""
    case = SimpleNamespace(
        path="/api/v1/expenses/categories/",
        method="GET",
        query=query,
        meta=SimpleNamespace(
            components={ParameterLocation.QUERY: SimpleNamespace(mode=SimpleNamespace(is_negative=True))}
        ),
    )
    assert really_negative(case) is negative


OPERATIONS = sorted((method.upper(), path) for path, item in openapi_document()["paths"].items() for method in item)


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_operation_refuses_anonymous_with_a_reason(method, path):
    response = APIClient().generic(method, PARAMETER.sub("1", path))
    assert response.status_code == 401
    if path.startswith("/api/v1/public/"):  # a district API key, not a user's credentials
        assert response.json()["detail"] == BAD_KEY
    else:
        assert response.json()["detail"] == "Authentication credentials were not provided."


def test_fuzzed_schema_is_the_served_one(client_for, admin):
    response = client_for(admin).get("/api/schema/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content) == openapi_document()


def test_schema_lists_every_api_route():
    """A new endpoint cannot escape fuzzing: every method of every /api/v1/ URL is in the schema."""
    documented = {
        (PARAMETER.sub("{}", path), method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
    }
    routes = set(api_routes(get_resolver()))
    assert len(routes) > 150
    assert routes - documented == set()


PARAMETER = re.compile(r"[<{]\w+(:\w+)?[>}]")


def api_routes(resolver, prefix: str = ""):
    """(path, method) for every /api/v1/ URL pattern, as the schema writes it. Format-suffix
    twins (`.json`) of documented routes and the routers' browsable root pages are left out."""
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_routes(entry, pattern)
            continue
        path = simplify_regex(pattern)
        view = getattr(entry.callback, "cls", None)
        if not path.startswith("/api/v1/") or "format>" in path or view is APIRootView:
            continue
        if view is None:  # not a DRF view, so not in the schema at all
            yield PARAMETER.sub("{}", path), "ANY"
            continue
        actions = getattr(entry.callback, "actions", None) or {m: m for m in view.http_method_names if hasattr(view, m)}
        for method in set(actions) & set(view.http_method_names) - {"head", "options"}:
            yield PARAMETER.sub("{}", path), method.upper()
