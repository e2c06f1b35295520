"""Failure tests: Redis stopped, an external system hanging, the database dropped mid-request,
tasks killed mid-run. The site must answer quickly with a clear error or a degraded status
(never a hang, never a traceback page) and recover by itself when the dependency returns."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.utils import timezone

from integrations.twilio.fake import FAKE_GATEWAY
from oncall import paging, tasks
from oncall.models import Member, SmsMessage
from project import celery_app
from project.credentials import credential_set
from project.jobs import job_start
from project.models import Job
from project.tasks import purge_jobs_job
from tests.quality.crawl import discover

FAST = 5.0  # seconds: "never a hang" — every answer in a degraded state comes well within this


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reset_celery_pools():
    celery_app.close()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def timed_get(client, url, **extra):
    started = time.monotonic()
    response = client.get(url, **extra)
    return response, time.monotonic() - started


def assert_clear(response, elapsed, url):
    body = response.content.decode(errors="replace")
    assert elapsed < FAST, f"{url} took {elapsed:.1f}s"
    assert response.status_code < 500 or response.status_code == 503, f"{url}: {response.status_code}"
    assert "Traceback" not in body and 'File "/' not in body, f"{url} shows a traceback"


# --------------------------------------------------------------------------- Redis
class RedisServer:
    def __init__(self):
        self.port = _free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments, a local throwaway server
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def redis_server(settings):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    settings.CELERY_BROKER_URL = server.url
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options)
    conf.broker_url, conf.task_always_eager = server.url, False
    conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 2, "max_retries": 1}
    _reset_celery_pools()
    yield server
    server.stop()
    conf.broker_url, conf.task_always_eager, conf.broker_transport_options = saved
    _reset_celery_pools()


def test_redis_stopped_degrades_then_recovers(site_objects, redis_server):
    admin = Client(raise_request_exception=False)
    admin.force_login(site_objects["Administrator"])
    health = admin.get("/health/").json()
    assert health["checks"]["cache"]["status"] == "ok" and health["checks"]["broker"]["status"] == "ok"

    redis_server.stop()
    response, elapsed = timed_get(admin, "/health/")
    assert response.status_code == 200 and elapsed < FAST
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "down" and body["checks"]["broker"]["status"] == "down"
    # Every page and API read still answers, quickly and without a traceback.
    endpoints, _ = discover(owner=site_objects["Staff"])
    for endpoint in endpoints:
        if endpoint.kind != "admin" and endpoint.get_allowed:
            assert_clear(*timed_get(admin, endpoint.url), endpoint.url)
    # Starting a job is a clear 503, not a hang.
    started = time.monotonic()
    response = admin.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, content_type="application/json")
    assert time.monotonic() - started < FAST
    assert response.status_code == 503 and "could not be queued" in response.json()["detail"]

    redis_server.start()  # same port: nothing restarts on our side
    _reset_celery_pools()  # what a worker process does on its own after a failed publish
    health = admin.get("/health/").json()
    assert health["checks"]["cache"]["status"] == "ok" and health["checks"]["broker"]["status"] == "ok"
    response = admin.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, content_type="application/json")
    assert response.status_code == 202


# --------------------------------------------------------------------------- an external system hanging
class HangingTwilio(BaseHTTPRequestHandler):
    """Stands in for api.twilio.com: hangs (answers after far longer than our timeout) until told
    to recover, then accepts messages like Twilio does."""

    hanging = True
    accepted: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if type(self).hanging:
            time.sleep(4)
            return
        type(self).accepted.append(self.path)
        body = (f'{{"sid": "SMquality{len(type(self).accepted):024d}", "status": "queued", '
                '"to": "+13125550101", "body": "x"}').encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hanging_twilio(settings, site_objects):
    server = ThreadingHTTPServer(("127.0.0.1", 0), HangingTwilio)
    server.daemon_threads = True
    HangingTwilio.hanging, HangingTwilio.accepted = True, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.INTEGRATIONS = {**settings.INTEGRATIONS, "twilio": {
        "mode": "live", "base_url": f"http://127.0.0.1:{server.server_address[1]}"}}
    settings.INTEGRATION_TIMEOUT_SECONDS = 1
    for key, value in (("account_sid", "ACquality"), ("auth_token", "secret"), ("from_number", "+13125550000")):
        credential_set(system="twilio", key=key, value=value)
    yield HangingTwilio
    server.shutdown()
    server.server_close()


def test_sms_provider_timing_out_retries_later_and_sends_once(site_objects, hanging_twilio,
                                                              django_capture_on_commit_callbacks):
    member = Member.objects.order_by("pk").first()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        row = paging.manual_sms(member=member, body="Quality check: please ignore.")
    assert time.monotonic() - started < FAST  # our timeout, not the provider's silence
    row.refresh_from_db()
    assert row.status == SmsMessage.Status.PENDING and row.attempts == 1
    assert row.next_attempt_at > timezone.now() and row.error_message  # retry scheduled, reason kept
    staff = Client(raise_request_exception=False)
    staff.force_login(site_objects["Staff"])
    assert_clear(*timed_get(staff, "/oncall/notifications/"), "/oncall/notifications/")

    hanging_twilio.hanging = False  # the provider is back
    later = row.next_attempt_at + timedelta(seconds=1)
    for _ in range(3):  # the every-minute dispatcher, running a few times
        for message_id in paging.outbox_due(now=later):
            paging.sms_deliver(message_id=message_id, now=later)
    row.refresh_from_db()
    assert row.status == SmsMessage.Status.SENT and row.provider_sid.startswith("SMquality")
    assert len(hanging_twilio.accepted) == 1


# --------------------------------------------------------------------------- the database
def test_database_down_every_url_is_a_clear_503_then_recovers(site_objects):
    endpoints, _ = discover(owner=site_objects["Staff"])
    user = site_objects["Coordinator"]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    urls = [e.url for e in endpoints if e.get_allowed and e.kind in ("page", "api")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", lambda *a, **k: (_ for _ in ()).throw(
            OperationalError("server closed the connection unexpectedly")))
        unavailable = 0
        for url in urls + ["/health/"]:
            response, elapsed = timed_get(client, url)
            assert_clear(response, elapsed, url)  # answers needing no database (405, live probe) may pass
            if response.status_code != 503:
                continue
            unavailable += 1
            if url.startswith(("/api/", "/health/")):
                assert response["Content-Type"].startswith("application/json"), url
                body = response.json()
                assert body.get("detail") or body.get("status"), url
            else:
                assert "database is unavailable" in response.content.decode(), url
        assert unavailable >= len(urls) - 3
    assert client.get("/oncall/").status_code == 200
    assert client.get("/health/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_connection_killed_mid_request_is_a_503_then_recovers(live_server, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…): kills a real server connection")
    from project import views
    from tests.conftest import make_user

    user = make_user("killed", "Staff")
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    real = views.job_list_for_user

    def kill_then_query(u):
        with connection.cursor() as cursor:  # the server drops this very connection mid-request
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(u)

    def get(path):
        request = urllib.request.Request(live_server.url + path, headers={"Cookie": cookie})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=FAST) as response:  # noqa: S310 - local live server
                return response.status, response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), time.monotonic() - started

    monkeypatch.setattr(views, "job_list_for_user", kill_then_query)
    status, body, elapsed = get("/jobs/")
    assert status == 503 and "database is unavailable" in body and "Traceback" not in body and elapsed < FAST
    monkeypatch.setattr(views, "job_list_for_user", real)
    status, body, _ = get("/jobs/")  # Django's connection health check reconnects by itself
    assert status == 200
    status, body, _ = get("/health/")
    assert status == 200


# --------------------------------------------------------------------------- tasks killed mid-run
class WorkerKilled(BaseException):
    """What a SIGKILLed worker looks like to the code: it just stops (no `except Exception` runs)."""


def test_job_killed_mid_run_is_rerun_once_without_duplicating_its_work(site_objects, monkeypatch):
    old = timezone.now() - timedelta(days=400)
    for _ in range(3):
        Job.objects.create(kind="old", status=Job.Status.SUCCEEDED, finished_at=old)
    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(purge_jobs_job, "apply_async", lambda **kwargs: None)  # queued; the worker runs it below
    job = job_start(kind="platform.purge_jobs", task=purge_jobs_job, user=site_objects["Administrator"],
                    params={"older_than_days": 30})
    celery_app.conf.task_always_eager = True

    import project.tasks as platform_tasks
    real_purge = platform_tasks.jobs_purge

    def purge_then_die(**kwargs):
        real_purge(**kwargs)
        raise WorkerKilled

    monkeypatch.setattr(platform_tasks, "jobs_purge", purge_then_die)
    with pytest.raises(WorkerKilled):
        purge_jobs_job.run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and Job.objects.filter(kind="old").count() == 0

    monkeypatch.setattr(platform_tasks, "jobs_purge", real_purge)
    purge_jobs_job.run(job_id=str(job.pk))  # acks_late: the broker redelivers it
    purge_jobs_job.run(job_id=str(job.pk))  # ... and perhaps once more
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2 and job.progress == 100
    assert job.result == {"deleted": 0}


class DyingGateway:
    """Hands the message to the provider, then the worker dies before recording it."""

    def send_sms(self, **kwargs):
        FAKE_GATEWAY.send_sms(**kwargs)
        raise WorkerKilled


def _queue_one(member):
    return paging.message_queue(team=member.team, purpose=SmsMessage.Purpose.MANUAL, key=f"quality:{member.pk}",
                                phone=member.phone, name=member.name, body="Quality check")[0]


def test_sms_task_killed_after_sending_is_never_sent_twice(site_objects):
    FAKE_GATEWAY.reset()
    member = Member.objects.order_by("pk").first()
    row = _queue_one(member)
    with pytest.raises(WorkerKilled):
        paging.sms_deliver(message_id=row.pk, gateway=DyingGateway())
    assert len(FAKE_GATEWAY.sent) == 1
    tasks.sms_send.run(row.pk)  # the redelivered task finds the row claimed and does nothing
    tasks.outbox_dispatch.run()
    assert len(FAKE_GATEWAY.sent) == 1
    later = timezone.now() + paging.STALE_CLAIM + timedelta(minutes=1)
    assert paging.outbox_release_stale(now=later) == 1  # outcome unknown: failed and escalated, not resent
    row.refresh_from_db()
    assert row.status == SmsMessage.Status.FAILED and row.escalated
    tasks.outbox_dispatch.run()
    assert len(FAKE_GATEWAY.sent) == 1


def test_sms_task_killed_before_claiming_is_sent_exactly_once(site_objects):
    FAKE_GATEWAY.reset()
    member = Member.objects.order_by("pk").first()
    row = _queue_one(member)  # the worker died before running sms_send: the row is pending
    tasks.outbox_dispatch.run()
    tasks.sms_send.run(row.pk)  # the redelivered task arrives after the dispatcher sent it
    tasks.outbox_dispatch.run()
    row.refresh_from_db()
    assert row.status == SmsMessage.Status.SENT and row.attempts == 1
    assert [m.body for m in FAKE_GATEWAY.sent] == ["Quality check"]
    assert _queue_one(member).pk == row.pk  # queueing the same message again is the same row
