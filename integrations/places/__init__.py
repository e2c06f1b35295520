"""Google Places: search and details that prefill a restaurant.

`get_client()` returns the fake (default) or the live client per settings.INTEGRATIONS["places"].
Caching is the caller's choice (`expenses.places` caches in the shared cache)."""

from integrations.base import credential, is_live

from .fake import FakePlacesClient
from .interface import PlaceDetails, PlacesClient, PlaceSummary
from .live import LivePlacesClient


def get_client() -> PlacesClient:
    if is_live("places"):
        return LivePlacesClient(credential(system="places", key="api_key"))
    return FakePlacesClient()


__all__ = ["PlaceDetails", "PlaceSummary", "PlacesClient", "get_client"]
