"""Sessions through the shared cache (project/sessions.py) while Redis is stopped or hung: pages,
login and logout keep working from the database, and a session logged out during the outage is not
accepted again when Redis comes back with its old entry still in it."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from project import sessions
from project import urls as _urls  # noqa: F401 - the tasks register before own_redis resets Celery's pools
from tests.quality.own_redis import own_redis_serving

pytestmark = [pytest.mark.failure, pytest.mark.django_db]

HANG_GUARD_SECONDS = 15


@pytest.fixture
def own_redis(settings):
    yield from own_redis_serving(settings)


def entry_key(client: Client) -> str:
    return f":1:{sessions.SessionStore.cache_key_prefix}{client.cookies['sessionid'].value}"


def timed(call):
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    return response


def log_in(client: Client) -> None:
    response = timed(lambda: client.post("/accounts/login/", {"username": "staff1", "password": "pw-staff1"}))
    assert response.status_code == 302 and response["Location"] == "/"


def log_out(client: Client) -> None:
    response = timed(lambda: client.post("/accounts/logout/"))
    assert response.status_code == 302


def assert_signed_in(client: Client) -> None:
    response = timed(lambda: client.get("/"))
    assert response.status_code == 200 and b"staff1" in response.content


def replaying(client: Client) -> Client:
    """A new client sending `client`'s session cookie (a signed-out response clears the cookie)."""
    replayed = Client()
    replayed.cookies["sessionid"] = client.cookies["sessionid"].value
    return replayed


def assert_signed_out(client: Client) -> None:
    response = timed(lambda: client.get("/"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_login_pages_and_logout_with_redis_stopped(own_redis, staff_user):
    own_redis.stop()
    client = Client()
    log_in(client)
    assert_signed_in(client)
    assert_signed_in(client)
    old = replaying(client)  # keeps the cookie: never sends a request
    log_out(client)
    assert_signed_out(client)
    assert_signed_out(replaying(old))
    own_redis.start()
    assert_signed_out(replaying(old))
    log_in(client)  # and back on the cache
    assert own_redis.client().exists(entry_key(client)) == 1
    assert_signed_in(client)


def test_cache_entry_expires_within_five_minutes(own_redis, staff_user, settings):
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600
    client = Client()
    log_in(client)
    assert_signed_in(client)
    assert 0 < own_redis.client().ttl(entry_key(client)) <= 300
    stored = client.session
    assert stored.get_expiry_age() > 13 * 24 * 3600  # the session's own expiry is unchanged


def test_session_logged_out_while_redis_hung_is_refused_when_it_resumes(own_redis, staff_user):
    client = Client()
    log_in(client)
    assert_signed_in(client)
    key = entry_key(client)
    old = replaying(client)  # keeps the cookie: never sends a request
    assert own_redis.client().exists(key) == 1
    own_redis.hang()
    log_out(client)  # the row is deleted; the cache delete times out
    assert_signed_out(replaying(old))
    own_redis.resume()
    assert own_redis.client().exists(key) == 1  # the stale entry came back with Redis
    assert_signed_out(replaying(old))
    assert own_redis.client().exists(key) == 0
    log_in(client)
    assert_signed_in(client)


def test_session_changed_while_redis_hung_is_read_fresh_when_it_resumes(own_redis, staff_user):
    client = Client()
    log_in(client)
    assert_signed_in(client)
    own_redis.hang()
    session = client.session
    session["note"] = "written during the outage"
    session.save()
    own_redis.resume()
    assert own_redis.client().exists(entry_key(client)) == 1  # the entry from before the change
    assert client.session["note"] == "written during the outage"
    assert own_redis.client().exists(entry_key(client)) == 1  # cached again, from the row
    assert_signed_in(client)
