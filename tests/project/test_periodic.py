"""Periodic-task registry: upsert by name, admin edits survive, outcomes recorded."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from project import periodic
from project.models import PeriodicTaskStatus
from project.periodic import PeriodicSpec, periodic_tasks_setup, registry
from project.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


def test_registry_has_platform_tasks_and_unique_names():
    names = [spec.name for spec in registry()]
    assert "Beat heartbeat" in names and "Purge old jobs" in names
    assert len(names) == len(set(names))


def test_spec_needs_exactly_one_schedule():
    with pytest.raises(ValueError):
        PeriodicSpec(name="x", task="t")
    with pytest.raises(ValueError):
        PeriodicSpec(name="x", task="t", every_seconds=5, crontab={"minute": "0"})


def test_setup_creates_then_preserves_admin_edits():
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    total = len(registry())
    assert f"{total} created" in out.getvalue()
    heartbeat = PeriodicTask.objects.get(name="Beat heartbeat")
    assert heartbeat.task == "project.tasks.beat_heartbeat" and heartbeat.interval.every == 60
    # A coordinator pauses it and changes the interval in the admin.
    heartbeat.enabled = False
    heartbeat.interval = IntervalSchedule.objects.create(every=300, period=IntervalSchedule.SECONDS)
    heartbeat.save()
    counts = periodic_tasks_setup()
    assert counts == {"created": 0, "updated": 0, "disabled": 0}
    heartbeat.refresh_from_db()
    assert heartbeat.enabled is False and heartbeat.interval.every == 300
    assert PeriodicTask.objects.filter(name="Beat heartbeat").count() == 1


def test_tasks_leaving_the_registry_are_disabled_not_deleted(monkeypatch):
    periodic_tasks_setup()
    original = registry()
    monkeypatch.setattr(periodic, "registry", lambda: [s for s in original if s.name != "Purge old jobs"])
    counts = periodic_tasks_setup()
    assert counts["disabled"] == 1
    assert PeriodicTask.objects.get(name="Purge old jobs").enabled is False


def test_code_rename_of_task_path_is_followed(monkeypatch):
    periodic_tasks_setup()
    original = registry()
    renamed = [
        PeriodicSpec(name=s.name, task="project.tasks.purge_old_jobs_v2", crontab=s.crontab, description=s.description)
        if s.name == "Purge old jobs"
        else s
        for s in original
    ]
    monkeypatch.setattr(periodic, "registry", lambda: renamed)
    assert periodic_tasks_setup()["updated"] == 1
    assert PeriodicTask.objects.get(name="Purge old jobs").task == "project.tasks.purge_old_jobs_v2"


def test_running_a_periodic_task_records_success():
    periodic_tasks_setup()
    beat_heartbeat.apply()
    status = PeriodicTaskStatus.objects.get(name="Beat heartbeat")
    assert status.last_success_at is not None and status.runs == 1 and status.last_started_at is not None


def test_beat_start_sends_a_first_heartbeat_at_once():
    from celery.signals import beat_init

    periodic_tasks_setup()
    beat_init.send(sender=None)  # tests run tasks eagerly, as the worker would on delivery
    assert PeriodicTaskStatus.objects.get(name="Beat heartbeat").runs == 1


@pytest.mark.error_log_expected("celery.app.trace")
def test_failure_is_recorded(monkeypatch):
    periodic_tasks_setup()

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(beat_heartbeat, "run", broken)
    beat_heartbeat.apply(throw=False)
    status = PeriodicTaskStatus.objects.get(name="Beat heartbeat")
    assert status.last_success_at is None and "disk full" in status.last_error and status.last_failure_at


def test_freshness_is_a_timedelta_on_sync_specs():
    spec = PeriodicSpec(name="Example sync", task="x.y", every_seconds=60, freshness=timedelta(hours=1))
    assert spec.freshness.total_seconds() == 3600
