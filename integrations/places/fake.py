"""Deterministic in-process Places: a small fixed catalogue, searched by substring."""

from __future__ import annotations

from decimal import Decimal

from integrations.base import PermanentError

from .interface import PlaceDetails, PlaceSummary

CATALOGUE = [
    PlaceDetails(
        "fake-place-joes-tacos-downtown",
        "Joe's Tacos",
        "12 Main St",
        "Austin",
        "TX",
        "78701",
        "US",
        "+1 512-555-0101",
        "https://joestacos.example.com",
        "Mexican",
        1,
        Decimal("30.267200"),
        Decimal("-97.743100"),
    ),
    PlaceDetails(
        "fake-place-burger-barn",
        "Burger Barn",
        "1 Elm St",
        "Austin",
        "TX",
        "78702",
        "US",
        "+1 512-555-0102",
        "https://burgerbarn.example.com",
        "American",
        2,
        Decimal("30.262000"),
        Decimal("-97.720000"),
    ),
    PlaceDetails(
        "fake-place-pho-co",
        "Pho & Co",
        "88 Lamar Blvd",
        "Austin",
        "TX",
        "78704",
        "US",
        "+1 512-555-0103",
        "",
        "Vietnamese",
        1,
        Decimal("30.250000"),
        Decimal("-97.760000"),
    ),
    PlaceDetails(
        "fake-place-golden-wok",
        "Golden Wok",
        "400 Congress Ave",
        "Austin",
        "TX",
        "78701",
        "US",
        "+1 512-555-0104",
        "",
        "Chinese",
        2,
        Decimal("30.268000"),
        Decimal("-97.742000"),
    ),
    PlaceDetails(
        "fake-place-olive-vine",
        "Olive & Vine",
        "9 River Rd",
        "Round Rock",
        "TX",
        "78664",
        "US",
        "+1 512-555-0105",
        "https://olivevine.example.com",
        "Italian",
        3,
        Decimal("30.508000"),
        Decimal("-97.678000"),
    ),
    PlaceDetails(
        "fake-place-sunrise-diner",
        "Sunrise Diner",
        "77 Oak Ave",
        "Austin",
        "TX",
        "78705",
        "US",
        "+1 512-555-0106",
        "",
        "Breakfast",
        1,
        Decimal("30.290000"),
        Decimal("-97.740000"),
    ),
]


class FakePlacesClient:
    def search(self, query: str, *, near: str = "") -> list[PlaceSummary]:
        words = [w for w in query.lower().replace("&", " ").split() if w]
        near = near.lower().strip()
        found = []
        for place in CATALOGUE:
            haystack = f"{place.name} {place.cuisine} {place.address_line_1} {place.city}".lower()
            if words and all(w in haystack for w in words) and (not near or near in place.city.lower()):
                found.append(
                    PlaceSummary(
                        place.place_id,
                        place.name,
                        f"{place.address_line_1}, {place.city}, {place.state}",
                        rating=4.0,
                        price_level=place.price_level,
                    )
                )
        return found

    def details(self, place_id: str) -> PlaceDetails:
        for place in CATALOGUE:
            if place.place_id == place_id:
                return place
        raise PermanentError(f"Unknown place {place_id!r}", system="places", code=404)
