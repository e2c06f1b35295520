"""Shared fixtures: one persona per role, API clients, eager Celery, fast hashing, and a guard
that fails any test which logs an ERROR it did not declare."""

import copy
import logging
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from rest_framework.test import APIClient

from project import celery_app
from project.authentication import api_token_create
from project.roles import ADMINISTRATOR, COORDINATOR, STAFF, VIEWER, user_set_role


def _worker_cache_location(backend: str, location: str, index: int) -> str:
    if backend.endswith("RedisCache"):
        url = urlsplit(location)
        database = (int(url.path.strip("/") or 0) + index) % 16
        return urlunsplit(url._replace(path=f"/{database}"))
    return f"{location}-{index}" if backend.endswith("FileBasedCache") else location


@pytest.fixture(autouse=True, scope="session")
def _cache_of_this_worker():
    """Each test process (pytest-xdist worker) has a cache of its own (a Redis database, a cache
    folder): a test that clears the cache would otherwise empty the other worker's too, turning a warm
    session cold between two requests of a test that counts queries."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        yield
        return
    index = int(worker.removeprefix("gw"))
    caches = copy.deepcopy(django_settings.CACHES)
    for conf in caches.values():
        conf["LOCATION"] = _worker_cache_location(conf["BACKEND"], conf["LOCATION"], index)
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REQUIRE_2FA = False
    # API throttles off (every test client shares one IP); tests/project/test_throttling.py sets rates.
    settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep the test body's outcome on the item, for the fixtures' teardown."""
    report = yield
    if report.when == "call":
        item.call_outcome = report.outcome
    return report


class _ErrorLogGuard(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_unexpected_error_logs(request):
    """An ERROR log line is a bug unless the test provokes it on purpose:
    `@pytest.mark.error_log_expected("oncall.paging", ...)` names the loggers that must log one."""
    guard = _ErrorLogGuard()
    root = logging.getLogger()
    root.addHandler(guard)
    try:
        yield guard
    finally:
        root.removeHandler(guard)
    marker = request.node.get_closest_marker("error_log_expected")
    expected = tuple(marker.args) if marker else ()
    unexpected = [r for r in guard.records if not r.name.startswith(expected) or not expected]
    if unexpected:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in unexpected[:5])
        pytest.fail(f"unexpected ERROR log line(s):\n{lines}", pytrace=False)
    passed = getattr(request.node, "call_outcome", None) == "passed"  # a skipped test logged nothing
    if expected and passed and not guard.records:
        pytest.fail(f"expected an ERROR log line from {', '.join(expected)}; none was logged", pytrace=False)


def make_user(username: str, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, email=f"{username}@example.org", **extra
    )
    if role:
        user_set_role(user=user, role=role)
    return user


@pytest.fixture
def admin_user(db):
    return make_user("admin1", ADMINISTRATOR, is_superuser=True)


@pytest.fixture
def coordinator(db):
    return make_user("coord1", COORDINATOR)


@pytest.fixture
def staff_user(db):
    return make_user("staff1", STAFF)


@pytest.fixture
def staff_user2(db):
    return make_user("staff2", STAFF)


@pytest.fixture
def viewer(db):
    return make_user("viewer1", VIEWER)


@pytest.fixture
def persona(request, db):
    """Parametrise with a role name (or "anonymous"); returns the user or None."""
    role = request.param
    if role == "anonymous":
        return None
    return make_user(f"p-{role.lower()}", role, is_superuser=role == ADMINISTRATOR)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient logged in as `user` (session), or anonymous for None."""

    def build(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def token_client_for():
    """token_client_for(user) -> an APIClient authenticated with a fresh Bearer token."""

    def build(user):
        _, raw = api_token_create(user=user, name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return build
