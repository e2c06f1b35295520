"""Jobs: start → 202, progress reporting, idempotent re-runs, broker outage → clear 503."""

import pytest

from integrations.base import PermanentError, TransientError
from project import celery_app
from project.jobs import JobNotQueued, job_progress, job_start, job_task
from project.models import Job

pytestmark = pytest.mark.django_db

CALLS = []


@job_task(name="tests.count_to")
def count_to(job, n: int = 4):
    for i in range(1, n + 1):
        job_progress(job, i * 100 / n, f"step {i} of {n}")
        CALLS.append(("count", i))
    return {"counted": n}


@job_task(name="tests.explode")
def explode(job, kind: str = "permanent"):
    job_progress(job, 40, "halfway")
    if kind == "transient":
        raise TransientError("salesforce timed out", system="salesforce")
    raise PermanentError("malformed query", system="salesforce")


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def test_job_runs_and_reports_progress_and_result(staff_user):
    job = job_start(kind="tests.count", task=count_to, user=staff_user, params={"n": 4})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress, job.message, job.result) == (100, "step 4 of 4", {"counted": 4})
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.attempts == 1
    assert CALLS == [("count", 1), ("count", 2), ("count", 3), ("count", 4)]


def test_rerunning_a_finished_job_does_nothing(staff_user):
    job = job_start(kind="tests.count", task=count_to, user=staff_user, params={"n": 2})
    CALLS.clear()
    count_to.apply(kwargs={"job_id": str(job.pk)})  # a duplicate delivery (acks_late)
    assert CALLS == []
    job.refresh_from_db()
    assert job.attempts == 1


@pytest.mark.error_log_expected("project.jobs")
def test_failed_job_keeps_progress_and_error(staff_user):
    job = job_start(kind="tests.explode", task=explode, user=staff_user)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.progress == 40 and job.error == "malformed query" and job.finished_at


def test_transient_error_fails_after_retries_in_eager_mode(staff_user):
    job = job_start(kind="tests.explode", task=explode, user=staff_user, params={"kind": "transient"})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "timed out" in job.error


def test_api_shape_and_visibility(client_for, staff_user, staff_user2, admin_user):
    job = job_start(kind="tests.count", task=count_to, user=staff_user, params={"n": 1})
    body = client_for(staff_user).get(f"/api/v1/jobs/{job.pk}/").json()
    assert set(body) == {"id", "kind", "status", "progress", "message", "result", "error", "created_at", "finished_at"}
    assert body["status"] == "succeeded" and body["progress"] == 100 and body["result"] == {"counted": 1}
    assert client_for(staff_user2).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert client_for(admin_user).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    assert client_for(staff_user2).get("/api/v1/jobs/").json()["count"] == 0


def test_start_job_from_api_returns_202(client_for, admin_user):
    old = Job.objects.create(kind="old", status=Job.Status.SUCCEEDED)
    Job.objects.filter(pk=old.pk).update(finished_at="2000-01-01T00:00:00Z")
    response = client_for(admin_user).post(
        "/api/v1/jobs/", {"kind": "platform.purge_jobs", "params": {"older_than_days": 30}}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/jobs/{body['id']}/")
    assert body["kind"] == "platform.purge_jobs"
    job = Job.objects.get(pk=body["id"])
    assert job.status == Job.Status.SUCCEEDED and job.result == {"deleted": 1}
    assert not Job.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize("role_fixture", ["staff_user", "coordinator", "viewer"])
def test_only_administrators_start_platform_jobs(client_for, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = client_for(user).post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, format="json")
    assert response.status_code == 403


@pytest.fixture
def broker_down():
    """Point Celery at a Redis port where nothing listens, and run tasks through the broker."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    _reset_connection_pools()
    yield
    conf.broker_url, conf.task_always_eager = saved
    _reset_connection_pools()


def _reset_connection_pools():
    celery_app.close()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.error_log_expected("project.jobs", "django.request")
def test_broker_outage_is_reported_not_500(client_for, admin_user, broker_down):
    response = client_for(admin_user).post("/api/v1/jobs/", {"kind": "platform.purge_jobs"}, format="json")
    assert response.status_code == 503
    assert "could not be queued" in response.json()["detail"]
    job = Job.objects.get(kind="platform.purge_jobs")
    assert job.status == Job.Status.FAILED and "could not be queued" in job.error


@pytest.mark.error_log_expected("project.jobs")
def test_job_start_raises_job_not_queued(staff_user, broker_down):
    with pytest.raises(JobNotQueued):
        job_start(kind="tests.count", task=count_to, user=staff_user)


def test_pages_keep_working_with_broker_down(client_for, staff_user, broker_down):
    client = client_for(staff_user)
    assert client.get("/").status_code == 200
    assert client.get("/jobs/").status_code == 200


def test_job_pages_show_progress_component(client, staff_user, staff_user2):
    job = Job.objects.create(kind="tests.count", created_by=staff_user, progress=40, message="working")
    client.force_login(staff_user)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    assert f'data-job-url="/api/v1/jobs/{job.pk}/"'.encode() in page.content
    assert b'<progress max="100" value="40"' in page.content and b"working" in page.content
    client.force_login(staff_user2)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_tasks_are_registered_under_their_names():
    assert "tests.count_to" in celery_app.tasks and "project.tasks.beat_heartbeat" in celery_app.tasks
