"""The public sign-up page: matches or creates the volunteer (one person per e-mail address),
holds a pending place, e-mails a confirm/cancel link through the outbox, refuses full events
politely, and keeps bots out with a honeypot and a per-IP limit."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from project.email.models import EmailMessage
from volunteers import services as volunteer_services
from volunteers.models import ContactEmail, EventStatus, Volunteer, VolunteerParticipation
from volunteers.partners import ratelimit
from volunteers.partners.models import DistrictPartner, PublicSignup

from .factories import DistrictFactory, EventFactory

FORM = {"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.org", "phone": "", "website": ""}


@pytest.fixture(autouse=True)
def local_cache(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SITE_URL = "https://crew.example.org"
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_000_040.0))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner(db):
    return DistrictPartner.objects.create(district=DistrictFactory(name="Northside"), slug="northside")


@pytest.fixture
def event(partner):
    event = EventFactory(
        title="Career <Day>",
        start=timezone.now() + timedelta(days=10),
        status=EventStatus.PUBLISHED,
        volunteers_needed=2,
        location="Central High",
    )
    event.districts.add(partner.district)
    return event


def url(event, slug="northside"):
    return f"/volunteers/public/{slug}/events/{event.pk}/signup/"


def links(message) -> dict[str, str]:
    found = re.findall(
        r"https://crew\.example\.org(/volunteers/public/signups/[^/\s]+/(confirm|cancel)/)", message.body
    )
    return {kind: path for path, kind in found}


@pytest.mark.django_db(transaction=True)
def test_sign_up_creates_the_volunteer_a_pending_place_and_one_confirmation_email(event):
    client = Client()
    page = client.get(url(event))
    assert page.status_code == 200 and "Career &lt;Day&gt;" in page.content.decode()
    response = client.post(url(event), {**FORM, "phone": "816 555 0123"})
    assert response.status_code == 200 and "ada@example.org" in response.content.decode()
    volunteer = Volunteer.objects.get()
    assert (volunteer.first_name, volunteer.last_name) == ("Ada", "Lovelace")
    assert list(ContactEmail.objects.values_list("email", flat=True)) == ["ada@example.org"]
    assert volunteer.phones.get().number == "+18165550123"
    signup = PublicSignup.objects.get()
    assert (signup.status, signup.volunteer, signup.event) == ("pending", volunteer, event)
    assert not VolunteerParticipation.objects.exists()  # registered only once confirmed
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Ada Lovelace <ada@example.org>"] and "Career <Day>" in message.subject
    assert set(links(message)) == {"confirm", "cancel"}
    assert EmailMessage.objects.get().purpose == "signup_confirmation"
    # The same person again: no second volunteer, no second e-mail.
    client.post(url(event), {**FORM, "email": "ada@example.org", "first_name": "Ada M."})
    assert Volunteer.objects.count() == 1 and PublicSignup.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_existing_volunteer_is_matched_by_email_not_duplicated(event):
    known = volunteer_services.volunteer_create(first_name="Ada", last_name="King", email="ada@example.org")
    Client().post(url(event), FORM)
    assert Volunteer.objects.count() == 1
    assert PublicSignup.objects.get().volunteer == known


@pytest.mark.django_db(transaction=True)
def test_confirm_registers_and_cancel_releases_the_place(event):
    Client().post(url(event), FORM)
    paths = links(mail.outbox[0])
    client = Client()
    page = client.get(paths["confirm"])
    assert page.status_code == 200 and PublicSignup.objects.get().status == "pending"  # GET changes nothing
    client.post(paths["confirm"])
    signup = PublicSignup.objects.get()
    assert signup.status == "confirmed" and signup.confirmed_at is not None
    participation = VolunteerParticipation.objects.get()
    assert (participation.status, participation.status_source) == ("registered", "Public sign-up")
    event.refresh_from_db()
    assert event.registered_count == 1
    client.post(paths["confirm"])  # twice: still one registration
    assert VolunteerParticipation.objects.count() == 1
    client.post(paths["cancel"])
    signup.refresh_from_db()
    participation.refresh_from_db()
    event.refresh_from_db()
    assert (signup.status, participation.status, event.registered_count) == ("cancelled", "cancelled", 0)
    refused = client.post(paths["confirm"])
    assert refused.status_code == 409 and "cancelled" in refused.content.decode()
    assert Client().get("/volunteers/public/signups/not-a-token/confirm/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_full_events_refuse_politely(event):
    for n in range(2):
        Client().post(url(event), {**FORM, "email": f"p{n}@example.org"})
    page = Client().get(url(event))
    assert "this event is full" in page.content.decode()
    response = Client().post(url(event), {**FORM, "email": "late@example.org"})
    assert response.status_code == 409 and "this event is full" in response.content.decode()
    assert PublicSignup.objects.count() == 2 and len(mail.outbox) == 2
    assert not Volunteer.objects.filter(emails__email="late@example.org").exists()


@pytest.mark.django_db
def test_honeypot_pretends_success_and_keeps_nothing(event):
    response = Client().post(url(event), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 200
    assert not Volunteer.objects.exists() and not PublicSignup.objects.exists()
    assert EmailMessage.objects.count() == 0


@pytest.mark.django_db
def test_per_ip_limit_answers_429(event):
    client = Client()
    for _n in range(10):
        assert client.post(url(event), {**FORM, "email": "bad", "website": ""}).status_code == 400
    limited = client.post(url(event), FORM)
    assert limited.status_code == 429 and limited["Retry-After"] == "761"  # the hour window ends in 760 s
    assert "Too many sign-ups" in limited.content.decode()
    other_ip = Client(REMOTE_ADDR="10.9.9.9").post(url(event), FORM)
    assert other_ip.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"email": "not an email"}, "email", "valid email"),
        ({"email": ""}, "email", "required"),
        ({"first_name": ""}, "first_name", "required"),
        ({"last_name": "Love\r\nBcc: x@example.org"}, "last_name", "One line only"),
        ({"phone": "12"}, "phone", "phone number"),
        ({"first_name": "A" * 101}, "first_name", "at most 100"),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_a_form_error_naming_the_field_and_nothing_is_sent(event, changes, field, text):
    response = Client().post(url(event), {**FORM, **changes})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and text.lower() in " ".join(errors[field]).lower()
    assert not PublicSignup.objects.exists() and EmailMessage.objects.count() == 0
    assert not Volunteer.objects.exists()


@pytest.mark.django_db
def test_unknown_district_past_draft_or_other_districts_events_are_404(event, partner):
    other = DistrictPartner.objects.create(district=DistrictFactory(), slug="other")
    assert Client().get(url(event, slug="nowhere")).status_code == 404
    assert Client().get(url(event, slug="other")).status_code == 404
    draft = EventFactory(start=timezone.now() + timedelta(days=3), status=EventStatus.DRAFT)
    draft.districts.add(partner.district)
    past = EventFactory(start=timezone.now() - timedelta(days=3), status=EventStatus.PUBLISHED)
    past.districts.add(partner.district)
    for e in (draft, past):
        assert Client().get(url(e)).status_code == 404
    partner.signup_enabled = False
    partner.save()
    assert Client().get(url(event)).status_code == 404
    assert other.slug == "other"


@pytest.mark.django_db
def test_the_page_is_public_and_has_a_csrf_token(event):
    page = Client(enforce_csrf_checks=True).get(url(event))
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
