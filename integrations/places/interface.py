from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class PlaceSummary:
    place_id: str
    name: str
    address: str
    rating: float | None = None
    price_level: int | None = None


@dataclass(frozen=True)
class PlaceDetails:
    place_id: str
    name: str
    address_line_1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""
    website: str = ""
    cuisine: str = ""
    price_level: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class PlacesClient(Protocol):
    def search(self, query: str, *, near: str = "") -> list[PlaceSummary]: ...

    def details(self, place_id: str) -> PlaceDetails: ...
