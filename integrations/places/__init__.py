"""Google Places: search and details that prefill a restaurant.

`get_client()` returns the fake (default) or the live client per settings.INTEGRATIONS["places"];
`search_places` / `place_details` wrap either with the shared Django cache. Callers are views
that run on a user's explicit action (a submitted search), never page loads or tasks."""

from .client import get_client, place_details, search_places
from .interface import PlaceDetails, PlacesClient, PlaceSummary

__all__ = ["PlaceDetails", "PlaceSummary", "PlacesClient", "get_client", "place_details", "search_places"]
