"""Every report on a small hand-built dataset, with exact numbers."""

from datetime import date
from decimal import Decimal

import pytest

from volunteers import reports
from volunteers.models import (
    Affiliation,
    District,
    EventFormat,
    EventType,
    School,
    SchoolLevel,
    StudentParticipation,
    TeacherParticipation,
    VolunteerParticipation,
)

from .factories import (
    EventFactory,
    OrganizationFactory,
    StudentFactory,
    TeacherFactory,
    VolunteerFactory,
    at,
)


@pytest.fixture
def dataset(db):
    d1, d2 = District.objects.create(name="Northside"), District.objects.create(name="Southside")
    s1 = School.objects.create(name="North High", district=d1, level=SchoolLevel.HIGH)
    s2 = School.objects.create(name="North Elementary", district=d1, level=SchoolLevel.ELEMENTARY)
    s3 = School.objects.create(name="South Middle", district=d2, level=SchoolLevel.MIDDLE)
    acme, beta = OrganizationFactory(name="Acme"), OrganizationFactory(name="Beta")
    v1 = VolunteerFactory(first_name="Ada", last_name="Lovelace")
    v2 = VolunteerFactory(first_name="Grace", last_name="Hopper")
    v3 = VolunteerFactory(first_name="Alan", last_name="Turing")
    v4 = VolunteerFactory(first_name="Hidden", last_name="Person", exclude_from_reports=True)
    Affiliation.objects.create(volunteer=v1, organization=acme, is_primary=True)
    Affiliation.objects.create(volunteer=v2, organization=beta, is_primary=True)
    Affiliation.objects.create(volunteer=v2, organization=acme)
    Affiliation.objects.create(volunteer=v4, organization=acme, is_primary=True)
    st = [StudentFactory() for _ in range(5)]
    t = [TeacherFactory() for _ in range(3)]

    def event(title, when, school=None, districts=(), **kw):
        e = EventFactory(title=title, start=when, school=school, **kw)
        e.districts.set(list(districts) or ([school.district] if school else []))
        return e

    e1 = event("Fair", at(2025, 9, 10), s1, event_type=EventType.CAREER_FAIR)
    e2 = event("Virtual", at(2026, 2, 1), None, [d1], event_type=EventType.VIRTUAL_SESSION, format=EventFormat.VIRTUAL)
    e3 = event("Speaker", at(2026, 7, 31), s2, event_type=EventType.CAREER_SPEAKER)
    e4 = event("Cancelled", at(2025, 10, 1), s1, status="cancelled")
    e5 = event("South", at(2025, 11, 1), s3)
    e6 = event("Last year", at(2025, 7, 31), s1)
    e7 = event("Next year", at(2026, 8, 1), s1)

    def vp(e, v, status, hours=None):
        VolunteerParticipation.objects.create(
            event=e, volunteer=v, status=status, delivery_hours=Decimal(hours) if hours else None
        )

    vp(e1, v1, "attended", "2"), vp(e1, v2, "attended", "3"), vp(e1, v4, "attended", "5"), vp(e1, v3, "no_show")
    vp(e2, v1, "attended", "1.5"), vp(e3, v2, "attended", "1"), vp(e4, v3, "registered")
    vp(e5, v3, "attended", "4"), vp(e6, v1, "attended", "2"), vp(e6, v3, "attended", "1"), vp(e7, v2, "attended", "2")
    for e, s, status in [
        (e1, st[0], "attended"),
        (e1, st[1], "attended"),
        (e1, st[2], "no_show"),
        (e3, st[0], "attended"),
        (e3, st[3], "attended"),
        (e5, st[4], "attended"),
    ]:
        StudentParticipation.objects.create(event=e, student=s, status=status)
    for teacher, status in zip(t, ["attended", "attended", "no_show"], strict=True):
        TeacherParticipation.objects.create(event=e2, teacher=teacher, status=status)
    return {"d1": d1, "d2": d2, "acme": acme, "beta": beta, "v": [v1, v2, v3, v4], "e": [e1, e2, e3, e4, e5, e6, e7]}


def test_district_year_end_exact(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        report = reports.district_year_end_report(district=dataset["d1"], year=2025)
    d = report.data
    assert (d["events_total"], d["events_in_person"], d["events_virtual"]) == (3, 2, 1)
    assert (
        d["students_in_person_unique"],
        d["virtual_teacher_engagements"],
        d["students_virtual_estimated"],
        d["students_reached"],
    ) == (3, 2, 50, 53)
    assert (d["volunteer_engagements"], d["unique_volunteers"], d["volunteer_hours"]) == (4, 2, Decimal("7.50"))
    assert d["unique_organizations"] == 2
    assert d["schools_by_level"] == {"Elementary": 1, "Middle": 0, "High": 1, "Other": 0}
    assert report.rows == [
        ["Virtual session", 1, 1, Decimal("1.50"), 50],
        ["Career speaker", 1, 1, Decimal("1.00"), 2],
        ["Career/college fair", 1, 2, Decimal("5.00"), 2],
    ]


def test_district_year_end_other_district(dataset):
    d = reports.district_year_end_report(district=dataset["d2"], year=2025).data
    assert (d["events_total"], d["students_reached"], d["unique_volunteers"], d["volunteer_hours"]) == (
        1,
        1,
        1,
        Decimal("4.00"),
    )


def test_thank_you_by_hours_and_events(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        by_hours = reports.thank_you_report(start=date(2025, 8, 1), end=date(2026, 7, 31), by="hours", limit=2)
    assert [r[1:] for r in by_hours.rows] == [
        ["Grace Hopper", "Beta", 2, Decimal("4.00")],
        ["Alan Turing", "", 1, Decimal("4.00")],
    ]
    by_events = reports.thank_you_report(start=date(2025, 8, 1), end=date(2026, 7, 31), by="events")
    assert [(r[1], r[3], r[4]) for r in by_events.rows] == [
        ("Grace Hopper", 2, Decimal("4.00")),
        ("Ada Lovelace", 2, Decimal("3.50")),
        ("Alan Turing", 1, Decimal("4.00")),
    ]


def test_organization_report(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        report = reports.organization_report(year=2025)
    assert report.rows == [["Acme", 3, 2, 1, 2, Decimal("7.50")], ["Beta", 2, 2, 0, 1, Decimal("4.00")]]
    single = reports.organization_report(year=2025, organization=dataset["beta"])
    assert single.rows == [["Beta", 2, 2, 0, 1, Decimal("4.00")]]


def test_first_time_volunteers_use_participation_history(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        report = reports.first_time_volunteers_report(start=date(2025, 8, 1), end=date(2026, 7, 31))
    assert report.rows == [["Grace Hopper", "Beta", date(2025, 9, 10), "Fair"]]
    july = reports.first_time_volunteers_report(start=date(2025, 7, 1), end=date(2025, 7, 31))
    assert [r[0] for r in july.rows] == ["Ada Lovelace", "Alan Turing"]
