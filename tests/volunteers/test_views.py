import copy
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from project.roles import VIEWER
from tests.conftest import make_user
from volunteers import services
from volunteers.models import Event, Volunteer, VolunteerParticipation

from .factories import DistrictFactory, EventFactory, OrganizationFactory, SchoolFactory, at

pytestmark = pytest.mark.django_db


def _build_data() -> dict:
    acme = OrganizationFactory(name="Acme")
    school = SchoolFactory()
    vols = [
        services.volunteer_create(
            first_name=f"Vol{i}",
            last_name=f"Person{i}",
            email=f"v{i}@example.org",
            organization=acme,
            skills=["Robotics", f"S{i}"],
        )
        for i in range(30)  # 30: two directory pages of 25
    ]
    events = []
    for i in range(30):
        e = services.event_create(title=f"Event {i}", start=at(2025, 10, 1 + i % 28), school=school, status="confirmed")
        services.participation_record(event=e, volunteer=vols[i], status="attended", delivery_hours=Decimal("2"))
        events.append(e)
    return {"acme": acme, "vols": vols, "events": events, "school": school}


@pytest.fixture(scope="module")
def module_data(django_db_setup, django_db_blocker):
    """Built once per module (the slow part: 30 volunteers, 30 events through the services) inside
    a transaction rolled back when the module ends; every test runs in a savepoint inside it and
    rolls back its own writes, as with TestCase.setUpTestData."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_data()
        transaction.set_rollback(True)


@pytest.fixture
def data(module_data):
    # A fresh copy per test, so one test's in-memory changes never reach the next.
    return copy.deepcopy(module_data)


PAGES = [
    ("volunteers:directory", {}),
    ("volunteers:directory", {"q": "vol robot", "sort": "times"}),
    ("volunteers:event_list", {}),
    ("volunteers:event_calendar", {"year": 2025, "month": 10}),
    ("volunteers:reports", {}),
    ("volunteers:report_thank_you", {"start": "2025-08-01", "end": "2026-07-31", "by": "hours", "limit": 25}),
    ("volunteers:report_organizations", {"year": 2025}),
    ("volunteers:report_first_time", {"start": "2025-08-01", "end": "2026-07-31"}),
]


@pytest.mark.parametrize("name,params", PAGES)
def test_pages_render_with_bounded_queries(name, params, staff_user, client, data, django_assert_max_num_queries):
    client.force_login(staff_user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse(name), params)
    assert response.status_code == 200


def test_year_end_page_and_downloads(staff_user, client, data, django_assert_max_num_queries):
    client.force_login(staff_user)
    params = {"district": data["school"].district_id, "year": 2025}
    url = reverse("volunteers:report_year_end")
    with django_assert_max_num_queries(20):
        page = client.get(url, params)
    assert page.status_code == 200 and "report-charts" in page.content.decode()
    csv = client.get(url, {**params, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert client.get(url, {**params, "format": "xlsx"})["Content-Type"].endswith("spreadsheetml.sheet")


def test_pdf_download(staff_user, client, data):
    client.force_login(staff_user)
    response = client.get(
        reverse("volunteers:report_thank_you"),
        {"start": "2025-08-01", "end": "2026-07-31", "by": "hours", "limit": 5, "format": "pdf"},
    )
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_directory_pages_and_exports(staff_user, client, data):
    client.force_login(staff_user)
    page = client.get(reverse("volunteers:directory"), {"q": "Vol1"})
    body = page.content.decode()
    assert "Person1" in body and "Person10" in body and "Person2," not in body
    export = client.get(reverse("volunteers:directory_export"), {"q": "Person1"})
    lines = export.content.decode().strip().splitlines()
    assert len(lines) == 1 + 11  # header + Person1, Person10..19
    events = client.get(reverse("volunteers:event_export")).content.decode().strip().splitlines()
    assert len(events) == 31


# A search reads the indexed search text twice: a COUNT(*) of the matches, then the page's rows
# (which, sorted on an index, stop after the page). Past the last page or below 1, the last page.
@pytest.mark.parametrize(
    "page,number,rows,scans", [("1", 1, 25, 2), ("2", 2, 5, 2), ("99", 2, 5, 2), ("0", 2, 5, 2), ("x", 1, 25, 2)]
)
def test_directory_search_pages_count_with_the_rows(page, number, rows, scans, staff_user, client, data):
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("volunteers:directory"), {"q": "person", "page": page})
    assert sum('FROM "volunteers_volunteer"' in q["sql"] for q in captured.captured_queries) == scans
    shown = response.context["page"]
    assert (shown.number, len(shown.object_list), shown.paginator.count, shown.paginator.num_pages) == (
        number,
        rows,
        30,
        2,
    )
    assert f"Page {number} of 2 · 30 results" in response.content.decode()


def test_directory_search_without_match(staff_user, client, data):
    client.force_login(staff_user)
    response = client.get(reverse("volunteers:directory"), {"q": "nobody-by-that-name", "page": "3"})
    assert response.context["page"].paginator.count == 0
    assert "No volunteer matches these filters." in response.content.decode()


def test_directory_rows_show_the_primary_organization_and_skills_escaped(staff_user, client, data):
    other = OrganizationFactory(name="Zeta <Other>")
    volunteer = services.volunteer_create(
        first_name="Ada <b>",
        last_name="Quux & Co",
        organization=OrganizationFactory(name="Heartland & <Sons>"),
        skills=["Zoology", "<i>Art</i>"],
        title="Engineer",
        department="R&D",
        exclude_from_reports=True,
    )
    services.affiliation_set(volunteer=volunteer, organization=other, is_primary=False)
    client.force_login(staff_user)
    body = client.get(reverse("volunteers:directory"), {"q": "quux"}).content.decode()
    url = reverse("volunteers:volunteer_detail", args=[volunteer.pk])
    assert (
        f'<tr><td><a href="{url}">Quux &amp; Co, Ada &lt;b&gt;</a> <span class="badge">excluded</span></td>'
        "<td>Heartland &amp; &lt;Sons&gt;</td><td>Engineer · R&amp;D</td>"
        '<td><span class="badge">&lt;i&gt;Art&lt;/i&gt;</span> <span class="badge">Zoology</span> </td>'
        f"<td>{volunteer.get_local_status_display()}</td><td>{volunteer.get_status_display()}</td>"
        '<td class="num">0</td><td>—</td></tr>'
    ) in body
    assert "Zeta" not in body.split('<table class="table">')[1]  # not the primary organization


def test_event_rows_show_school_districts_and_status(staff_user, client, data):
    north, south = DistrictFactory(name="North & <N>"), DistrictFactory(name="Alpha")
    event = services.event_create(
        title="Fair <2025>", start=at(2025, 11, 3), school=data["school"], status="confirmed", districts=[north, south]
    )
    client.force_login(staff_user)
    body = client.get(reverse("volunteers:event_list"), {"q": "fair"}).content.decode()
    url = reverse("volunteers:event_detail", args=[event.pk])
    assert f'<a href="{url}">Fair &lt;2025&gt;</a>' in body
    school = data["school"]
    assert f"<td>{school.name}</td><td>Alpha, {school.district.name}, North &amp; &lt;N&gt;</td>" in body
    assert '<span class="badge badge-success status-confirmed">Confirmed</span>' in body


@pytest.mark.parametrize("name", ["volunteers:directory", "volunteers:event_list"])
def test_list_page_queries_do_not_grow_with_its_rows(name, staff_user, client, data):
    client.force_login(staff_user)
    counts = []
    one_row = {"start": "2025-10-08", "end": "2025-10-08"} if name.endswith("event_list") else {"active": "yes"}
    one_row = {"q": "Person7"} if name.endswith("directory") else one_row
    for query in (one_row, {}):  # one row, then a full page of 25
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name), query)
        counts.append(len(captured.captured_queries))
        assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    assert counts[0] == counts[1]


def test_viewer_is_kept_out_of_people_pages(scoped_viewer, client, district):
    client.force_login(scoped_viewer)
    assert client.get(reverse("volunteers:directory")).status_code == 403
    assert client.get(reverse("volunteers:event_list")).status_code == 403
    assert client.get(reverse("volunteers:index")).status_code == 302
    ok = client.get(reverse("volunteers:report_year_end"), {"district": district.pk, "year": 2025})
    assert ok.status_code == 200


def test_profile_and_note(staff_user, coordinator, client, data, django_assert_max_num_queries):
    v = data["vols"][0]
    client.force_login(staff_user)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("volunteers:volunteer_detail", args=[v.pk])).status_code == 200
    assert client.post(reverse("volunteers:volunteer_detail", args=[v.pk]), {"body": "hi"}).status_code == 403
    client.force_login(coordinator)
    client.post(reverse("volunteers:volunteer_detail", args=[v.pk]), {"body": "Called about May fair"})
    assert "Called about May fair" in client.get(reverse("volunteers:volunteer_detail", args=[v.pk])).content.decode()


def test_attendance_marking_page(coordinator, client, data):
    event = data["events"][0]
    p = VolunteerParticipation.objects.get(event=event)
    client.force_login(coordinator)
    client.post(reverse("volunteers:event_detail", args=[event.pk]), {f"status-{p.pk}": "no_show"})
    event.refresh_from_db()
    assert (event.registered_count, event.attended_count) == (1, 0)
    assert Volunteer.objects.get(pk=p.volunteer_id).times_volunteered == 0


def test_candidates_page_and_csv(staff_user, client, data, frozen_now):
    event = EventFactory(title="Robotics night", status="confirmed")
    client.force_login(staff_user)
    page = client.get(reverse("volunteers:event_candidates", args=[event.pk]))
    assert page.status_code == 200 and "skill +0.8" in page.content.decode()
    # Everyone last volunteered in October 2025: within 90 days of the frozen clock.
    assert page.content.decode().count("recency +0.35") == 30
    csv = client.get(reverse("volunteers:event_candidates", args=[event.pk]), {"format": "csv"})
    assert len(csv.content.decode().strip().splitlines()) == 31


CSV_OK = (
    "first_name,last_name,email,phone,organization,skills,postal_code\n"
    "Ada,Lovelace,ada@new.example,816-555-0134,acme,Math;Robotics,64110\n"
    "Bad,Email,not-an-email,,,,\n"
    ",NoFirst,,,,,\n"
    "Dup,Existing,v1@example.org,,,,\n"
    "Org,Unknown,,,Nowhere Inc,,\n"
    "Phone,Bad,,12,,,\n"
)


def test_import_preview_saves_nothing_then_confirm_imports_valid_rows(coordinator, client, data):
    client.force_login(coordinator)
    url = reverse("volunteers:import")
    before = Volunteer.objects.count()
    preview = client.post(url, {"file": SimpleUploadedFile("v.csv", CSV_OK.encode())})
    body = preview.content.decode()
    assert Volunteer.objects.count() == before
    assert "1 row(s) ready, 5 row(s) with errors" in body
    for expected in (
        "“not-an-email” is not a valid email address",
        "v1@example.org already belongs",
        "Unknown organization “Nowhere Inc”",
        "“12” is not a valid phone number",
    ):
        assert expected in body
    digest = preview.context["digest"]
    client.post(url, {"confirm": "1", "digest": digest})
    assert Volunteer.objects.count() == before + 1
    ada = Volunteer.objects.get(last_name="Lovelace")
    assert ada.local_status == "local"
    assert sorted(ada.volunteer_skills.values_list("skill__name", flat=True)) == ["Math", "Robotics"]


def test_import_bad_header_and_staff_forbidden(coordinator, staff_user, client):
    client.force_login(coordinator)
    response = client.post(reverse("volunteers:import"), {"file": SimpleUploadedFile("v.csv", b"name,mail\nA,b\n")})
    assert "Missing required column(s): first_name, last_name" in response.content.decode()
    client.force_login(staff_user)
    assert client.get(reverse("volunteers:import")).status_code == 403


def test_calendar_places_events_on_their_day(staff_user, client, data):
    client.force_login(staff_user)
    response = client.get(reverse("volunteers:event_calendar"), {"year": 2025, "month": 10})
    weeks = response.context["weeks"]
    oct1 = next(c for w in weeks for c in w if c.day.isoformat() == "2025-10-01")
    assert sorted(e.title for e in oct1.events) == ["Event 0", "Event 28"]
    assert Event.objects.count() == 30


@pytest.mark.django_db
def test_people_pages_ask_a_model_permission_not_a_role(client):
    """A custom group gets the directory by holding volunteers.view_contact_details, and a
    Viewer (who has every other volunteers view permission) does not."""
    reader = make_user("contact-reader")
    client.force_login(reader)
    assert client.get("/volunteers/directory/").status_code == 403
    group = Group.objects.create(name="Contact readers")
    group.permissions.add(Permission.objects.get(codename="view_contact_details"))
    reader.groups.add(group)
    reader = type(reader).objects.get(pk=reader.pk)  # a fresh permission cache
    client.force_login(reader)
    assert client.get("/volunteers/directory/").status_code == 200
    viewer = make_user("plain-viewer", VIEWER)
    assert viewer.has_perm("volunteers.view_volunteer") and not viewer.has_perm("volunteers.view_contact_details")
