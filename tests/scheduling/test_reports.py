"""The coordinator's views: workload (hours, events, over/under against availability), attendance
(who worked, who did not report) and unreported past events; each with a CSV export."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling import reports
from scheduling.models import Attendance, Condition, EventType, JobTitle, TimeOff, WeeklyAvailability
from tests.scheduling.factories import EmployeeFactory, EventFactory, ScheduleFactory, local

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = reports.week_start(TODAY) + timedelta(days=14)


def browser(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(employee, day, event_type=EventType.CORE, hh=9, mm=45, **event):
    return ScheduleFactory(
        employee=employee,
        event=EventFactory(event_type=event_type, day=day, **event),
        start_at=local(day, hh, mm),
    )


@pytest.fixture
def week():
    weekdays = {d: d not in ("saturday", "sunday") for d in WeeklyAvailability.DAYS}
    ann = EmployeeFactory(name="Ann Weekdays")
    WeeklyAvailability.objects.create(employee=ann, **weekdays)
    for i in range(3):
        post(ann, MONDAY + timedelta(days=i))
    bob = EmployeeFactory(name="Bob Saturday")
    WeeklyAvailability.objects.create(employee=bob, **weekdays)
    post(bob, MONDAY + timedelta(days=5))  # a Saturday, which he does not work
    for i in range(4):
        post(bob, MONDAY + timedelta(days=i))
    cy = EmployeeFactory(name="Cy Away")
    TimeOff.objects.create(employee=cy, start_date=MONDAY, end_date=MONDAY + timedelta(days=6))
    dee = EmployeeFactory(name="Dee Juicer", job_title=JobTitle.JUICER_BARISTA)
    for i in range(6):
        post(dee, MONDAY + timedelta(days=i), EventType.JUICER, 9, 0, sub_type="juicer_production")
    post(dee, MONDAY, EventType.JUICER, 17, 0, sub_type="juicer_survey")
    eve = EmployeeFactory(name="Eve Idle")
    post(eve, MONDAY + timedelta(days=2))
    return {"ann": ann, "bob": bob, "cy": cy, "dee": dee, "eve": eve}


def test_workload_counts_hours_and_events_and_flags_over_and_under(week):
    rows = {r.employee: r for r in reports.workload(start=MONDAY)}
    ann = rows["Ann Weekdays"]
    assert (ann.events, ann.hours, ann.days_worked, ann.days_available, ann.flag) == (3, 19.5, 3, 5, "")
    bob = rows["Bob Saturday"]
    assert (bob.events, bob.flag) == (5, "over") and "not available" in bob.why
    cy = rows["Cy Away"]
    assert (cy.events, cy.days_available, cy.flag) == (0, 0, "")
    dee = rows["Dee Juicer"]
    # Six 9-hour productions and a 1-hour survey: 55 hours.
    assert (dee.events, dee.hours, dee.flag) == (7, 55.0, "over") and "more than 40 h" in dee.why
    eve = rows["Eve Idle"]
    assert (eve.days_worked, eve.days_available, eve.flag) == (1, 7, "under")


def test_workload_page_csv_and_bad_week(week, coordinator, staff_user, viewer):
    page = browser(staff_user)
    html = page.get(f"/scheduling/workload/?week={MONDAY + timedelta(days=3)}").content.decode()
    assert f"week of {MONDAY:%a} {MONDAY.day} {MONDAY:%b}" in html and "Bob Saturday" in html and "over" in html
    csv = page.get(f"/scheduling/workload/?week={MONDAY}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Employee,Job title,Events,Hours,Days worked,Days available,Flag,Why"
    assert "Ann Weekdays,Event Specialist,3,19.5,3,5,," in text
    bad = page.get("/scheduling/workload/?week=next-week")
    assert bad.status_code == 400
    assert browser(viewer).get("/scheduling/workload/").status_code == 403
    assert browser(None).get("/scheduling/workload/").status_code == 302


def test_attendance_lists_who_worked_and_who_did_not_report(coordinator):
    day = TODAY - timedelta(days=1)
    ann, bob, cy = (EmployeeFactory(name=n) for n in ("Ann", "Bob", "Cy"))
    post(ann, day, name="606001-CORE-Pretzel")
    post(bob, day, EventType.FREEOSK, 10, 0, name="FREEOSK Refill")
    Attendance.objects.create(employee=ann, date=day, status="late", notes="Traffic")
    Attendance.objects.create(employee=cy, date=day, status="called_in")
    rows = {r.employee: r for r in reports.attendance(day=day)}
    assert (rows["Ann"].status, rows["Ann"].notes, rows["Ann"].events) == (
        "Late",
        "Traffic",
        "09:45 Core 606001-CORE-Pretzel",
    )
    assert (rows["Bob"].status, rows["Bob"].reported) == ("Not reported", False)
    assert (rows["Cy"].status, rows["Cy"].events) == ("Called in", "")
    page = browser(coordinator)
    html = page.get(f"/scheduling/attendance/?date={day}").content.decode()
    assert "1 scheduled person has no attendance recorded" in html
    text = page.get(f"/scheduling/attendance/?date={day}&format=csv").content.decode("utf-8-sig")
    assert f"{day},Bob,10:00 Freeosk FREEOSK Refill,Not reported," in text
    assert page.get("/scheduling/attendance/?date=2026-13-01").status_code == 400


def test_unreported_lists_past_events_crossmark_does_not_show_as_reported(coordinator):
    ann = EmployeeFactory(name="Ann")
    open_one = post(ann, TODAY - timedelta(days=2), name="606001-CORE-Open")
    open_one.event.condition = Condition.SCHEDULED
    open_one.event.save()
    done = post(ann, TODAY - timedelta(days=3), name="606002-CORE-Done")
    done.event.condition = Condition.SUBMITTED
    done.event.save()
    post(ann, TODAY, name="606003-CORE-Today")
    post(ann, TODAY - timedelta(days=40), name="606004-CORE-Old")
    rows = reports.unreported(today=TODAY)
    assert [(r.event, r.days_ago, r.condition) for r in rows] == [("606001-CORE-Open", 2, "Scheduled")]
    page = browser(coordinator)
    assert "606001-CORE-Open" in page.get("/scheduling/unreported/").content.decode()
    text = page.get("/scheduling/unreported/?format=csv").content.decode("utf-8-sig")
    assert text.splitlines()[1].endswith(",606001-CORE-Open,Core,Ann,Scheduled,2")


def test_csv_cells_are_escaped_by_the_one_writer(coordinator):
    evil = EmployeeFactory(name='=HYPERLINK("x")')
    post(evil, TODAY - timedelta(days=1))
    text = browser(coordinator).get(f"/scheduling/attendance/?date={TODAY - timedelta(days=1)}&format=csv")
    assert "'=HYPERLINK" in text.content.decode("utf-8-sig")


@pytest.mark.parametrize("url", ["/scheduling/workload/", "/scheduling/attendance/", "/scheduling/unreported/"])
def test_report_pages_use_a_fixed_number_of_queries(url, coordinator):
    page = browser(coordinator)
    page.get(url)  # the first request creates the settings row
    counts = []
    for extra in (2, 12):
        for _ in range(extra):
            person = EmployeeFactory()
            post(person, TODAY - timedelta(days=1))
            post(person, TODAY)
            Attendance.objects.create(employee=person, date=TODAY - timedelta(days=1), status="on_time")
        with CaptureQueriesContext(connection) as captured:
            assert page.get(url, {"date": str(TODAY - timedelta(days=1))}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 25
