"""Periodic work is never skipped silently: a tick missed during an outage (broker down, beat down,
every worker down) is sent once on recovery, not once per missed tick, and never twice when two
checks run at the same time."""

from __future__ import annotations

import logging
import threading
import zoneinfo
from datetime import datetime, timedelta
from io import StringIO

import pytest
from celery.signals import after_task_publish
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from project import catchup
from project import tasks as platform_tasks  # noqa: F401 - registers the tasks run eagerly here
from project.beat import IDLE_TICK_SECONDS, BeatLock, CatchUpMixin, SingleBeatMixin
from project.catchup import periodic_catch_up, periodic_catch_up_claim, periodic_overdue
from project.models import PeriodicTaskStatus
from project.periodic import CRONTAB_EXPIRE_SECONDS, periodic_tasks_setup, registry

pytestmark = pytest.mark.django_db

DAILY = "Purge old jobs"  # the platform's own daily task (03:30): cheap to run for real


def last_ran(name: str, *, ago: timedelta, enqueued_ago: timedelta | None = None) -> PeriodicTaskStatus:
    """The task last ran (and succeeded) `ago`; it was registered long before that."""
    now = timezone.now()
    PeriodicTaskStatus.objects.filter(name=name).update(
        registered_at=now - timedelta(days=30),
        last_enqueued_at=now - (enqueued_ago if enqueued_ago is not None else ago),
        last_started_at=now - ago,
        last_success_at=now - ago,
        runs=5,
    )
    return PeriodicTaskStatus.objects.get(name=name)


@pytest.fixture
def set_up():
    periodic_tasks_setup()


def test_a_fresh_install_has_nothing_overdue(set_up):
    assert periodic_overdue() == []
    assert periodic_catch_up() == []


def test_a_missed_daily_tick_runs_exactly_once_on_recovery(set_up, caplog):
    # The broker was down at the last 03:30 tick: beat could not send it, nothing ran since.
    last_ran(DAILY, ago=timedelta(hours=25))
    caplog.set_level(logging.WARNING, logger="project.catchup")

    assert [item.name for item in periodic_overdue()] == [DAILY]
    assert periodic_catch_up() == [DAILY]  # tests run tasks eagerly: this is the run
    status = PeriodicTaskStatus.objects.get(name=DAILY)
    assert status.runs == 6 and status.last_catch_up_at is not None
    assert timezone.now() - status.last_success_at < timedelta(minutes=1)
    logged = [r.getMessage() for r in caplog.records if r.name == "project.catchup"]
    assert len(logged) == 1 and logged[0].startswith(f"periodic catch-up: {DAILY!r} missed its ")

    # Later checks (beat runs one every minute) find nothing more to do.
    assert periodic_catch_up() == [] and periodic_catch_up() == []
    assert PeriodicTaskStatus.objects.get(name=DAILY).runs == 6


def test_three_missed_days_still_run_once(set_up):
    last_ran(DAILY, ago=timedelta(days=3, hours=1))
    assert periodic_catch_up() == [DAILY]
    assert periodic_catch_up() == []
    assert PeriodicTaskStatus.objects.get(name=DAILY).runs == 6


def test_two_checks_at_the_same_time_send_it_once(set_up):
    last_ran(DAILY, ago=timedelta(hours=25))
    # Both checks read the rows before either claims (two beats cannot, but a manual check can).
    first, second = periodic_overdue(), periodic_overdue()
    assert [i.name for i in first] == [i.name for i in second] == [DAILY]
    now = timezone.now()
    assert [periodic_catch_up_claim(first[0], now=now), periodic_catch_up_claim(second[0], now=now)] == [True, False]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_checks_in_two_threads_run_it_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises the two connections")
    periodic_tasks_setup()
    last_ran(DAILY, ago=timedelta(hours=25))
    start, results = threading.Barrier(2), []

    def check():
        start.wait()
        try:
            results.append(periodic_catch_up())
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [[], [DAILY]]
    assert PeriodicTaskStatus.objects.get(name=DAILY).runs == 6


def test_beat_sending_it_between_read_and_claim_wins(set_up):
    last_ran(DAILY, ago=timedelta(hours=25))
    (item,) = periodic_overdue()
    after_task_publish.send(sender="project.tasks.purge_old_jobs", headers={"periodic_task_name": DAILY}, body=())
    assert periodic_catch_up_claim(item, now=timezone.now()) is False


def test_a_message_on_its_way_is_not_doubled_until_it_expires(set_up, monkeypatch):
    # 15:00 in the project's time zone: the daily 03:30 tick came before the send "5 hours ago"
    # (at another hour of the day that send could predate the latest tick, which is then missed).
    pinned = datetime(2026, 3, 10, 15, 0, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    monkeypatch.setattr(timezone, "now", lambda: pinned)
    # Beat sent the tick 5 hours ago but every worker is down: the message waits in the queue.
    last_ran(DAILY, ago=timedelta(hours=30), enqueued_ago=timedelta(hours=5))
    assert periodic_overdue() == []
    # Past its expiry the worker throws it away on recovery: the catch-up sends it once.
    last_ran(DAILY, ago=timedelta(hours=30), enqueued_ago=timedelta(seconds=CRONTAB_EXPIRE_SECONDS + 60))
    assert periodic_catch_up() == [DAILY]
    assert periodic_catch_up() == []


def test_interval_tasks_are_caught_up_once_too(set_up):
    name = "Reap stuck jobs"  # every 60 s
    last_ran(name, ago=timedelta(hours=2))
    assert periodic_catch_up() == [name]
    assert periodic_catch_up() == []
    # A tick just due is beat's to send, not the catch-up's (grace).
    last_ran(name, ago=timedelta(seconds=90))
    assert periodic_overdue() == []


def test_a_disabled_task_is_not_caught_up(set_up):
    last_ran(DAILY, ago=timedelta(hours=25))
    PeriodicTask.objects.filter(name=DAILY).update(enabled=False)
    assert periodic_catch_up() == []


def test_broker_still_down_gives_the_claim_back(set_up, monkeypatch, caplog):
    status = last_ran(DAILY, ago=timedelta(hours=25))

    def broker_down(item):
        raise ConnectionError("redis down")

    monkeypatch.setattr(catchup, "_send", broker_down)
    caplog.set_level(logging.WARNING, logger="project.catchup")
    assert periodic_catch_up() == []
    assert PeriodicTaskStatus.objects.get(name=DAILY).last_enqueued_at == status.last_enqueued_at
    assert "could not send" in caplog.text
    monkeypatch.undo()
    assert periodic_catch_up() == [DAILY]


def test_published_periodic_messages_are_recorded(set_up):
    after_task_publish.send(sender="project.tasks.beat_heartbeat", headers={"periodic_task_name": "Beat heartbeat"})
    assert PeriodicTaskStatus.objects.get(name="Beat heartbeat").last_enqueued_at is not None
    after_task_publish.send(sender="project.tasks.purge_jobs_job", headers={})  # not periodic: ignored


def test_periodic_messages_expire_so_piled_up_ticks_do_not_each_run(set_up):
    for spec in registry():
        task = PeriodicTask.objects.get(name=spec.name)
        expected = spec.every_seconds or CRONTAB_EXPIRE_SECONDS
        assert task.expire_seconds == expected, spec.name
        assert ModelEntry(task).options["expires"] == expected
    # Rows set up before messages expired get an expiry on the next setup.
    PeriodicTask.objects.filter(name=DAILY).update(expire_seconds=None)
    assert periodic_tasks_setup()["updated"] == 1
    assert PeriodicTask.objects.get(name=DAILY).expire_seconds == CRONTAB_EXPIRE_SECONDS


def test_the_management_command(set_up):
    last_ran(DAILY, ago=timedelta(hours=25))
    out = StringIO()
    call_command("periodic_catch_up", stdout=out)
    assert out.getvalue().splitlines() == [f"sent: {DAILY}", "1 overdue periodic task(s) sent."]


# =========================================================================== inside beat
class CountingScheduler:
    def __init__(self, delays):
        self.delays, self.ticks = list(delays), 0

    def tick(self):
        self.ticks += 1
        return self.delays.pop(0)

    def close(self):
        pass


class Beat(SingleBeatMixin, CatchUpMixin, CountingScheduler):
    def __init__(self, cache, delays):
        self.beat_lock = BeatLock(cache=cache, ttl=60)
        self.checks = 0
        super().__init__(delays)

    def catch_up(self):
        self.checks += 1
        return []


def test_beat_checks_after_sending_what_was_due_then_once_a_minute(monkeypatch):
    cache = LocMemCache("catch-up-tests", {})
    clock = [1000.0]
    monkeypatch.setattr("project.beat.time.monotonic", lambda: clock[0])
    beat = Beat(cache, delays=[0, 0, 5.0, 5.0, 5.0])
    assert [beat.tick(), beat.tick()] == [0, 0]  # sending the tasks due at start: no check yet
    assert beat.checks == 0
    assert beat.tick() == 5.0 and beat.checks == 1  # nothing more due: check
    clock[0] += 30
    beat.tick()
    assert beat.checks == 1
    clock[0] += 31
    beat.tick()
    assert beat.checks == 2


def test_a_second_beat_does_not_catch_up_either():
    cache = LocMemCache("catch-up-tests-2", {})
    cache.clear()
    first, second = Beat(cache, delays=[5.0]), Beat(cache, delays=[5.0])
    assert first.tick() == 5.0 and first.checks == 1
    assert second.tick() == IDLE_TICK_SECONDS and (second.ticks, second.checks) == (0, 0)


def test_a_failing_check_does_not_stop_beat(caplog):
    class Failing(Beat):
        def catch_up(self):
            raise RuntimeError("database down")

    cache = LocMemCache("catch-up-tests-3", {})
    cache.clear()
    caplog.set_level(logging.WARNING, logger="project.beat")
    assert Failing(cache, delays=[5.0]).tick() == 5.0
    assert "periodic catch-up failed" in caplog.text
