"""Merchants (brands): per-user catalogue, automatic linking by website host or name prefix,
display names, delete keeps restaurants, merchant spend in analytics."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from expenses import selectors, services
from expenses.models import Merchant, Restaurant


def _restaurant(owner, name, **fields):
    return services.restaurant_create(user=owner, name=name, **fields)


def test_links_by_short_name_prefix_and_display_name(owner):
    wylie = _restaurant(owner, "Chili's - Wylie", location_name="Wylie")
    plain = _restaurant(owner, "Chili's")
    other = _restaurant(owner, "Chilistan Grill")  # a prefix of letters is not a word prefix
    merchant = services.merchant_create(user=owner, name="Chili's Grill & Bar", short_name="Chili's")
    assert set(merchant.restaurants.values_list("id", flat=True)) == {wylie.pk, plain.pk}
    other.refresh_from_db()
    assert other.merchant_id is None
    shown = {r.pk: r.display_name for r in selectors.restaurant_list_for_user(owner)}
    assert (shown[wylie.pk], shown[plain.pk]) == ("Chili's - Wylie", "Chili's")


def test_literal_none_location_is_ignored_in_the_display_name(owner):
    services.merchant_create(user=owner, name="Starbucks")
    restaurant = _restaurant(owner, "Starbucks Reserve", location_name="None")
    shown = selectors.restaurant_get_for_user(owner, restaurant.pk)
    assert (shown.merchant.name, shown.display_name) == ("Starbucks", "Starbucks")


def test_website_host_wins_over_the_name(owner):
    by_name = services.merchant_create(user=owner, name="Taco Joint")
    by_site = services.merchant_create(user=owner, name="TJ Holdings", website="https://www.tacojoint.example.com")
    restaurant = _restaurant(owner, "Taco Joint Downtown", website="http://tacojoint.example.com/menu")
    restaurant.refresh_from_db()
    assert restaurant.merchant_id == by_site.pk != by_name.pk


def test_ties_mean_no_link_and_manual_links_are_kept(owner):
    services.merchant_create(user=owner, name="Pho One", short_name="Pho")
    services.merchant_create(user=owner, name="Pho Two", short_name="Pho")
    tied = _restaurant(owner, "Pho - Main St")
    tied.refresh_from_db()
    assert tied.merchant_id is None
    keeper = services.merchant_create(user=owner, name="Burger Barn")
    restaurant = _restaurant(owner, "Burger Barn North")
    restaurant.refresh_from_db()
    assert restaurant.merchant_id == keeper.pk
    services.merchant_create(user=owner, name="Burger", short_name="Burger")  # would also match by short name
    restaurant.refresh_from_db()
    assert restaurant.merchant_id == keeper.pk  # an existing link is never changed


def test_merchants_are_per_user_and_names_unique_case_insensitively(owner, intruder):
    services.merchant_create(user=owner, name="Chili's")
    services.merchant_create(user=intruder, name="Chili's")  # each user has their own catalogue
    theirs = _restaurant(intruder, "Chili's - Plano")
    theirs.refresh_from_db()
    assert theirs.merchant.user == intruder
    with pytest.raises(ValidationError, match="You already have a merchant named"):
        services.merchant_create(user=owner, name="CHILI'S")


def test_deleting_a_merchant_keeps_its_restaurants_unlinked(owner):
    merchant = services.merchant_create(user=owner, name="Chili's")
    restaurant = _restaurant(owner, "Chili's - Wylie")
    services.merchant_delete(merchant=merchant)
    restaurant.refresh_from_db()
    assert restaurant.merchant_id is None and Restaurant.objects.filter(pk=restaurant.pk).exists()


def test_merchant_spend_in_analytics_and_on_the_merchant_page(owner, client, django_assert_max_num_queries):
    merchant = services.merchant_create(user=owner, name="Chili's Grill", short_name="Chili's")
    a = _restaurant(owner, "Chili's - Wylie")
    b = _restaurant(owner, "Chili's - Plano")
    solo = _restaurant(owner, "Corner Cafe")
    for restaurant, amount, kind in ((a, "20.00", "expense"), (b, "15.50", "expense"), (b, "5.50", "refund")):
        services.expense_create(
            user=owner, amount=Decimal(amount), kind=kind, date=date(2026, 3, 1), restaurant=restaurant
        )
    services.expense_create(user=owner, amount=Decimal("9.00"), date=date(2026, 3, 2), restaurant=solo)
    result = selectors.analytics_for_user(owner, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert result["by_merchant"] == [
        {"merchant_id": merchant.pk, "merchant": "Chili's", "total": Decimal("30.00"), "count": 2},
        {"merchant_id": None, "merchant": "No merchant", "total": Decimal("9.00"), "count": 1},
    ]
    client.force_login(owner)
    for i in range(5):
        services.merchant_create(user=owner, name=f"Brand {i}")
    with django_assert_max_num_queries(8):
        page = client.get("/expenses/merchants/")
    assert page.status_code == 200
    (row,) = [m for m in page.context["merchants"] if m.pk == merchant.pk]
    assert (row.restaurant_count, row.total) == (2, Decimal("30.00"))


def test_merchant_pages_add_edit_delete_and_ownership(owner, intruder, client):
    client.force_login(owner)
    response = client.post("/expenses/merchants/", {"name": "Chili's", "short_name": "", "website": "", "category": ""})
    assert response.status_code == 302
    merchant = Merchant.objects.get(user=owner)
    client.post(
        "/expenses/merchants/",
        {"merchant_id": merchant.pk, "name": "Chili's", "short_name": "Chilis", "website": "", "category": ""},
    )
    merchant.refresh_from_db()
    assert merchant.short_name == "Chilis"
    client.force_login(intruder)
    assert client.post("/expenses/merchants/", {"delete_id": merchant.pk}).status_code == 404
    client.force_login(owner)
    assert client.post("/expenses/merchants/", {"delete_id": merchant.pk}).status_code == 302
    assert not Merchant.objects.exists()


def test_expense_list_query_count_with_merchants(owner, client, django_assert_max_num_queries):
    services.merchant_create(user=owner, name="Chili's")
    for i in range(10):
        restaurant = _restaurant(owner, f"Chili's - {i}", location_name=str(i))
        services.expense_create(user=owner, amount=Decimal("5.00"), date=date(2026, 3, 1), restaurant=restaurant)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        page = client.get("/expenses/")
    assert page.status_code == 200 and "Chili&#x27;s - 9" in page.content.decode()
