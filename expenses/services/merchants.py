"""Merchants (brands) and the rule that links a restaurant to its merchant."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction

from ..models import Merchant, Restaurant
from .ownership import clean_name_unique

MERCHANT_FIELDS = ("name", "short_name", "website", "category")


def _host(url: str) -> str:
    host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "") if url else ""
    return host.lower().removeprefix("www.")


def _brand(text: str) -> str:
    return " ".join(str(text or "").lower().replace("’", "'").split())


def merchant_for_restaurant(restaurant, merchants: list[Merchant]) -> Merchant | None:
    """The merchant a restaurant belongs to: by website host first (it wins over the name), then
    by short name or name equal to the restaurant's name or a word-prefix of it ("Chili's -
    Wylie" → Chili's). Short-name matches win over name matches; a tie means no link."""
    host = _host(restaurant.website)
    if host:
        by_host = [m for m in merchants if _host(m.website) == host]
        if len(by_host) == 1:
            return by_host[0]
        if by_host:
            return None
    name = _brand(restaurant.name)

    def matches(brand: str) -> bool:
        brand = _brand(brand)
        return bool(brand) and (name == brand or (name.startswith(brand) and not name[len(brand)].isalnum()))

    for attribute in ("short_name", "name"):
        found = [m for m in merchants if matches(getattr(m, attribute))]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def merchant_link_restaurants(*, user, restaurants: list[Restaurant] | None = None) -> int:
    """Link the user's unlinked restaurants (or the given ones) to their merchant; a restaurant
    already linked keeps its merchant. Two queries plus one UPDATE per merchant that gains some."""
    merchants = list(Merchant.objects.filter(user=user))
    if not merchants:
        return 0
    if restaurants is None:
        restaurants = list(Restaurant.objects.filter(user=user, merchant__isnull=True))
    gained: dict[int, list[int]] = {}
    for restaurant in restaurants:
        if restaurant.merchant_id:
            continue
        merchant = merchant_for_restaurant(restaurant, merchants)
        if merchant is not None:
            restaurant.merchant = merchant
            gained.setdefault(merchant.pk, []).append(restaurant.pk)
    for merchant_id, ids in gained.items():
        Restaurant.objects.filter(user=user, pk__in=ids, merchant__isnull=True).update(merchant_id=merchant_id)
    return sum(len(ids) for ids in gained.values())


def _merchant_clean(merchant: Merchant) -> None:
    merchant.name = merchant.name.strip()
    merchant.short_name = merchant.short_name.strip()
    merchant.full_clean(validate_constraints=False)
    clean_name_unique(Merchant, user=merchant.user, name=merchant.name, instance=merchant)


@transaction.atomic
def merchant_create(*, user, **fields) -> Merchant:
    unknown = set(fields) - set(MERCHANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown merchant fields {sorted(unknown)}")
    merchant = Merchant(user=user, **fields)
    _merchant_clean(merchant)
    merchant.save()
    merchant_link_restaurants(user=user)
    return merchant


@transaction.atomic
def merchant_update(*, merchant: Merchant, **fields) -> Merchant:
    for name, value in fields.items():
        if name not in MERCHANT_FIELDS:
            raise TypeError(f"unknown merchant field {name}")
        setattr(merchant, name, value)
    _merchant_clean(merchant)
    merchant.save()
    merchant_link_restaurants(user=merchant.user)
    return merchant


@transaction.atomic
def merchant_delete(*, merchant: Merchant) -> None:
    merchant.delete()  # its restaurants stay, unlinked (SET_NULL)
