"""The session engine (project/sessions.py): a page reads the session from the shared cache."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from project.sessions import SessionStore

pytestmark = pytest.mark.django_db


def warm_page_queries(user) -> list[str]:
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_page_costs_one_query_less_than_with_database_sessions(staff_user, settings):
    cached = warm_page_queries(staff_user)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    database = warm_page_queries(staff_user)
    assert len(database) - len(cached) == 1
    assert [sql for sql in database if "django_session" in sql] != []
    assert [sql for sql in cached if "django_session" in sql] == []


def test_session_expiry_is_kept(staff_user, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client = Client()
    client.force_login(staff_user)
    session = client.session
    assert 3590 < session.get_expiry_age() <= 3600
    session.set_expiry(60)
    session.save()
    assert 50 < SessionStore(session.session_key).get_expiry_age() <= 60
