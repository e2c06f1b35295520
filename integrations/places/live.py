"""Google Places API (New) over HTTPS. The only module that talks to Google."""

from __future__ import annotations

from decimal import Decimal

import requests

from integrations.base import AuthenticationError, PermanentError, TransientError, base_url, timeout

from .interface import PlaceDetails, PlaceSummary

SEARCH_FIELDS = "places.id,places.displayName,places.formattedAddress,places.rating,places.priceLevel"
DETAIL_FIELDS = "id,displayName,addressComponents,nationalPhoneNumber,websiteUri,primaryType,priceLevel,location"
PRICE_LEVELS = {
    "PRICE_LEVEL_FREE": 0,
    "PRICE_LEVEL_INEXPENSIVE": 1,
    "PRICE_LEVEL_MODERATE": 2,
    "PRICE_LEVEL_EXPENSIVE": 3,
    "PRICE_LEVEL_VERY_EXPENSIVE": 4,
}


class LivePlacesClient:
    def __init__(self, api_key: str, *, session: requests.Session | None = None):
        if not api_key:
            raise AuthenticationError("No Google Places API key is configured.", system="places")
        self.api_key = api_key
        self.session = session or requests.Session()
        self.base = base_url("places")

    def _call(self, method: str, path: str, *, fields: str, json=None) -> dict:
        headers = {"X-Goog-Api-Key": self.api_key, "X-Goog-FieldMask": fields}
        try:
            response = self.session.request(method, f"{self.base}{path}", headers=headers, json=json, timeout=timeout())
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientError(f"Places unreachable: {exc}", system="places") from exc
        if response.status_code in (401, 403):
            raise AuthenticationError("Google rejected the Places API key.", system="places", code=response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"Places answered {response.status_code}", system="places", code=response.status_code)
        if response.status_code >= 400:
            raise PermanentError(
                f"Places answered {response.status_code}: {response.text[:200]}",
                system="places",
                code=response.status_code,
            )
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError("Places returned invalid JSON", system="places") from exc

    def search(self, query: str, *, near: str = "") -> list[PlaceSummary]:
        text = f"{query} {near}".strip()
        data = self._call(
            "POST",
            "/v1/places:searchText",
            fields=SEARCH_FIELDS,
            json={"textQuery": text, "includedType": "restaurant", "maxResultCount": 10},
        )
        return [
            PlaceSummary(
                place_id=p.get("id", ""),
                name=(p.get("displayName") or {}).get("text", ""),
                address=p.get("formattedAddress", ""),
                rating=p.get("rating"),
                price_level=PRICE_LEVELS.get(p.get("priceLevel", "")),
            )
            for p in data.get("places", [])
        ]

    def details(self, place_id: str) -> PlaceDetails:
        p = self._call("GET", f"/v1/places/{requests.utils.quote(place_id, safe='')}", fields=DETAIL_FIELDS)
        parts: dict[str, str] = {}
        for component in p.get("addressComponents", []):
            for kind in component.get("types", []):
                parts.setdefault(kind, component.get("shortText") or component.get("longText", ""))
        location = p.get("location") or {}
        street = " ".join(x for x in (parts.get("street_number", ""), parts.get("route", "")) if x)
        return PlaceDetails(
            place_id=p.get("id", place_id),
            name=(p.get("displayName") or {}).get("text", ""),
            address_line_1=street,
            city=parts.get("locality", ""),
            state=parts.get("administrative_area_level_1", ""),
            postal_code=parts.get("postal_code", ""),
            country=parts.get("country", ""),
            phone=p.get("nationalPhoneNumber", ""),
            website=p.get("websiteUri", ""),
            cuisine=(p.get("primaryType") or "").replace("_restaurant", "").replace("_", " ").title(),
            price_level=PRICE_LEVELS.get(p.get("priceLevel", "")),
            latitude=Decimal(str(round(location["latitude"], 6))) if "latitude" in location else None,
            longitude=Decimal(str(round(location["longitude"], 6))) if "longitude" in location else None,
        )
