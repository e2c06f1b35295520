"""/health/ and /health/live/."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from project import health
from project.models import PeriodicTaskStatus
from project.periodic import PeriodicSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_heartbeat():
    PeriodicTaskStatus.objects.update_or_create(name="Beat heartbeat", defaults={"last_success_at": timezone.now()})


def test_live_probe(client):
    response = client.get("/health/live/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ok_when_everything_is_up(client, fresh_heartbeat, monkeypatch):
    monkeypatch.setattr(health, "registry", lambda: [])
    body = client.get("/health/").json()
    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "broker", "cache", "beat", "syncs"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["beat"]["status"] == "ok"


def test_missing_or_stale_heartbeat_is_degraded(client, settings):
    body = client.get("/health/").json()
    assert body["status"] == "degraded" and body["checks"]["beat"]["status"] == "never"
    PeriodicTaskStatus.objects.create(name="Beat heartbeat", last_success_at=timezone.now() - timedelta(minutes=10))
    settings.HEARTBEAT_MAX_AGE_SECONDS = 180
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"]["beat"]["status"] == "stale"


def test_sync_freshness(client, fresh_heartbeat, monkeypatch):
    specs = [
        PeriodicSpec(name="Salesforce sync", task="a.b", every_seconds=3600, freshness=timedelta(hours=26)),
        PeriodicSpec(name="Crossmark sync", task="c.d", every_seconds=1800, freshness=timedelta(hours=1)),
        PeriodicSpec(name="Not a sync", task="e.f", every_seconds=60),
    ]
    monkeypatch.setattr(health, "registry", lambda: specs)
    PeriodicTaskStatus.objects.create(name="Salesforce sync", last_success_at=timezone.now() - timedelta(hours=2))
    PeriodicTaskStatus.objects.create(name="Crossmark sync", last_success_at=timezone.now() - timedelta(hours=3))
    body = client.get("/health/").json()
    assert body["checks"]["syncs"]["Salesforce sync"]["status"] == "ok"
    assert body["checks"]["syncs"]["Crossmark sync"]["status"] == "stale"
    assert "Not a sync" not in body["checks"]["syncs"]
    assert body["status"] == "degraded"


def test_broker_down_is_degraded_not_error(client, fresh_heartbeat, settings, monkeypatch):
    monkeypatch.setattr(health, "registry", lambda: [])
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["broker"]["status"] == "down"


def test_broker_probes_reuse_one_client(settings, monkeypatch):
    created = []

    class FakeRedis:
        pings = 0

        def ping(self):
            FakeRedis.pings += 1

    def from_url(url, **options):
        created.append((url, options))
        return FakeRedis()

    monkeypatch.setattr(health.redis.Redis, "from_url", from_url)
    health._redis_client.cache_clear()
    settings.CELERY_BROKER_URL = "redis://broker.example:6379/0"
    assert [health.check_broker()["status"] for _ in range(3)] == ["ok", "ok", "ok"]
    assert created == [("redis://broker.example:6379/0", {"socket_connect_timeout": 1, "socket_timeout": 1})]
    assert FakeRedis.pings == 3
    health._redis_client.cache_clear()


def test_cache_down_is_degraded(client, fresh_heartbeat, settings, monkeypatch):
    monkeypatch.setattr(health, "registry", lambda: [])
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    body = client.get("/health/").json()
    assert body["checks"]["cache"]["status"] == "down" and body["status"] == "degraded"


@pytest.mark.error_log_expected("django.request")
def test_database_down_is_503(client, monkeypatch):
    def down():
        return {"status": "down", "error": "OperationalError"}

    monkeypatch.setattr(health, "check_database", down)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["database"]["status"] == "down"
    assert body["checks"]["beat"] == {"status": "unknown"}


def test_check_database_reports_operational_error(monkeypatch):
    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: BrokenCursor())
    assert health.check_database() == {"status": "down", "error": "OperationalError"}


@pytest.mark.error_log_expected("django.request")
def test_database_error_in_a_page_is_a_friendly_503(client, staff_user, monkeypatch, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(staff_user)
    monkeypatch.setattr(
        "project.views.job_list_for_user",
        lambda user: (_ for _ in ()).throw(OperationalError("server closed the connection unexpectedly")),
    )
    response = client.get("/jobs/")
    assert response.status_code == 503
    assert b"The database is unavailable" in response.content and b"Traceback" not in response.content
