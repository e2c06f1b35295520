"""Dependency failures: the database dropping a connection, Redis stopped or hung, external
systems timing out, and workers killed mid-task. The site answers with a clear error or a degraded
status (never a hang, never a traceback), recovers by itself, and nothing is done twice.

Only this test's own resources fail: its own PostgreSQL backend connections (terminated by pid)
and its own redis-server on a private port. The shared servers are never touched.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import timedelta
from wsgiref.util import setup_testing_defaults

import pytest
import requests
import responses
from celery.exceptions import Retry
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.utils import timezone

from expenses import services as expense_services
from expenses.models import Expense, ImportDraft
from integrations.crossmark import FakeCrossmarkClient
from integrations.salesforce.fake import demo_dataset
from integrations.salesforce.http_fake import SalesforceHttpFake
from oncall import paging
from oncall import tasks as oncall_tasks
from oncall.models import SmsMessage
from project import celery_app
from project.credentials import credential_set
from project.email.models import EmailMessage
from project.models import Job
from project.outbox import STALE_CLAIM
from scheduling import runs
from scheduling.models import EventType, JobTitle, Schedule
from scheduling.models import SyncRun as CrossmarkSyncRun
from scheduling.selectors import scheduling_settings_get
from tests.oncall.factories import MemberFactory, TeamFactory
from tests.quality.own_redis import own_redis_serving
from tests.scheduling.factories import EmployeeFactory, EventFactory, local
from volunteers.models import SyncRun as SalesforceSyncRun

pytestmark = pytest.mark.failure

HANG_GUARD_SECONDS = 15  # generous: the bounded timeouts answer in 1-5 s; only a hang exceeds it


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside a task: no `except Exception` catches it, and the open
    transaction is rolled back (the database aborts it when the connection drops)."""


# =========================================================================== database
class ServerThread:
    """Serves requests one after another from one thread through the WSGI handler, as a sync worker
    does: the thread keeps its own database connection between requests (CONN_MAX_AGE), and
    request_started/request_finished run Django's connection clean-up (the test client skips it).
    Only sessionless pages and a bogus session cookie are used, so nothing needs committing."""

    def __init__(self):
        self.app = WSGIHandler()
        self.pool = ThreadPoolExecutor(max_workers=1)

    def call(self, fn, *args):
        return self.pool.submit(fn, *args).result(timeout=HANG_GUARD_SECONDS)

    def get(self, path: str, *, accept: str = "text/html", wrapper=None) -> tuple[int, str]:
        def request():
            environ: dict = {}
            setup_testing_defaults(environ)
            environ.update(
                {
                    "PATH_INFO": path,
                    "HTTP_HOST": "testserver",
                    "SERVER_NAME": "testserver",
                    "HTTP_COOKIE": "sessionid=expired-session",
                    "HTTP_ACCEPT": accept,
                    "wsgi.url_scheme": "https",
                }
            )
            status = []
            with connection.execute_wrapper(wrapper) if wrapper else nullcontext():
                result = self.app(environ, lambda s, headers, exc_info=None: status.append(s))
                try:
                    body = b"".join(result).decode()
                finally:
                    result.close()  # request_finished: close_old_connections
            return int(status[0].split()[0]), body

        return self.call(request)

    def close(self):
        self.call(connections.close_all)
        self.pool.shutdown()


@pytest.fixture
def server(db):
    thread = ServerThread()
    yield thread
    thread.close()


def fail_session_queries(times: int, before=None):
    """An execute wrapper: the next `times` session lookups fail as on a dropped connection (the
    driver's error, through Django's error wrapper), or run `before` first and then go ahead."""
    remaining = [times]

    def wrapper(execute, sql, params, many, context):
        if '"django_session"' in sql and remaining[0] > 0:
            remaining[0] -= 1
            if before is None:
                with connection.wrap_database_errors:
                    raise connection.Database.OperationalError("server closed the connection unexpectedly")
            before()
        return execute(sql, params, many, context)

    return wrapper


def assert_database_unavailable_then_back(server, wrapper):
    status, body = server.get("/accounts/login/", wrapper=wrapper)
    assert status == 503 and "The database is unavailable" in body, body[:500]
    assert "Traceback" not in body and "OperationalError" not in body
    status, body = server.get("/api/v1/jobs/", accept="application/json", wrapper=wrapper)
    assert (status, json.loads(body)) == (
        503,
        {"detail": "The database is unavailable. Please try again in a moment.", "errors": {}},
    )
    # The next requests work by themselves.
    assert server.get("/accounts/login/", wrapper=wrapper)[0] == 200
    assert server.get("/api/v1/jobs/", accept="application/json", wrapper=wrapper)[0] == 401


@pytest.mark.error_log_expected("django.request")
def test_a_database_error_mid_request_is_a_clear_503_and_the_next_request_works(server):
    assert_database_unavailable_then_back(server, fail_session_queries(times=2))


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate_backend(pid: int) -> None:
    """End one server connection of this test database (never anyone else's), from a second
    connection, and wait until it is gone."""
    side = connection.copy()
    try:
        with side.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE pid = %s AND datname = current_database()",
                [pid],
            )
            assert cursor.fetchone() == (True,)
    finally:
        side.close()


@pytest.mark.error_log_expected("django.request")
@pytest.mark.postgres
def test_postgres_connections_killed_between_and_during_requests(server):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: terminates this test's own server connection")
    assert server.get("/accounts/login/")[0] == 200
    first = server.call(backend_pid)
    assert server.get("/accounts/login/")[0] == 200
    assert server.call(backend_pid) == first  # a persistent connection (CONN_MAX_AGE): something to lose

    # Between requests (a database restart): the health check on reuse reconnects, no error at all.
    terminate_backend(first)
    assert server.get("/accounts/login/")[0] == 200
    assert server.call(backend_pid) != first

    # During a request: a clear 503 now, and the next request reconnects by itself.
    killed = []

    def kill_own_connection():
        killed.append(backend_pid())
        terminate_backend(killed[-1])

    assert_database_unavailable_then_back(server, fail_session_queries(times=2, before=kill_own_connection))
    assert len(killed) == 2 and server.call(backend_pid) not in killed


# =========================================================================== Redis
@pytest.fixture
def own_redis(settings):
    yield from own_redis_serving(settings)


def timed(call):
    started = time.monotonic()
    response = call()
    elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD_SECONDS, f"took {elapsed:.1f}s"
    return response


def health_checks(client) -> dict:
    response = timed(lambda: client.get("/health/"))
    assert response.status_code == 200  # only a database outage makes /health/ a 503
    return {name: check["status"] for name, check in response.json()["checks"].items() if name in ("broker", "cache")}


def start_job(client):
    return timed(lambda: client.post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, format="json"))


def assert_degraded_but_serving(client, admin_client):
    assert health_checks(client) == {"broker": "down", "cache": "down"}
    response = start_job(admin_client)
    assert response.status_code == 503, response.content
    assert response.json()["detail"] == (
        "The job could not be queued: the task broker is unreachable. Try again later."
    )
    assert Job.objects.order_by("-created_at").first().status == Job.Status.FAILED
    for path in ("/", "/jobs/"):
        assert timed(lambda path=path: client.get(path)).status_code == 200
    # The shared cache only saves Places quota: without it the search still answers.
    page = timed(lambda: client.get("/expenses/restaurants/add/?place_q=burger"))
    assert page.status_code == 200 and "Burger Barn" in page.content.decode()


def assert_recovered(client, admin_client, server):
    assert health_checks(client) == {"broker": "ok", "cache": "ok"}
    response = start_job(admin_client)
    assert response.status_code == 202, response.content
    assert server.client().llen("default") >= 1  # the task message waits in Redis for a worker
    assert client.get("/expenses/restaurants/add/?place_q=burger").status_code == 200


@pytest.mark.error_log_expected("project.jobs", "django.request")
@pytest.mark.django_db
def test_redis_stopped_then_restarted(own_redis, client_for, staff_user, admin_user):
    client, admin_client = client_for(staff_user), client_for(admin_user)
    assert_recovered(client, admin_client, own_redis)  # warm pools: connections to lose
    own_redis.stop()
    assert_degraded_but_serving(client, admin_client)
    api = client.get("/api/v1/expenses/places/search/?q=burger")
    assert api.status_code == 200 and api.json()[0]["name"] == "Burger Barn"
    own_redis.start()  # same port, empty: the app is not restarted
    assert_recovered(client, admin_client, own_redis)


@pytest.mark.error_log_expected("project.jobs", "django.request")
@pytest.mark.django_db
def test_redis_hung_is_bounded_by_timeouts_and_recovers(own_redis, client_for, staff_user, admin_user):
    client, admin_client = client_for(staff_user), client_for(admin_user)
    assert_recovered(client, admin_client, own_redis)
    own_redis.hang()
    assert_degraded_but_serving(client, admin_client)
    own_redis.resume()
    assert_recovered(client, admin_client, own_redis)


# =========================================================================== external systems timing out
SF_URL = "https://sf.test"
SF_QUERY = re.compile(re.escape(SF_URL) + r"/services/data/.*")
TIMEOUT = requests.ReadTimeout("read timed out")


def live(settings, system: str, base_url: str, **extra) -> None:
    settings.INTEGRATIONS = {**settings.INTEGRATIONS, system: {"mode": "live", "base_url": base_url, **extra}}


@pytest.mark.django_db
def test_salesforce_timeouts_fail_the_run_with_a_reason_and_the_next_sync_loads_everything(
    settings, client_for, admin_user
):
    live(settings, "salesforce", SF_URL, domain="login")
    settings.SALESFORCE_RETRY_ATTEMPTS = 2
    credential_set(system="salesforce", key="access_token", value="token")
    api = client_for(admin_user)
    start = {"mode": "delta", "objects": ["districts"]}
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, SF_QUERY, body=TIMEOUT)
        response = api.post("/api/v1/integrations/salesforce/sync/", start, format="json")
        assert response.status_code == 202
        assert len(mock.calls) == 2  # retried, then given up
    run = SalesforceSyncRun.objects.get()
    assert run.status == "failed" and run.errors == [
        {"code": "TransientError", "message": "Salesforce unreachable: read timed out", "salesforce_id": ""}
    ]
    job = Job.objects.get(pk=response.json()["id"])
    assert job.result["objects"][0]["status"] == "failed"
    page = api.get("/volunteers/salesforce/").content.decode()
    assert "Failed" in page and "Salesforce unreachable: read timed out" in page

    server = SalesforceHttpFake(demo_dataset())

    def salesforce_is_back(request):
        status, body = server.handle(request.url)
        return status, {"Content-Type": "application/json"}, body

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, SF_QUERY, callback=salesforce_is_back)
        assert api.post("/api/v1/integrations/salesforce/sync/", start, format="json").status_code == 202
    again = SalesforceSyncRun.objects.latest("id")
    districts = [r for r in demo_dataset()["Account"] if r["Type"] == "School District"]
    # A failed first (full) run is followed by a full one: nothing it missed is skipped.
    assert (again.status, again.mode, again.created) == ("success", "full", len(districts))


CM_URL = "https://cm.test"


@pytest.mark.django_db
def test_crossmark_timeouts_fail_the_sync_with_a_reason_or_retry_it_later(settings, client, coordinator, monkeypatch):
    from scheduling.tasks import crossmark_sync_job

    live(settings, "crossmark", CM_URL)
    row = scheduling_settings_get()
    row.crossmark_username, row.crossmark_password = "store", "s3cret"
    row.save()
    client.force_login(coordinator)
    with responses.RequestsMock() as mock:
        mock.post(f"{CM_URL}/login/authenticate", json={"success": True}, headers={"Set-Cookie": "PHPSESSID=s1"})
        mock.get(f"{CM_URL}/planningextcontroller/getPlanningMplans", body=TIMEOUT)
        response = client.post("/scheduling/sync/")
        assert response.status_code == 302
        # Run by a worker (not eagerly), the same failure schedules a retry with a backoff.
        retry_job = Job.objects.create(kind="scheduling.crossmark_sync", params={})
        queued = []
        monkeypatch.setattr(crossmark_sync_job, "apply_async", lambda *args, **options: queued.append(options))
        crossmark_sync_job.push_request(id="redelivery-1", retries=0, is_eager=False, called_directly=False)
        try:
            with pytest.raises(Retry):
                crossmark_sync_job.run(job_id=str(retry_job.pk))
        finally:
            crossmark_sync_job.pop_request()
    assert len(queued) == 1 and queued[0]["countdown"] > 0
    retry_job.refresh_from_db()
    # Waiting for its retry the job is queued (the reaper watches running jobs only, by their lease).
    assert (retry_job.status, retry_job.heartbeat_at) == (Job.Status.QUEUED, None)
    assert retry_job.message == "Temporary failure, retrying: Crossmark unreachable: ReadTimeout"

    job = Job.objects.get(kind="scheduling.crossmark_sync", created_by=coordinator)
    assert (job.status, job.error) == (Job.Status.FAILED, "Crossmark unreachable: ReadTimeout")
    runs_failed = CrossmarkSyncRun.objects.filter(status=CrossmarkSyncRun.Status.FAILED)
    assert [r.error for r in runs_failed] == ["Crossmark unreachable: ReadTimeout"] * 2
    page = client.get(response["Location"]).content.decode()
    assert "Crossmark unreachable: ReadTimeout" in page


TWILIO_MESSAGES = "https://twilio.test/2010-04-01/Accounts/ACtest/Messages.json"


@pytest.fixture
def live_twilio(settings, monkeypatch):
    live(settings, "twilio", "https://twilio.test")
    for key, value in {"ACCOUNT_SID": "ACtest", "AUTH_TOKEN": "secret", "FROM_NUMBER": "+13125550000"}.items():
        monkeypatch.setenv(f"TWILIO_{key}", value)


def outbox_row(key: str) -> SmsMessage:
    member = MemberFactory(team=TeamFactory(name=f"Team {key}"), phone="+13125550100")
    row, _ = paging.message_queue(
        team=member.team,
        purpose=SmsMessage.Purpose.MANUAL,
        key=key,
        phone=member.phone,
        name=member.name,
        body="Ops check",
        member=member,
        enqueue=False,
    )
    return row


@pytest.mark.error_log_expected("oncall.paging")
@pytest.mark.django_db
def test_twilio_timeouts_keep_the_sms_pending_then_send_it_once_or_fail_it_loudly(
    live_twilio, settings, client, staff_user, monkeypatch
):
    monkeypatch.setattr("integrations.base.random.uniform", lambda low, high: high)  # no jitter: a real backoff
    row = outbox_row("manual:timeout")
    client.force_login(staff_user)
    with responses.RequestsMock() as mock:
        mock.post(TWILIO_MESSAGES, body=TIMEOUT)
        assert oncall_tasks.sms_send(row.pk) == "pending"
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 1) and row.next_attempt_at > timezone.now()
        assert row.error_message == "Twilio unreachable: read timed out"
        page = client.get(f"/oncall/notifications/?team={row.team_id}").content.decode()
        assert "Twilio unreachable: read timed out" in page

        mock.replace(responses.POST, TWILIO_MESSAGES, json={"sid": "SM1", "status": "queued"}, status=201)
        assert oncall_tasks.outbox_dispatch() == {"sent": 0, "stale": 0}  # not due before its backoff
        SmsMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert oncall_tasks.outbox_dispatch() == {"sent": 1, "stale": 0}
        assert oncall_tasks.outbox_dispatch() == {"sent": 0, "stale": 0}
        assert oncall_tasks.sms_send(row.pk) == "sent"  # a duplicated task message sends nothing
        assert len(mock.calls) == 2
    row.refresh_from_db()
    assert (row.status, row.provider_sid, row.error_message) == ("sent", "SM1", "")

    # When the retries are used up the message fails loudly: administrators are told.
    settings.ONCALL_SMS_MAX_ATTEMPTS, settings.ADMINS = 1, [("Admin", "admin@example.org")]
    last = outbox_row("manual:gives-up")
    with responses.RequestsMock() as mock:
        mock.post(TWILIO_MESSAGES, body=TIMEOUT)
        assert oncall_tasks.sms_send(last.pk) == "failed"
    last.refresh_from_db()
    assert (last.status, last.escalated, last.error_message) == ("failed", True, "Twilio unreachable: read timed out")
    alerts = list(EmailMessage.objects.filter(purpose="admin_alert"))  # through the e-mail outbox, once
    assert [alert.to_email for alert in alerts] == ["admin@example.org"]
    assert "page failed" in alerts[0].subject and "Twilio unreachable: read timed out" in alerts[0].body_text


# =========================================================================== workers killed mid-task
def test_tasks_of_a_lost_worker_are_delivered_again():
    """acks_late + reject_on_worker_lost: a task whose worker died is re-run, so each must be idempotent
    (the tests below kill one mid-run and run it again)."""
    conf = celery_app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    celery_app.loader.import_default_modules()
    ours = [
        task
        for name, task in celery_app.tasks.items()
        if name.split(".")[0] in {"project", "volunteers", "scheduling", "oncall", "expenses"}
    ]
    assert len(ours) >= 10
    assert [task.name for task in ours if not task.acks_late] == []


class DyingGateway:
    """Twilio accepts the message, then the worker is killed before it records the result."""

    def __init__(self):
        self.sent = []

    def send_sms(self, *, to, body, status_callback=None):
        self.sent.append(to)
        raise WorkerKilled


@pytest.mark.django_db
def test_sms_killed_mid_send_is_never_sent_twice(monkeypatch, settings):
    settings.ADMINS = [("Admin", "admin@example.org")]
    gateway = DyingGateway()
    monkeypatch.setattr(paging, "sms_gateway", lambda: gateway)
    row = outbox_row("manual:killed")
    with pytest.raises(WorkerKilled):
        oncall_tasks.sms_send(row.pk)
    assert oncall_tasks.sms_send(row.pk) == "sending"  # the redelivered task finds the claim
    assert oncall_tasks.outbox_dispatch() == {"sent": 0, "stale": 0}
    # Later the dispatcher gives the row up as "outcome unknown" (and says so) rather than resend it.
    assert paging.outbox_release_stale(now=timezone.now() + STALE_CLAIM + timedelta(minutes=1)) == 1
    row.refresh_from_db()
    assert (row.status, row.error_message) == ("failed", "Outcome unknown: the worker stopped while sending.")
    assert gateway.sent == ["+13125550100"]
    assert EmailMessage.objects.filter(purpose="admin_alert").count() == 1


class DyingCrossmark(FakeCrossmarkClient):
    """Crossmark accepts posting number `die_after`, then the worker is killed before the local commit."""

    def __init__(self, die_after: int):
        super().__init__(events=[])
        self.die_after = die_after

    def schedule_event(self, **kwargs) -> str:
        schedule_id = super().schedule_event(**kwargs)
        if len(self.scheduled) == self.die_after:
            raise WorkerKilled
        return schedule_id


@pytest.mark.django_db
def test_crossmark_approval_killed_mid_submission_posts_nothing_twice(monkeypatch, coordinator):
    from scheduling.tasks import auto_schedule_approve_job

    EmployeeFactory(name="Club", job_title=JobTitle.CLUB_SUPERVISOR)
    EmployeeFactory(name="Lead", job_title=JobTitle.LEAD_EVENT_SPECIALIST)
    today = timezone.localdate()
    for event_type in (EventType.CORE, EventType.SUPERVISOR):
        EventFactory(
            event_type=event_type,
            event_number="606001",
            start_at=local(today, 0, 0),
            due_at=local(today + timedelta(days=3), 0, 0),
        )
    run = runs.run_execute(run=runs.run_create())
    assert run.proposed == 2
    crossmark = DyingCrossmark(die_after=2)  # the Supervisor row, submitted after its Core
    monkeypatch.setattr(runs.services.clients, "crossmark_for_user", lambda user: crossmark)
    job = Job.objects.create(
        kind="scheduling.auto_schedule_approve",
        created_by=coordinator,
        params={"run_id": run.pk, "user_id": coordinator.pk},
    )

    with pytest.raises(WorkerKilled):
        auto_schedule_approve_job(job_id=str(job.pk))
    auto_schedule_approve_job(job_id=str(job.pk))  # delivered again at once: the lease is live, nothing runs
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    # Redelivered after the lease lapsed (Redis's visibility timeout, or the reaper re-queuing it).
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    auto_schedule_approve_job(job_id=str(job.pk))

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)
    posted_in_crossmark = sorted(p["mplan_id"] for p in crossmark.scheduled.values())
    assert len(posted_in_crossmark) == len(set(posted_in_crossmark)) == 2  # each event posted once
    rows = {p.event.event_type: p for p in run.proposals.select_related("event")}
    assert rows[EventType.CORE].status == "submitted"
    supervisor = rows[EventType.SUPERVISOR]
    # Whether Crossmark took the interrupted row is unknown here: it is failed with the reason, not resent.
    assert (supervisor.status, supervisor.submit_error) == ("submit_failed", runs.UNKNOWN_OUTCOME)
    assert Schedule.objects.count() == 1

    # A retry before a Crossmark sync has looked again is refused: it could post the row twice.
    runs.run_approve(run=run, user=coordinator, retry_only=True)
    supervisor.refresh_from_db()
    assert (supervisor.status, supervisor.submit_error) == ("submit_failed", runs.UNKNOWN_OUTCOME)
    assert len(crossmark.scheduled) == 2
    # The sync shows Crossmark did take the row; the retry now refuses it as posted, still posting nothing.
    CrossmarkSyncRun.objects.create(kind=CrossmarkSyncRun.Kind.EVENTS, status=CrossmarkSyncRun.Status.SUCCEEDED)
    Schedule.objects.create(event=supervisor.event, employee=supervisor.employee, start_at=supervisor.start_at)
    runs.run_approve(run=run, user=coordinator, retry_only=True)
    supervisor.refresh_from_db()
    assert (supervisor.status, supervisor.submit_error) == ("submit_failed", "The event was posted since the run.")
    assert len(crossmark.scheduled) == 2


@pytest.mark.django_db
def test_expense_import_killed_mid_apply_writes_nothing_and_applies_once(monkeypatch, staff_user):
    data = b"date,restaurant,amount\n2025-01-01,Alpha,5\n2025-01-02,Beta,7\n2025-01-03,Gamma,9\n"
    draft = expense_services.import_draft_create(user=staff_user, filename="bank.csv", data=data)
    real_insert, seen = expense_services.insert_rows, []

    def dying_insert(model, rows):
        # The apply is set-based: the expenses are already inserted when their history rows are.
        seen.append(Expense.objects.count())
        raise WorkerKilled

    monkeypatch.setattr(expense_services.imports, "insert_rows", dying_insert)
    with pytest.raises(WorkerKilled):
        expense_services.import_draft_apply(user=staff_user, draft=draft)
    assert seen == [3]  # killed after the expenses were written, inside the apply's transaction
    assert Expense.objects.count() == 0 and ImportDraft.objects.get().status != ImportDraft.Status.APPLIED
    monkeypatch.setattr(expense_services.imports, "insert_rows", real_insert)

    first = expense_services.import_draft_apply(user=staff_user, draft=draft)
    again = expense_services.import_draft_apply(user=staff_user, draft=draft)
    assert (first["imported"], first["already_applied"]) == (3, False)
    assert (again["imported"], again["already_applied"]) == (3, True)
    assert sorted(Expense.objects.values_list("amount", flat=True)) == [5, 7, 9]
