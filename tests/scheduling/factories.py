from datetime import datetime, time, timedelta

import factory
from django.utils import timezone

from scheduling.models import Employee, Event, EventType, JobTitle, Schedule


def local(day, hh=9, mm=45):
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    name = factory.Sequence(lambda n: f"Employee {n}")
    job_title = JobTitle.EVENT_SPECIALIST
    crossmark_rep_id = factory.Sequence(lambda n: f"R{1000 + n}")
    crossmark_employee_id = factory.Sequence(lambda n: f"UX{100000 + n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    class Params:
        day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=5))

    mplan_id = factory.Sequence(lambda n: str(500000 + n))
    event_number = factory.Sequence(lambda n: str(700000 + n))
    name = factory.LazyAttribute(lambda o: f"{o.event_number}-{o.event_type.upper()}-Demo")
    event_type = EventType.CORE
    start_at = factory.LazyAttribute(lambda o: local(o.day - timedelta(days=2), 0, 0))
    due_at = factory.LazyAttribute(lambda o: local(o.day + timedelta(days=3), 0, 0))
    store_id = "8135"


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    event = factory.SubFactory(EventFactory)
    employee = factory.SubFactory(EmployeeFactory)
    start_at = factory.LazyAttribute(lambda o: local(timezone.localdate() + timedelta(days=5)))
    crossmark_schedule_id = factory.Sequence(lambda n: f"CM-{n}")
