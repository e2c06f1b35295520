"""Pages: who may see and change them, forms show validation errors, query counts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduling.models import Employee, JobTitle, Schedule, SyncRun, TimeOff

from .factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() + timedelta(days=5)


def browser(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def pages(day=DAY):
    employee = EmployeeFactory()
    schedule = ScheduleFactory(event=EventFactory(day=day), employee=employee, start_at=local(day))
    event = EventFactory(day=day)
    return [
        "/scheduling/",
        "/scheduling/calendar/",
        f"/scheduling/day/{day}/",
        "/scheduling/day/today/",
        "/scheduling/week/",
        f"/scheduling/week/{day}/",
        "/scheduling/unscheduled/",
        f"/scheduling/verify/{day}/",
        "/scheduling/employees/",
        f"/scheduling/employees/{employee.pk}/",
        "/scheduling/rotations/",
        "/scheduling/holidays/",
        "/scheduling/sync/",
        "/scheduling/paperwork/",
        f"/scheduling/events/{event.pk}/schedule/",
        f"/scheduling/schedules/{schedule.pk}/reschedule/",
        f"/scheduling/schedules/{schedule.pk}/swap/",
        "/scheduling/settings/",
    ]


@pytest.mark.parametrize("persona", ["Administrator", "Coordinator", "Staff", "Viewer", "anonymous"], indirect=True)
def test_page_access(persona, request):
    role = request.node.callspec.params["persona"]
    client = browser(persona)
    change_pages = ("/schedule/", "/reschedule/", "/swap/", "/settings/")
    for url in pages():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif role == "Viewer" or (role == "Staff" and url.endswith(change_pages)):
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, (url, response.status_code)


def test_assign_form_shows_validation_errors_and_posts(coordinator):
    client = browser(coordinator)
    event = EventFactory(day=DAY)
    club = EmployeeFactory(job_title=JobTitle.CLUB_SUPERVISOR, name="Maria Lopez")
    url = f"/scheduling/events/{event.pk}/schedule/"
    response = client.post(url, {"employee": club.pk, "date": DAY.isoformat(), "time": "09:45"})
    assert response.status_code == 200
    assert "cannot work a Core event" in response.content.decode()
    specialist = EmployeeFactory()
    response = client.post(
        url, {"employee": specialist.pk, "date": (DAY + timedelta(days=9)).isoformat(), "time": "09:45"}
    )
    assert "not before the due date" in response.content.decode()
    response = client.post(url, {"employee": specialist.pk, "date": DAY.isoformat(), "time": "09:45"})
    assert response.status_code == 302
    assert Schedule.objects.get().employee == specialist


def test_unschedule_button_and_staff_cannot_post(coordinator, staff_user):
    schedule = ScheduleFactory(event=EventFactory(day=DAY), start_at=local(DAY))
    assert browser(staff_user).post(f"/scheduling/schedules/{schedule.pk}/unschedule/").status_code == 403
    response = browser(coordinator).post(f"/scheduling/schedules/{schedule.pk}/unschedule/")
    assert response.status_code == 302 and not Schedule.objects.exists()


def test_time_off_form_errors(coordinator, staff_user):
    employee = EmployeeFactory()
    url = f"/scheduling/employees/{employee.pk}/"
    assert browser(staff_user).post(url, {"start_date": "2026-12-01", "end_date": "2026-12-02"}).status_code == 403
    client = browser(coordinator)
    assert client.post(url, {"start_date": "2026-12-01", "end_date": "2026-12-03"}).status_code == 302
    response = client.post(url, {"start_date": "2026-12-02", "end_date": "2026-12-05"})
    assert response.status_code == 200 and "Overlaps time off" in response.content.decode()
    assert TimeOff.objects.count() == 1


def test_sync_page_starts_a_job_and_shows_progress(coordinator):
    client = browser(coordinator)
    response = client.post("/scheduling/sync/")
    assert response.status_code == 302 and "?job=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "job-progress" in page and "Run log" in page
    assert SyncRun.objects.get().status == "succeeded"


def test_rotations_editor_saves(coordinator):
    juicer = EmployeeFactory(job_title=JobTitle.JUICER_BARISTA)
    response = browser(coordinator).post("/scheduling/rotations/", {"juicer_0": juicer.pk})
    assert response.status_code == 302
    assert juicer.rotations.get().weekday == 0


def test_pdf_pages(coordinator):
    ScheduleFactory(event=EventFactory(day=DAY, event_number="606001"), start_at=local(DAY))
    client = browser(coordinator)
    for url in (
        f"/scheduling/paperwork/daily/{DAY}.pdf",
        f"/scheduling/paperwork/weekly/{DAY}.pdf",
        f"/scheduling/employees/{Employee.objects.first().pk}/schedule.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


def test_edr_login_page_flow(coordinator):
    client = browser(coordinator)
    client.post("/scheduling/paperwork/", {"step": "request"})
    response = client.post("/scheduling/paperwork/", {"step": "code", "code": "12"})
    assert "Enter the 6-digit code" in response.content.decode()
    client.post("/scheduling/paperwork/", {"step": "code", "code": "123456"})
    assert "Logged in" in client.get("/scheduling/paperwork/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/scheduling/employees/",
        f"/scheduling/day/{DAY}/",
        f"/scheduling/week/{DAY}/",
        "/scheduling/unscheduled/",
        "/scheduling/sync/",
        "/scheduling/calendar/",
        f"/scheduling/verify/{DAY}/",
    ],
)
def test_page_query_counts(url, coordinator, django_assert_max_num_queries):
    for i in range(12):
        employee = EmployeeFactory()
        ScheduleFactory(employee=employee, event=EventFactory(day=DAY), start_at=local(DAY))
        EventFactory(day=DAY)
        TimeOff.objects.create(
            employee=employee, start_date=DAY + timedelta(days=30 + i), end_date=DAY + timedelta(days=30 + i)
        )
        SyncRun.objects.create(problems=[{"mplan_id": "1", "error": "x"}])
    client = browser(coordinator)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_rep_import_page_and_crossmark_login(coordinator, staff_user):
    EmployeeFactory(name="Aisha Khan", crossmark_rep_id=None, crossmark_employee_id=None)
    client = browser(coordinator)
    page = client.get("/scheduling/employees/import/").content.decode()
    assert "Ivy Chen" in page and "confirm or import as new" in page
    assert client.post("/scheduling/employees/import/", {"rep_id": ["5013"]}).status_code == 302
    assert Employee.objects.filter(crossmark_rep_id="5013", name="Ivy Chen").exists()
    assert browser(staff_user).get("/scheduling/employees/import/").status_code == 403
    assert client.post("/scheduling/crossmark-login/", {"username": "me", "password": "pw-x"}).status_code == 302
    from scheduling.models import CrossmarkAccount

    assert CrossmarkAccount.objects.get(user=coordinator).password == "pw-x"
    history_fields = {f.name for f in CrossmarkAccount.history.model._meta.fields}
    assert "password" not in history_fields and "session_id" not in history_fields
