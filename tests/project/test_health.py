"""/health/ and /health/live/."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from project import celery_app, health, periodic
from project.jobs import job_start
from project.models import PeriodicTaskStatus
from project.periodic import PeriodicSpec
from tests.project.test_jobs import count_to, explode

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


def test_readiness_reads_the_database_twice(client, fresh_heartbeat, django_assert_num_queries):
    """`SELECT 1`, then every periodic task's status in one query, whatever the registry holds."""
    assert len(periodic.registry()) >= 3
    with django_assert_num_queries(2):
        body = client.get("/health/").json()
    assert body["checks"]["beat"]["status"] == "ok" and len(body["checks"]["syncs"]) >= 1


def test_the_registry_finds_the_same_tasks_on_every_call():
    """The apps' periodic modules are looked up once per process; the specs are built each time."""
    first, second = periodic.registry(), periodic.registry()
    assert [spec.name for spec in first] == [spec.name for spec in second] and first is not second
    assert {module.__name__ for module in periodic._periodic_modules()} >= {"project.periodic", "oncall.periodic"}


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
            "BACKEND": "project.cache.RedisCache",
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


# =========================================================================== probes for monitors
@pytest.mark.parametrize("path", ["/health/", "/health/live/"])
def test_get_and_head_answer_and_other_methods_are_405(client, fresh_heartbeat, path):
    assert client.get(path).status_code == 200
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == "application/json"
    assert client.post(path).status_code == 405
    assert client.options(path).status_code == 405


@pytest.mark.error_log_expected("django.security")
def test_a_probe_with_a_host_not_allowed_is_a_400_not_an_error(client):
    response = client.get("/health/live/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request.", "errors": {}}


def test_a_fresh_install_is_ok_with_syncs_pending_until_overdue(client, monkeypatch):
    """After `setup_periodic_tasks` nothing has run yet: ok, with the syncs and beat "pending"."""
    specs = [
        PeriodicSpec(name="Beat heartbeat", task="project.tasks.beat_heartbeat", every_seconds=60),
        PeriodicSpec(name="Daily sync", task="a.daily", every_seconds=86400, freshness=timedelta(hours=26)),
    ]
    monkeypatch.setattr(health, "registry", lambda: specs)
    for spec in specs:
        PeriodicTaskStatus.objects.create(name=spec.name)
    body = client.get("/health/").json()
    assert body["status"] == "ok", body
    assert (body["checks"]["beat"]["status"], body["checks"]["syncs"]["Daily sync"]["status"]) == ("pending", "pending")
    # Overdue without ever succeeding: degraded, saying so.
    PeriodicTaskStatus.objects.filter(name="Daily sync").update(registered_at=timezone.now() - timedelta(hours=27))
    PeriodicTaskStatus.objects.filter(name="Beat heartbeat").update(last_success_at=timezone.now())
    body = client.get("/health/").json()
    assert (body["status"], body["checks"]["syncs"]["Daily sync"]["status"]) == ("degraded", "never")


@pytest.mark.error_log_expected("project.jobs")
def test_a_successful_manual_sync_counts_for_its_periodic_task(client, fresh_heartbeat, monkeypatch, staff_user):
    specs = [
        PeriodicSpec(
            name="Daily sync",
            task="a.daily",
            every_seconds=86400,
            freshness=timedelta(hours=26),
            manual_tasks=("tests.count_to",),
        )
    ]
    monkeypatch.setattr(health, "registry", lambda: specs)
    monkeypatch.setattr(periodic, "registry", lambda: specs)
    PeriodicTaskStatus.objects.create(name="Daily sync", registered_at=timezone.now() - timedelta(days=3))
    assert client.get("/health/").json()["status"] == "degraded"
    job_start(kind="tests.count", task=count_to, user=staff_user, params={"n": 2})
    body = client.get("/health/").json()
    assert (body["status"], body["checks"]["syncs"]["Daily sync"]["status"]) == ("ok", "ok")
    # A failed manual run does not count.
    PeriodicTaskStatus.objects.update(last_success_at=None)
    job_start(kind="tests.boom", task=explode, user=staff_user, params={"kind": "permanent"})
    assert client.get("/health/").json()["checks"]["syncs"]["Daily sync"]["status"] == "never"


def test_the_real_syncs_name_their_manual_jobs():
    by_task = {spec.task: spec for spec in periodic.registry()}
    assert by_task["volunteers.tasks.salesforce_daily_delta"].manual_tasks == ("volunteers.tasks.salesforce_sync_job",)
    assert by_task["scheduling.tasks.crossmark_sync_periodic"].manual_tasks == ("scheduling.tasks.crossmark_sync_job",)
    for spec in by_task.values():
        for name in spec.manual_tasks:
            assert name in celery_app.tasks, name
