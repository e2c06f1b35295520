"""Jobs never stuck: a lease on the row, renewed while a worker runs the job; the reaper re-queues a
job whose worker died once, then fails it with "safe to retry"; a redelivered message never runs a
job twice at the same time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from project import celery_app
from project.jobs import WORKER_LOST_ERROR, WORKER_LOST_REQUEUED, _job_claim, job_start, jobs_reap_stale
from project.models import Job
from project.periodic import registry
from tests.project import worker_tasks
from tests.quality.own_redis import own_redis_serving

ROOT = Path(__file__).resolve().parents[2]


def running_job(*, task=worker_tasks.hang, heartbeat_age: timedelta, requeues: int = 0, **extra) -> Job:
    now = timezone.now()
    return Job.objects.create(
        kind="tests.hang",
        task_name=task.name,
        status=Job.Status.RUNNING,
        started_at=now - heartbeat_age,
        heartbeat_at=now - heartbeat_age,
        attempts=1,
        requeues=requeues,
        params={"hang_attempts": 0},
        **extra,
    )


# =========================================================================== the reaper, in process
@pytest.mark.django_db
def test_a_job_with_a_live_lease_is_left_alone(settings):
    job = running_job(heartbeat_age=timedelta(seconds=settings.JOB_LEASE_SECONDS - 5))
    assert jobs_reap_stale() == {"requeued": 0, "failed": 0}
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_lapsed_lease_is_requeued_once_and_the_job_then_finishes(settings):
    job = running_job(heartbeat_age=timedelta(seconds=settings.JOB_LEASE_SECONDS + 5))
    celery_app.conf.task_always_eager = False  # see the row between the reaper and the worker
    sent = []
    original = worker_tasks.hang.apply_async
    worker_tasks.hang.apply_async = lambda **kwargs: sent.append(kwargs)
    try:
        assert jobs_reap_stale() == {"requeued": 1, "failed": 0}
    finally:
        worker_tasks.hang.apply_async = original
        celery_app.conf.task_always_eager = True
    assert sent == [{"kwargs": {"job_id": str(job.pk)}, "retry": False}]
    job.refresh_from_db()
    assert (job.status, job.requeues, job.message, job.heartbeat_at) == ("queued", 1, WORKER_LOST_REQUEUED, None)
    assert jobs_reap_stale() == {"requeued": 0, "failed": 0}  # a queued job is not the reaper's

    worker_tasks.hang.apply(kwargs={"job_id": str(job.pk)})  # the worker that picks it up
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result, job.progress) == ("succeeded", 2, {"attempt": 2}, 100)


@pytest.mark.django_db
def test_a_second_loss_fails_the_job_saying_a_retry_is_safe(settings):
    job = running_job(heartbeat_age=timedelta(seconds=settings.JOB_LEASE_SECONDS + 5), requeues=1, progress=15)
    assert jobs_reap_stale() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert (job.status, job.error, job.progress) == ("failed", WORKER_LOST_ERROR, 15)
    assert job.finished_at is not None
    assert "safe to retry" in WORKER_LOST_ERROR


@pytest.mark.django_db
def test_a_task_that_must_not_rerun_is_failed_at_once(settings):
    job = running_job(task=worker_tasks.hang_once_only, heartbeat_age=timedelta(seconds=settings.JOB_LEASE_SECONDS + 1))
    assert jobs_reap_stale() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", WORKER_LOST_ERROR)


@pytest.mark.django_db
def test_a_job_whose_task_is_unknown_is_failed_not_requeued(settings):
    job = running_job(heartbeat_age=timedelta(hours=1))
    Job.objects.filter(pk=job.pk).update(task_name="")
    assert jobs_reap_stale() == {"requeued": 0, "failed": 1}


@pytest.mark.django_db
def test_a_running_job_that_never_beat_is_judged_by_its_start(settings):
    job = running_job(heartbeat_age=timedelta(minutes=10))
    Job.objects.filter(pk=job.pk).update(heartbeat_at=None)
    assert jobs_reap_stale(now=timezone.now() - timedelta(minutes=9)) == {"requeued": 0, "failed": 0}
    assert jobs_reap_stale()["requeued"] == 1


@pytest.mark.django_db
def test_a_redelivered_message_does_nothing_while_the_lease_is_live(settings):
    live = running_job(heartbeat_age=timedelta(seconds=5))
    assert _job_claim(str(live.pk)) is None
    live.refresh_from_db()
    assert live.attempts == 1
    lapsed = running_job(heartbeat_age=timedelta(seconds=settings.JOB_LEASE_SECONDS + 1))
    claimed = _job_claim(str(lapsed.pk))
    assert (claimed.status, claimed.attempts) == ("running", 2)


@pytest.mark.django_db
def test_progress_renews_the_lease_and_job_start_records_where_to_send_it(staff_user):
    job = job_start(kind="tests.hang", task=worker_tasks.hang.name, user=staff_user, params={"hang_attempts": 0})
    job.refresh_from_db()
    assert (job.task_name, job.queue, job.status, job.attempts) == ("tests.worker.hang", "", "succeeded", 1)
    assert job.heartbeat_at is not None


def test_the_reaper_runs_every_minute_and_celery_is_set_for_lost_workers(settings):
    spec = next(s for s in registry() if s.task == "project.tasks.reap_stale_jobs")
    assert spec.every_seconds == 60
    conf = celery_app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    # Redis gives an unacknowledged message to another worker only after the longest task may end.
    assert settings.REDIS_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.JOB_HEARTBEAT_SECONDS * 3 <= settings.JOB_LEASE_SECONDS <= 300


# =========================================================================== a real worker killed
def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery worker` in its own process group, on this test's database and Redis."""

    def __init__(self, broker_url: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
        env.update(
            CREWBASE_ENV_FILE=os.devnull,
            DEBUG="true",
            DATABASE_URL=_database_url(),
            REDIS_URL=broker_url,
            JOB_HEARTBEAT_SECONDS="1",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "project", "worker", "-I", "tests.project.worker_tasks",
             "--pool", "prefork", "--concurrency", "1", "-Q", "default", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the worker and its pool child, as the OOM killer would
        self.process.wait(timeout=10)


def wait_for(predicate, *, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker(settings):
    yield from own_redis_serving(settings)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killing_a_real_worker_mid_job_requeues_it_once_then_fails_it(broker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a worker process shares the test database")
    job = job_start(kind="tests.hang", task=worker_tasks.hang, params={"hang_attempts": 2})
    assert broker.client().llen("default") == 1
    workers = []
    try:
        for attempt in (1, 2):
            workers.append(Worker(broker.url))
            running = wait_for(
                lambda attempt=attempt: Job.objects.filter(pk=job.pk, attempts=attempt, message="2/124 rows").first(),
                what=f"attempt {attempt} to run",
            )
            beat = running.heartbeat_at
            wait_for(lambda beat=beat: Job.objects.get(pk=job.pk).heartbeat_at > beat, what="the lease to be renewed")
            workers[-1].kill()
            job.refresh_from_db()
            assert (job.status, job.progress) == ("running", 15)  # stuck, until the reaper looks
            assert jobs_reap_stale() == {"requeued": 0, "failed": 0}  # the lease has not lapsed yet
            later = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
            expected = {"requeued": 1, "failed": 0} if attempt == 1 else {"requeued": 0, "failed": 1}
            assert jobs_reap_stale(now=later) == expected
        job.refresh_from_db()
        assert (job.status, job.error, job.attempts, job.requeues) == ("failed", WORKER_LOST_ERROR, 2, 1)
        # The killed deliveries stay unacknowledged in Redis until visibility_timeout; nothing else waits.
        assert broker.client().llen("default") == 0
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.kill()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_requeued_after_its_worker_died_is_finished_by_another_worker(broker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a worker process shares the test database")
    job = job_start(kind="tests.hang", task=worker_tasks.hang, params={"hang_attempts": 1})
    first = Worker(broker.url)
    second = None
    try:
        wait_for(lambda: Job.objects.filter(pk=job.pk, message="2/124 rows").exists(), what="the job to run")
        first.kill()
        later = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
        assert jobs_reap_stale(now=later) == {"requeued": 1, "failed": 0}
        second = Worker(broker.url)
        finished = wait_for(lambda: Job.objects.filter(pk=job.pk, status="succeeded").first(), what="the re-run")
        assert (finished.attempts, finished.requeues, finished.result, finished.progress) == (2, 1, {"attempt": 2}, 100)
    finally:
        for worker in (first, second):
            if worker is not None and worker.process.poll() is None:
                worker.kill()
