"""Restaurants: create, update, delete (each linked to its merchant)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower

from ..models import Restaurant
from .merchants import merchant_link_restaurants
from .ownership import block_if_used

RESTAURANT_FIELDS = (
    "name",
    "location_name",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "website",
    "cuisine",
    "service_level",
    "price_level",
    "rating",
    "google_place_id",
    "latitude",
    "longitude",
    "notes",
)


def _restaurant_clean(restaurant: Restaurant) -> None:
    restaurant.google_place_id = (restaurant.google_place_id or "").strip() or None
    restaurant.name = (restaurant.name or "").strip()
    restaurant.full_clean(validate_constraints=False)
    clash = (
        Restaurant.objects.filter(user=restaurant.user)
        .annotate(
            lname=Lower("name"),
            lloc=Lower("location_name"),
            lcity=Lower("city"),
        )
        .filter(
            lname=Lower(Value(restaurant.name)),
            lloc=Lower(Value(restaurant.location_name)),
            lcity=Lower(Value(restaurant.city)),
        )
    )  # as the unique index compares (see clean_name_unique)
    if restaurant.pk:
        clash = clash.exclude(pk=restaurant.pk)
    if clash.exists():
        raise ValidationError(
            {"name": f"You already have “{restaurant.display_name}” in {restaurant.city or 'this city'}."}
        )
    if restaurant.google_place_id:
        taken = Restaurant.objects.filter(user=restaurant.user, google_place_id=restaurant.google_place_id)
        if restaurant.pk:
            taken = taken.exclude(pk=restaurant.pk)
        if taken.exists():
            raise ValidationError({"google_place_id": "Another of your restaurants is linked to this place."})


@transaction.atomic
def restaurant_create(*, user, **fields) -> Restaurant:
    unknown = set(fields) - set(RESTAURANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown restaurant fields {sorted(unknown)}")
    restaurant = Restaurant(user=user, **fields)
    _restaurant_clean(restaurant)
    restaurant.save()
    merchant_link_restaurants(user=user, restaurants=[restaurant])
    return restaurant


@transaction.atomic
def restaurant_update(*, restaurant: Restaurant, **fields) -> Restaurant:
    for name, value in fields.items():
        if name not in RESTAURANT_FIELDS:
            raise TypeError(f"unknown restaurant field {name}")
        setattr(restaurant, name, value)
    _restaurant_clean(restaurant)
    restaurant.save()
    merchant_link_restaurants(user=restaurant.user, restaurants=[restaurant])
    return restaurant


@transaction.atomic
def restaurant_delete(*, restaurant: Restaurant) -> None:
    block_if_used(restaurant, "restaurant")
    restaurant.delete()
