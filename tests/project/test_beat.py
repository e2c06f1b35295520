"""One beat at a time: a second beat process stays idle (sends nothing, warns once a minute) until
the first stops or dies, then takes over."""

import logging
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache

from project import celery_app
from project.beat import IDLE_TICK_SECONDS, LOCK_KEY, BeatLock, SingleBeatMixin, SingleDatabaseScheduler


class CountingScheduler:
    """Stands in for celery.beat.Scheduler: counts the ticks that would send due tasks."""

    def __init__(self):
        self.ticks, self.closed = 0, False

    def tick(self):
        self.ticks += 1
        return 1.0

    def close(self):
        self.closed = True


class Guarded(SingleBeatMixin, CountingScheduler):
    def __init__(self, cache, ttl=60):
        self.beat_lock = BeatLock(cache=cache, ttl=ttl)
        super().__init__()


@pytest.fixture
def cache():
    shared = LocMemCache("beat-lock-tests", {})
    shared.clear()
    return shared


def test_a_second_beat_idles_with_a_warning_until_the_first_stops(cache, caplog):
    first, second = Guarded(cache), Guarded(cache)
    caplog.set_level(logging.WARNING, logger="project.beat")
    assert first.tick() == 1.0
    assert [second.tick(), second.tick()] == [IDLE_TICK_SECONDS, IDLE_TICK_SECONDS]
    assert first.tick() == 1.0
    assert (first.ticks, second.ticks) == (2, 0)  # the second beat sent nothing
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        f"Another beat ({first.beat_lock.token}) is running: this one stays idle and sends nothing until it stops."
    ]

    first.close()
    assert first.closed and cache.get(LOCK_KEY) is None
    assert second.tick() == 1.0 and second.ticks == 1
    assert first.tick() == IDLE_TICK_SECONDS  # a restarted first one now waits in turn


def test_a_dead_beats_lock_expires_and_the_other_takes_over(cache):
    first, second = Guarded(cache, ttl=1), Guarded(cache, ttl=1)
    assert first.tick() == 1.0
    assert second.tick() == IDLE_TICK_SECONDS
    time.sleep(1.2)  # the first one was killed: no tick renews its lock
    assert second.tick() == 1.0
    assert first.tick() == IDLE_TICK_SECONDS


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("redis down")

        return fail


def test_with_the_cache_down_beat_idles_instead_of_crashing():
    beat = Guarded(BrokenCache())
    assert beat.tick() == IDLE_TICK_SECONDS and beat.ticks == 0
    beat.close()
    assert beat.closed


@pytest.mark.django_db
def test_beat_is_configured_with_the_guarded_database_scheduler(settings):
    assert celery_app.conf.beat_scheduler == "project.beat:SingleDatabaseScheduler"
    scheduler = SingleDatabaseScheduler(app=celery_app, lazy=True)
    assert isinstance(scheduler.beat_lock, BeatLock) and scheduler.beat_lock.ttl == settings.BEAT_LOCK_TTL_SECONDS
