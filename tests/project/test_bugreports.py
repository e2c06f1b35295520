"""Bug reports: the "Report a problem" button on every page, and the coordinators' list with
filters, search, resolve (with a note) and delete (administrators only, kept in the history)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from project.bugreports import services
from project.bugreports.models import BugReport


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_every_page_has_the_button_with_its_url_and_anonymous_users_get_a_login_link(staff_user):
    page = login(staff_user).get("/jobs/?x=1")
    text = page.content.decode()
    assert 'action="/bugs/report/"' in text and 'name="page_url" value="/jobs/?x=1"' in text
    anonymous = Client().get("/accounts/login/").content.decode()
    assert "/accounts/login/?next=/accounts/login/" in anonymous and 'action="/bugs/report/"' not in anonymous


@pytest.mark.django_db
def test_reporting_records_kind_description_page_and_reporter_then_goes_back(staff_user):
    response = login(staff_user).post(
        "/bugs/report/",
        {"kind": "data_error", "description": "  Hours are wrong  ", "page_url": "/jobs/", "page_title": "Jobs"},
    )
    assert response.status_code == 302 and response["Location"] == "/jobs/"
    report = BugReport.objects.get()
    assert (report.kind, report.description, report.page_url, report.page_title, report.reporter) == (
        "data_error",
        "Hours are wrong",
        "/jobs/",
        "Jobs",
        staff_user,
    )
    assert report.status == "open" and report.source == "page"


@pytest.mark.django_db
def test_an_empty_description_is_refused_with_a_message(staff_user):
    client = login(staff_user)
    response = client.post("/bugs/report/", {"kind": "bug", "description": "   ", "page_url": "/jobs/"}, follow=True)
    assert BugReport.objects.count() == 0
    assert "Describe the problem." in [str(m) for m in response.context["messages"]][0]


@pytest.mark.django_db
def test_anonymous_reports_go_to_login_and_other_hosts_are_not_followed(staff_user):
    response = Client().post("/bugs/report/", {"kind": "bug", "description": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert BugReport.objects.count() == 0
    evil = login(staff_user).post(
        "/bugs/report/", {"kind": "bug", "description": "x", "page_url": "https://evil.example/"}
    )
    assert evil["Location"] == "/"
    assert BugReport.objects.get().page_url == ""


@pytest.mark.django_db
def test_teacher_flags_land_in_the_same_list():
    report = services.bug_report_create(
        kind=BugReport.Kind.DATA_ERROR,
        description="Session on 10/3 missing",
        reporter_email="Teacher@School.org",
        source=BugReport.Source.TEACHER_FLAG,
    )
    assert report.reporter is None and report.reporter_email == "teacher@school.org"
    assert list(services.bug_report_list(status="open")) == [report]


@pytest.mark.django_db
def test_list_is_for_coordinators_and_administrators(staff_user, viewer, coordinator, admin_user):
    for user, status in ((staff_user, 403), (viewer, 403), (coordinator, 200), (admin_user, 200)):
        assert login(user).get("/bugs/").status_code == status
    assert Client().get("/bugs/").status_code == 302


@pytest.mark.django_db
def test_list_filters_searches_and_runs_a_constant_number_of_queries(
    staff_user, coordinator, django_assert_max_num_queries
):
    for n in range(30):
        services.bug_report_create(
            kind="bug" if n % 2 else "data_error", description=f"problem {n}", reporter=staff_user, page_url="/x/"
        )
    done = services.bug_report_create(kind="other", description="printer jam", reporter=staff_user)
    services.bug_report_resolve(report=done, user=coordinator, note="Fixed")
    client = login(coordinator)
    with django_assert_max_num_queries(12):
        page = client.get("/bugs/")
    assert page.context["page"].paginator.count == 30  # open ones by default
    assert client.get("/bugs/", {"status": "", "kind": "other"}).context["page"].paginator.count == 1
    assert client.get("/bugs/", {"status": "", "q": "printer"}).context["page"].paginator.count == 1
    assert client.get("/bugs/", {"status": "open", "kind": "data_error"}).context["page"].paginator.count == 15
    assert "<script>" not in client.get("/bugs/", {"q": "<script>"}).content.decode().split("<main")[1]


@pytest.mark.django_db
def test_resolve_needs_a_note_and_records_who(staff_user, coordinator):
    report = services.bug_report_create(kind="bug", description="x", reporter=staff_user)
    client = login(coordinator)
    client.post(f"/bugs/{report.pk}/resolve/", {"note": " "})
    report.refresh_from_db()
    assert report.status == "open"
    client.post(f"/bugs/{report.pk}/resolve/", {"note": "Restarted the worker"})
    report.refresh_from_db()
    assert (report.status, report.resolved_by, report.resolution_note) == (
        "resolved",
        coordinator,
        "Restarted the worker",
    )
    assert report.resolved_at is not None
    with pytest.raises(ValidationError):
        services.bug_report_resolve(report=report, user=coordinator, note="again")
    assert login(staff_user).post(f"/bugs/{report.pk}/resolve/", {"note": "x"}).status_code == 403


@pytest.mark.django_db
def test_delete_is_for_administrators_and_is_audited(staff_user, coordinator, admin_user):
    report = services.bug_report_create(kind="bug", description="spam", reporter=staff_user)
    assert login(coordinator).post(f"/bugs/{report.pk}/delete/").status_code == 403
    assert BugReport.objects.filter(pk=report.pk).exists()
    assert login(admin_user).post(f"/bugs/{report.pk}/delete/").status_code == 302
    assert not BugReport.objects.filter(pk=report.pk).exists()
    deletion = BugReport.history.filter(id=report.pk, history_type="-").get()
    assert deletion.history_user == admin_user and deletion.description == "spam"
