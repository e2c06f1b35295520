import io

import pytest

from scheduling import demo
from scheduling.models import Employee, Event, EventType, RotationAssignment, Schedule, SchedulerRun, TimeOff

pytestmark = pytest.mark.django_db


def counts():
    return (
        Employee.objects.count(),
        Event.objects.count(),
        Schedule.objects.count(),
        TimeOff.objects.count(),
        RotationAssignment.objects.count(),
        Event.history.count(),
        Schedule.history.count(),
        SchedulerRun.objects.count(),
    )


def test_demo_is_realistic_and_idempotent():
    demo.load(stdout=io.StringIO())
    first = counts()
    assert first[0] == 12 and first[1] >= 60 and first[2] >= 10 and first[3] == 3 and first[4] == 14
    assert set(Event.objects.values_list("event_type", flat=True)) == set(EventType.values)
    assert Schedule.objects.filter(event__event_type="supervisor").exists()
    run = SchedulerRun.objects.get()
    assert run.status == "ready" and run.proposed > 10 and run.candidates == run.proposed + run.failed
    demo.load(stdout=io.StringIO())
    assert counts() == first
