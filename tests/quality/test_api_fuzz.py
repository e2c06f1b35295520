"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation of the schema (so every app's API, as soon as it is merged) is called with
schema-valid and schema-violating data, authenticated as an Administrator with a Bearer token,
on top of every app's demo data. Checks: never a 5xx, and every response matches the schema.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from project.authentication import api_token_create


def _openapi_dict() -> dict:
    """The same document /api/schema/ serves, generated in-process (JSON round trip for dates)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(raw, default=str))


schema = schemathesis.openapi.from_dict(_openapi_dict())
APP = WSGIHandler()


@pytest.fixture
def admin_token(demo_data):
    from django.contrib.auth import get_user_model

    _, raw = api_token_create(user=get_user_model().objects.get(username="admin"), name="fuzz")
    return raw


@pytest.fixture
def wsgi_in_test_transaction():
    """A real WSGI handler closes the DB connection after each request, which would end the
    test's transaction; Django's test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield APP
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_operation(case, admin_token, wsgi_in_test_transaction):
    response = case.call(app=wsgi_in_test_transaction, headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
