"""Fake-or-live selection and the shared-cache wrappers used by the expenses app."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict

from django.core.cache import cache
from redis import RedisError

from integrations.base import is_live, retry
from project.credentials import credential_get

from .fake import FakePlacesClient
from .interface import PlaceDetails, PlacesClient, PlaceSummary
from .live import LivePlacesClient

CACHE_SECONDS = 24 * 3600
logger = logging.getLogger(__name__)


def get_client() -> PlacesClient:
    if is_live("places"):
        return LivePlacesClient(credential_get(system="places", key="api_key") or "")
    return FakePlacesClient()


def _key(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(p.strip().lower() for p in parts).encode()).hexdigest()[:32]
    return f"places:{parts[0]}:{digest}"


def _cache_get(key: str):
    """The cache only saves quota: when it is down, the search goes to the provider."""
    try:
        return cache.get(key)
    except (RedisError, OSError) as exc:
        logger.warning("places cache unavailable: %s", exc)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except (RedisError, OSError) as exc:
        logger.warning("places cache unavailable: %s", exc)


def search_places(query: str, *, near: str = "", client: PlacesClient | None = None) -> list[PlaceSummary]:
    """Cached in the shared cache (Redis in production), so repeats cost no quota."""
    key = _key("search", query, near)
    hit = _cache_get(key)
    if hit is not None:
        return [PlaceSummary(**item) for item in hit]
    client = client or get_client()
    results = retry(lambda: client.search(query, near=near), attempts=3)
    _cache_set(key, [asdict(r) for r in results])
    return results


def place_details(place_id: str, *, client: PlacesClient | None = None) -> PlaceDetails:
    key = _key("details", place_id)
    hit = _cache_get(key)
    if hit is not None:
        return PlaceDetails(**hit)
    client = client or get_client()
    details = retry(lambda: client.details(place_id), attempts=3)
    _cache_set(key, asdict(details))
    return details
