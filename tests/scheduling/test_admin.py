"""Admin: every scheduling changelist loads for a coordinator with bounded queries."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduling.models import Attendance, SyncRun, TimeOff

from .factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() + timedelta(days=5)
MODELS = [
    "employee",
    "event",
    "schedule",
    "timeoff",
    "dateavailability",
    "weeklyavailability",
    "rotationassignment",
    "rotationexception",
    "companyholiday",
    "attendance",
    "schedulingsettings",
    "crossmarkaccount",
    "syncrun",
    "edrreport",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelists(model, coordinator, django_assert_max_num_queries):
    for i in range(10):
        employee = EmployeeFactory()
        ScheduleFactory(employee=employee, event=EventFactory(day=DAY), start_at=local(DAY))
        TimeOff.objects.create(
            employee=employee, start_date=DAY + timedelta(days=i * 3), end_date=DAY + timedelta(days=i * 3)
        )
        Attendance.objects.create(employee=employee, date=DAY, status="on_time")
        SyncRun.objects.create()
    client = Client()
    client.force_login(coordinator)
    with django_assert_max_num_queries(20):
        response = client.get(f"/admin/scheduling/{model}/")
    assert response.status_code == 200


def test_admin_time_off_refuses_overlap(coordinator):
    employee = EmployeeFactory()
    TimeOff.objects.create(employee=employee, start_date=DAY, end_date=DAY + timedelta(days=2))
    client = Client()
    client.force_login(coordinator)
    response = client.post(
        "/admin/scheduling/timeoff/add/",
        {
            "employee": employee.pk,
            "start_date": (DAY + timedelta(days=1)).isoformat(),
            "end_date": (DAY + timedelta(days=4)).isoformat(),
            "reason": "",
        },
    )
    assert response.status_code == 200 and "Overlaps time off" in response.content.decode()


def test_schedules_cannot_be_edited_by_hand_in_the_admin(coordinator):
    schedule = ScheduleFactory()
    client = Client()
    client.force_login(coordinator)
    assert client.get("/admin/scheduling/schedule/add/").status_code == 403
    response = client.post(f"/admin/scheduling/schedule/{schedule.pk}/change/", {"start_at": "2030-01-01"})
    assert response.status_code == 403
