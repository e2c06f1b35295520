"""The scheduling list pages read in a fixed number of queries: ten more employees with their
posted events add rows, not queries (workload, week, employees)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling import reports
from scheduling.models import WeeklyAvailability
from tests.scheduling.factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db

MONDAY = reports.week_start(timezone.localdate()) + timedelta(days=14)
PAGES = [f"/scheduling/workload/?week={MONDAY}", f"/scheduling/week/{MONDAY}/", "/scheduling/employees/"]


def staff_week(count: int) -> None:
    """`count` employees available on weekdays, each posted on two days of the week."""
    weekdays = {d: d not in ("saturday", "sunday") for d in WeeklyAvailability.DAYS}
    for _ in range(count):
        employee = EmployeeFactory()
        WeeklyAvailability.objects.create(employee=employee, **weekdays)
        for offset in (0, 2):
            day = MONDAY + timedelta(days=offset)
            ScheduleFactory(employee=employee, event=EventFactory(day=day), start_at=local(day, 9, 45))


def queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_rows_add_no_queries(url, coordinator):
    client = Client()
    client.force_login(coordinator)
    staff_week(2)
    client.get(url)  # the first request also creates the settings row and fills per-process caches
    few, _ = queries(client, url)
    staff_week(10)
    many, html = queries(client, url)
    assert many == few, url
    assert html.count('href="/scheduling/employees/') >= 12  # every employee's row links to them
