"""The district partner API: hashed keys shown once, X-API-Key, only the district's published
upcoming events, envelope and pagination, per-key rate limits in the shared cache, CORS for the
district's origins, and one 401 for every kind of bad key."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from project.models import hash_token
from volunteers.models import EventStatus
from volunteers.partners import ratelimit, services
from volunteers.partners.models import DistrictPartner, PartnerApiKey

from .factories import DistrictFactory, EventFactory, SchoolFactory

URL = "/api/v1/public/districts/{slug}/events/"


@pytest.fixture(autouse=True)
def local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner(db):
    district = DistrictFactory(name="Northside")
    return DistrictPartner.objects.create(
        district=district, slug="northside", allowed_origins="https://www.northside.k12.example\n"
    )


@pytest.fixture
def other_partner(db):
    return DistrictPartner.objects.create(district=DistrictFactory(name="Southside"), slug="southside")


@pytest.fixture
def key(partner):
    return services.api_key_create(partner=partner, name="district website")[1]


def upcoming(partner, days=7, **fields):
    event = EventFactory(
        start=timezone.now() + timedelta(days=days), status=fields.pop("status", EventStatus.PUBLISHED), **fields
    )
    event.districts.add(partner.district)
    return event


def get(url, key=None, **extra):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    return Client().get(url, **headers, **extra)


@pytest.mark.django_db
def test_keys_are_stored_hashed_and_shown_once(partner):
    key, raw = services.api_key_create(partner=partner, name="  website  ")
    assert raw.startswith("cbp_") and len(raw) > 40
    stored = PartnerApiKey.objects.get()
    assert stored.key_hash == hash_token(raw) and raw not in (stored.prefix, stored.key_hash, stored.name)
    assert stored.prefix == raw[:10] and stored.name == "website"
    second, raw2 = services.api_key_create(partner=partner, name="app")
    assert raw2 != raw and partner.api_keys.count() == 2


@pytest.mark.django_db
def test_lists_only_the_districts_published_upcoming_events_in_an_envelope(partner, other_partner, key):
    school = SchoolFactory(name="Central High", district=partner.district)
    soon = upcoming(partner, days=2, volunteers_needed=5, registered_count=2, school=school, location="")
    later = upcoming(partner, days=9)
    upcoming(partner, days=3, status=EventStatus.DRAFT)
    upcoming(partner, days=-1)  # started already
    upcoming(other_partner, days=4)
    response = get(URL.format(slug="northside"), key)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "pagination", "meta"}
    assert [e["id"] for e in body["data"]] == [soon.pk, later.pk]
    first = body["data"][0]
    assert first["school"] == "Central High" and first["spots_left"] == 3 and first["volunteers_needed"] == 5
    assert first["signup_url"] == f"http://testserver/volunteers/public/northside/events/{soon.pk}/signup/"
    assert body["data"][1]["spots_left"] is None  # no limit stated
    assert body["pagination"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}
    assert body["meta"]["district"] == "Northside" and body["meta"]["slug"] == "northside"
    detail = get(f"{URL.format(slug='northside')}{soon.pk}/", key)
    assert detail.status_code == 200 and detail.json()["data"]["id"] == soon.pk
    assert set(detail.json()) == {"data", "meta"}


@pytest.mark.django_db
def test_detail_of_another_districts_or_unpublished_event_is_404(partner, other_partner, key):
    theirs = upcoming(other_partner)
    draft = upcoming(partner, status=EventStatus.DRAFT)
    for event in (theirs, draft):
        response = get(f"{URL.format(slug='northside')}{event.pk}/", key)
        assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.django_db
def test_pagination_is_capped_at_100_and_bad_values_are_400_naming_the_parameter(partner, key):
    for n in range(105):
        upcoming(partner, days=1 + n % 20)
    url = URL.format(slug="northside")
    body = get(url, key, data={"per_page": 500}).json()
    assert body["pagination"] == {"page": 1, "per_page": 100, "total": 105, "pages": 2}
    assert len(body["data"]) == 100
    assert len(get(url, key, data={"per_page": 100, "page": 2}).json()["data"]) == 5
    assert get(url, key, data={"page": 9}).json()["data"] == []
    for params, name in (({"per_page": "0"}, "per_page"), ({"page": "x"}, "page"), ({"page": "-1"}, "page")):
        response = get(url, key, data=params)
        assert response.status_code == 400 and name in response.json()["errors"]


@pytest.mark.django_db
def test_the_list_runs_a_constant_number_of_queries(partner, key, django_assert_max_num_queries):
    for n in range(60):
        upcoming(partner, days=1 + n, school=SchoolFactory(district=partner.district))
    with django_assert_max_num_queries(6):
        response = get(URL.format(slug="northside"), key, data={"per_page": 50})
    assert len(response.json()["data"]) == 50


@pytest.mark.django_db
def test_wrong_revoked_or_other_districts_keys_get_the_same_401(partner, other_partner, key):
    upcoming(partner)
    their_key = services.api_key_create(partner=other_partner, name="theirs")[1]
    revoked_obj, revoked = services.api_key_create(partner=partner, name="old")
    services.api_key_revoke(key=revoked_obj)
    answers = set()
    for slug, candidate in (
        ("northside", None),
        ("northside", "cbp_wrong"),
        ("northside", revoked),
        ("northside", their_key),
        ("no-such-district", key),
        ("no-such-district", None),
    ):
        response = get(URL.format(slug=slug), candidate)
        assert response.status_code == 401, (slug, candidate)
        assert response["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'
        answers.add(response.content)
    assert len(answers) == 1  # nothing tells which case it was
    assert get(URL.format(slug="northside"), key).status_code == 200


@pytest.mark.django_db
def test_rate_limit_per_key_answers_429_with_retry_after(partner, key, monkeypatch):
    # A fixed clock 20 s into a minute window, so the 61 requests cannot straddle two windows.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_000_040.0))
    url = URL.format(slug="northside")
    statuses = [get(url, key).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    limited = get(url, key)
    assert limited.status_code == 429 and limited["Retry-After"] == "41"
    assert limited.json()["detail"]
    # Another key of the same district has its own budget.
    other = services.api_key_create(partner=partner, name="second")[1]
    assert get(url, other).status_code == 200


def test_windows_count_per_scope_and_reset(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    limits = ((60, 2), (3600, 3))
    t = 1_000_040.0  # 20 s into a minute window (1,000,020 is a multiple of 60)
    assert [ratelimit.rate_limit_hit(scope="k", limits=limits, now=t) for _ in range(2)] == [None, None]
    assert ratelimit.rate_limit_hit(scope="k", limits=limits, now=t) == 41  # until the minute ends
    assert ratelimit.rate_limit_hit(scope="other", limits=limits, now=t) is None
    next_minute = t + 60
    assert ratelimit.rate_limit_hit(scope="k", limits=limits, now=next_minute) is None  # third of the hour
    assert ratelimit.rate_limit_hit(scope="k", limits=limits, now=next_minute) > 60  # the hour is spent


@pytest.mark.django_db
def test_cors_only_for_the_districts_origins(partner, key):
    url = URL.format(slug="northside")
    allowed = get(url, key, HTTP_ORIGIN="https://www.northside.k12.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://www.northside.k12.example"
    assert "Origin" in allowed["Vary"]
    assert "Access-Control-Allow-Origin" not in get(url, key, HTTP_ORIGIN="https://evil.example")
    preflight = Client().options(
        url, HTTP_ORIGIN="https://www.northside.k12.example", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key"
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Headers"] == "X-API-Key"
    refused = Client().options(url, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused
    # The error answers carry CORS too, so the district's page can read them.
    assert get(url, "bad", HTTP_ORIGIN="https://www.northside.k12.example")["Access-Control-Allow-Origin"]


@pytest.mark.django_db
def test_admin_creates_a_key_and_shows_it_once(admin_user, partner):
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/partners/districtpartner/{partner.pk}/new-key/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "website"})
    raw = response.context["raw_key"]
    assert raw.startswith("cbp_") and raw in response.content.decode()
    assert PartnerApiKey.objects.get().key_hash == hash_token(raw)
    assert raw not in client.get(f"/admin/partners/districtpartner/{partner.pk}/change/").content.decode()
    assert client.post(url, {"name": "  "}).context["raw_key"] is None


@pytest.mark.django_db
def test_the_schema_has_the_public_api_as_its_own_tag(admin_user):
    client = Client()
    client.force_login(admin_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/public/districts/{slug}/events/"]["get"]
    assert operation["tags"] == ["Public partner API"]
    assert operation["security"] == [{"partnerApiKey": []}]
    assert schema["components"]["securitySchemes"]["partnerApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
