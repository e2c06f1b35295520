"""Places integration: fake, live client over `responses`, shared-cache wrapper."""

from decimal import Decimal

import pytest
import responses
from django.core.cache import cache

from expenses.places import place_details, search_places
from integrations.base import AuthenticationError, PermanentError, TransientError
from integrations.places.fake import FakePlacesClient
from integrations.places.live import LivePlacesClient

BASE = "https://places.test"


@pytest.fixture(autouse=True)
def _places_base_url(settings):
    settings.INTEGRATIONS = {**settings.INTEGRATIONS, "places": {"mode": "fake", "base_url": BASE}}
    cache.clear()


class CountingClient(FakePlacesClient):
    def __init__(self):
        self.calls = 0

    def search(self, query, *, near=""):
        self.calls += 1
        return super().search(query, near=near)


def test_search_results_are_cached_in_the_shared_cache():
    client = CountingClient()
    first = search_places("Tacos", client=client)
    second = search_places("  tacos ", client=client)
    assert first == second and client.calls == 1
    assert [p.name for p in first] == ["Joe's Tacos"]


def test_fake_is_deterministic_and_filters_by_city():
    assert [p.place_id for p in FakePlacesClient().search("italian", near="round rock")] == ["fake-place-olive-vine"]
    assert FakePlacesClient().search("italian", near="Austin") == []
    with pytest.raises(PermanentError):
        FakePlacesClient().details("nope")


@responses.activate
def test_live_search_and_details_map_googles_answers():
    responses.post(
        f"{BASE}/v1/places:searchText",
        json={
            "places": [
                {
                    "id": "p1",
                    "displayName": {"text": "Pho & Co"},
                    "formattedAddress": "88 Lamar",
                    "rating": 4.5,
                    "priceLevel": "PRICE_LEVEL_MODERATE",
                }
            ]
        },
    )
    responses.get(
        f"{BASE}/v1/places/p1",
        json={
            "id": "p1",
            "displayName": {"text": "Pho & Co"},
            "nationalPhoneNumber": "(512) 555-0103",
            "websiteUri": "https://pho.example.com",
            "primaryType": "vietnamese_restaurant",
            "priceLevel": "PRICE_LEVEL_INEXPENSIVE",
            "location": {"latitude": 30.25, "longitude": -97.7612345},
            "addressComponents": [
                {"longText": "88", "shortText": "88", "types": ["street_number"]},
                {"longText": "Lamar Boulevard", "shortText": "Lamar Blvd", "types": ["route"]},
                {"longText": "Austin", "shortText": "Austin", "types": ["locality"]},
                {"longText": "Texas", "shortText": "TX", "types": ["administrative_area_level_1"]},
                {"longText": "78704", "shortText": "78704", "types": ["postal_code"]},
            ],
        },
    )
    client = LivePlacesClient("key")
    found = client.search("pho", near="Austin")
    assert (found[0].place_id, found[0].price_level) == ("p1", 2)
    assert responses.calls[0].request.headers["X-Goog-Api-Key"] == "key"
    details = client.details("p1")
    assert (details.address_line_1, details.city, details.state, details.postal_code) == (
        "88 Lamar Blvd",
        "Austin",
        "TX",
        "78704",
    )
    assert (details.cuisine, details.price_level, details.longitude) == ("Vietnamese", 1, Decimal("-97.761235"))


@responses.activate
@pytest.mark.parametrize(
    "status, error", [(403, AuthenticationError), (429, TransientError), (503, TransientError), (400, PermanentError)]
)
def test_live_errors_are_mapped(status, error):
    responses.post(f"{BASE}/v1/places:searchText", status=status, json={})
    with pytest.raises(error):
        LivePlacesClient("key").search("x")


def test_live_client_needs_a_key():
    with pytest.raises(AuthenticationError):
        LivePlacesClient("")


def test_details_are_cached(monkeypatch):
    assert place_details("fake-place-pho-co").name == "Pho & Co"

    def fail(self, place_id):
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(FakePlacesClient, "details", fail)
    assert place_details("fake-place-pho-co").city == "Austin"
