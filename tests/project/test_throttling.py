"""Throttles: per user or token, per anonymous IP, writes and job starts; counted in the shared
cache; a 429 with Retry-After in the error format. Login spraying: one IP across usernames."""

from __future__ import annotations

import re

import pytest
import redis
from axes.models import AccessAttempt
from django.core.cache import caches
from django.test import Client
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from expenses.models import Category
from project.cache import RedisCache
from project.models import IdempotencyRecord
from project.throttling import JOB_START_PATHS
from tests.conftest import make_user
from tests.production import PRODUCTION_ENV, run_python

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Throttles on (tests/conftest.py turns them off), counted in a cache of this test's own."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-tests"},
    }
    caches["throttle"].clear()

    def set_rates(**given):
        settings.THROTTLE_RATES = {"user": None, "anon": None, "writes": None, "job_starts": None, **given}

    return set_rates


def assert_throttled(response):
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    body = response.json()
    assert body["errors"] == {} and re.fullmatch(
        r"Request was throttled\. Expected available in \d+ seconds?\.", body["detail"]
    )


def test_calls_per_user_or_token(rates, token_client_for, client_for, staff_user, staff_user2):
    rates(user="3/minute")
    token, session = token_client_for(staff_user), client_for(staff_user)
    assert [c.get("/api/v1/jobs/").status_code for c in (token, session, token)] == [200, 200, 200]
    assert_throttled(session.get("/api/v1/jobs/"))  # the token and the session count together
    assert token_client_for(staff_user2).get("/api/v1/jobs/").status_code == 200  # others are not slowed
    history = caches["throttle"].get(f"throttle_user_user-{staff_user.pk}")
    assert len(history) == 3


def test_writes_have_their_own_lower_limit(rates, token_client_for, staff_user):
    rates(user="100/minute", writes="2/minute")
    client = token_client_for(staff_user)
    created = [client.post("/api/v1/expenses/categories/", {"name": f"C{i}"}).status_code for i in range(2)]
    assert created == [201, 201]
    refused = client.post("/api/v1/expenses/categories/", {"name": "C2"}, HTTP_IDEMPOTENCY_KEY="k-throttled")
    assert_throttled(refused)
    assert not Category.objects.filter(name="C2").exists()
    assert not IdempotencyRecord.objects.filter(key="k-throttled").exists()  # the retry will run
    assert client.get("/api/v1/expenses/categories/").status_code == 200  # reads go on


def test_job_starts_have_their_own_limit(rates, client_for, admin_user):
    rates(writes="100/minute", job_starts="1/minute")
    client = client_for(admin_user)
    assert client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}).status_code == 202
    assert_throttled(client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}))
    assert client.post("/api/v1/expenses/categories/", {"name": "Other writes go on"}).status_code == 201


def test_job_start_paths_are_exactly_the_posts_answering_202(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/?format=json").json()
    starts, others = [], []
    for path, item in schema["paths"].items():
        if "post" in item:
            concrete = re.sub(r"\{[^}]+\}", "7", path)
            (starts if "202" in item["post"]["responses"] else others).append(concrete)
    assert len(starts) >= 6
    assert [p for p in starts if not JOB_START_PATHS.match(p)] == []
    assert [p for p in others if JOB_START_PATHS.match(p)] == []


class PublicView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return Response({"ok": True})


def test_anonymous_calls_per_ip_and_a_forged_forwarded_for_does_not_help(rates):
    rates(anon="2/minute")
    factory, view = APIRequestFactory(), PublicView.as_view()

    def call(ip, **headers):
        return view(factory.get("/api/v1/public/", REMOTE_ADDR=ip, **headers))

    assert [call("203.0.113.5").status_code for _ in range(2)] == [200, 200]
    assert call("203.0.113.5").status_code == 429
    assert call("203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert call("203.0.113.6").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(rates, settings):
    rates(anon="1/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    factory, view = APIRequestFactory(), PublicView.as_view()
    proxy = "10.0.0.2"
    first = view(factory.get("/x/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5"))
    second = view(factory.get("/x/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6"))
    again = view(factory.get("/x/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5"))
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)


def test_throttles_are_kept_in_redis_in_production():
    code = "from django.conf import settings as s; print(s.CACHES['throttle']['BACKEND'], s.THROTTLE_RATES['anon'])"
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6399/3"}
    result = run_python("-c", f"import django; django.setup(); {code}", env_overrides=env)
    assert result.stdout.split() == ["project.cache.RedisCache", "120/minute"], result.stderr


def test_the_redis_cache_keeps_one_client_per_connection_pool():
    """Django's backend built a client per operation; ours builds one per pool and reuses it."""
    backend = RedisCache("redis://127.0.0.1:6399/3", {"OPTIONS": {"socket_timeout": 1}})
    client = backend._cache.get_client("a")
    assert isinstance(client, redis.Redis)
    assert backend._cache.get_client("b", write=True) is client  # one server: one pool for both
    assert client.connection_pool is backend._cache._get_connection_pool(write=True)
    assert client.connection_pool.connection_kwargs["socket_timeout"] == 1


# =========================================================================== login spraying
def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_one_password_across_many_usernames_locks_the_ip(settings, staff_user):
    settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT = 3, 4
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("ann", "bob", "cat"):
        assert login(sprayer, name, "Summer2026!").status_code == 200  # the form error, one try each
    assert login(sprayer, "dan", "Summer2026!").status_code == 429  # the fourth username reaches the IP limit
    locked = login(sprayer, "staff1", "pw-staff1")
    assert locked.status_code == 429 and b"Too many failed logins" in locked.content
    # Another address is not affected.
    assert login(Client(REMOTE_ADDR="203.0.113.10"), "staff1", "pw-staff1").status_code == 302


def test_a_valid_sign_in_from_the_same_ip_does_not_wipe_the_sprayers_count(settings, staff_user):
    settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT = 3, 4
    make_user("colleague", "Staff")
    office = Client(REMOTE_ADDR="203.0.113.20")
    for name in ("ann", "bob", "cat"):
        login(office, name, "wrong")
    assert login(Client(REMOTE_ADDR="203.0.113.20"), "colleague", "pw-colleague").status_code == 302
    assert AccessAttempt.objects.filter(ip_address="203.0.113.20").count() == 3  # kept
    login(office, "dan", "wrong")
    assert login(Client(REMOTE_ADDR="203.0.113.20"), "staff1", "pw-staff1").status_code == 429


def test_a_few_typos_by_different_people_behind_one_address_lock_nobody(settings, staff_user):
    settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT = 3, 20
    office = Client(REMOTE_ADDR="203.0.113.30")
    for name in ("ann", "bob", "cat", "dan", "eve"):
        login(office, name, "typo")
    assert login(office, "staff1", "pw-staff1").status_code == 302
