"""Restaurant look-ups through the places integration, cached in the shared cache.

The integration client knows nothing of caches; this module decides what is worth caching."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from integrations.base import is_live, retry
from integrations.places import PlaceDetails, PlacesClient, PlaceSummary, get_client
from project.cache import cache_get, cache_set

CACHE_SECONDS = 24 * 3600


def places_enabled() -> bool:
    """True when the live Google Places client is configured (the fake answers demo data only)."""
    return is_live("places")


def _key(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(p.strip().lower() for p in parts).encode()).hexdigest()[:32]
    return f"places:{parts[0]}:{digest}"


def search_places(query: str, *, near: str = "", client: PlacesClient | None = None) -> list[PlaceSummary]:
    """Cached in the shared cache (Redis in production), so repeats cost no quota."""
    key = _key("search", query, near)
    hit = cache_get(key)
    if hit is not None:
        return [PlaceSummary(**item) for item in hit]
    client = client or get_client()
    results = retry(lambda: client.search(query, near=near), attempts=3)
    cache_set(key, [asdict(r) for r in results], CACHE_SECONDS)
    return results


def place_details(place_id: str, *, client: PlacesClient | None = None) -> PlaceDetails:
    key = _key("details", place_id)
    hit = cache_get(key)
    if hit is not None:
        return PlaceDetails(**hit)
    client = client or get_client()
    details = retry(lambda: client.details(place_id), attempts=3)
    cache_set(key, asdict(details), CACHE_SECONDS)
    return details
