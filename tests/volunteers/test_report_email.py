"""Reports by e-mail: a coordinator has a report's download link e-mailed to them through the
platform outbox ("report delivery"), once per report, format, parameters and day."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from project.email.models import EmailMessage
from project.email.outbox import email_deliver
from volunteers.models import VolunteerParticipation

from .factories import EventFactory, SchoolFactory, VolunteerFactory, at

EMAIL_URL = "/volunteers/reports/email/"
YEAR = "start=2025-08-01&end=2026-07-31&by=hours&limit=25"


@pytest.fixture
def attended(db, frozen_now):
    school = SchoolFactory(name="North High")
    event = EventFactory(title="Career fair", start=at(2025, 10, 1), school=school)
    event.districts.set([school.district])
    VolunteerParticipation.objects.create(
        event=event,
        volunteer=VolunteerFactory(first_name="Ada", last_name="Lovelace"),
        status="attended",
        delivery_hours=Decimal("2"),
    )
    return school.district


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_report_page_offers_the_email_form_with_its_parameters(coordinator, client, attended):
    client.force_login(coordinator)
    page = client.get(reverse("volunteers:report_thank_you")).content.decode()
    assert f'action="{EMAIL_URL}"' in page
    assert 'name="report" value="thank-you"' in page
    assert f'name="query" value="{YEAR.replace("&", "&amp;")}"' in page


def test_a_coordinator_gets_a_link_to_the_download_once(
    coordinator, client, attended, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    body = {"report": "thank-you", "format": "pdf", "query": YEAR}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(EMAIL_URL, body)
    assert first.status_code == 302 and first["Location"] == f"/volunteers/reports/thank-you/?{YEAR}"
    assert _messages(first) == ["A link to the PDF is on its way to coord1@example.org."]
    (row,) = EmailMessage.objects.all()
    assert (row.purpose, row.to_email, row.subject) == (
        "report_delivery",
        "coord1@example.org",
        "Report ready: Volunteer thank-you (PDF)",
    )
    link = f"http://testserver/volunteers/reports/thank-you/?{YEAR}&format=pdf"
    assert link in row.body_text
    email_deliver(message_id=row.pk, now=row.next_attempt_at)  # what the outbox worker does
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(EMAIL_URL, body)
    assert again.status_code == 302
    assert _messages(again)[-1] == "This report was already e-mailed to coord1@example.org today; it is not sent twice."
    assert EmailMessage.objects.count() == 1 and len(mail.outbox) == 1

    # The link opens the download for someone signed in with a right to the report.
    split = urlsplit(link)
    download = client.get(f"{split.path}?{split.query}")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_another_format_or_other_parameters_is_another_email(coordinator, client, attended):
    client.force_login(coordinator)
    client.post(EMAIL_URL, {"report": "thank-you", "format": "pdf", "query": YEAR})
    client.post(EMAIL_URL, {"report": "thank-you", "format": "csv", "query": YEAR})
    client.post(EMAIL_URL, {"report": "thank-you", "format": "pdf", "query": YEAR.replace("limit=25", "limit=10")})
    assert EmailMessage.objects.count() == 3
    assert sorted(EmailMessage.objects.values_list("subject", flat=True)) == [
        "Report ready: Volunteer thank-you (CSV)",
        "Report ready: Volunteer thank-you (PDF)",
        "Report ready: Volunteer thank-you (PDF)",
    ]


def test_missing_parameters_take_the_page_defaults(coordinator, client, attended):
    client.force_login(coordinator)
    response = client.post(EMAIL_URL, {"report": "first-time", "format": "xlsx", "query": ""})
    assert response["Location"] == "/volunteers/reports/first-time/?start=2025-08-01&end=2026-07-31"
    (row,) = EmailMessage.objects.all()
    assert "first-time/?start=2025-08-01&end=2026-07-31&format=xlsx" in row.body_text


def test_a_viewer_cannot_have_a_contacts_report_or_another_districts_report(viewer, client, attended):
    client.force_login(viewer)
    assert client.post(EMAIL_URL, {"report": "thank-you", "format": "pdf", "query": YEAR}).status_code == 403
    # Another district is not among the viewer's choices: the form refuses it, as on the page.
    query = f"district={attended.pk}&year=2025"
    refused = client.post(EMAIL_URL, {"report": "district-year-end", "format": "pdf", "query": query})
    assert refused.status_code == 302 and _messages(refused)[-1].startswith("The report could not be e-mailed")
    assert EmailMessage.objects.count() == 0


def test_bad_input_sends_nothing_and_says_why(coordinator, client, attended):
    client.force_login(coordinator)
    unknown = client.post(EMAIL_URL, {"report": "salaries", "format": "pdf", "query": ""})
    assert unknown["Location"] == "/volunteers/reports/" and _messages(unknown) == [
        "Choose a report and a format to e-mail."
    ]
    invalid = client.post(
        EMAIL_URL, {"report": "thank-you", "format": "pdf", "query": "start=2026-01-01&end=2025-01-01"}
    )
    assert invalid["Location"].startswith("/volunteers/reports/thank-you/?start=2026-01-01")
    assert _messages(invalid)[-1] == "The report could not be e-mailed: correct the fields below."
    coordinator.email = ""
    coordinator.save()
    no_address = client.post(EMAIL_URL, {"report": "thank-you", "format": "pdf", "query": YEAR})
    assert _messages(no_address)[-1] == "Your account has no e-mail address; ask an administrator to add one."
    assert client.get(EMAIL_URL).status_code == 405
    assert EmailMessage.objects.count() == 0


def test_anonymous_is_sent_to_login(client, db):
    response = client.post(EMAIL_URL, {"report": "thank-you", "format": "pdf", "query": YEAR})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
