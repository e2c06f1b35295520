"""Admin: superusers can support users (owner shown, read-only); no role gets expense permissions."""

import re
from datetime import date
from decimal import Decimal

import pytest

from expenses import services
from expenses.models import Expense, LoyaltyAccount, Merchant

from .factories import RestaurantFactory

CHANGELISTS = [
    "expense",
    "restaurant",
    "category",
    "tag",
    "importdraft",
    "expenseprofile",
    "merchant",
    "loyaltyaccount",
]


@pytest.fixture
def data(owner):
    restaurant = RestaurantFactory(user=owner)
    for i in range(15):
        services.expense_create(
            user=owner, amount=Decimal("3.00"), date=date(2025, 1, 1 + i), restaurant=restaurant, tags=["a", "b"]
        )
    services.import_draft_create(user=owner, filename="x.csv", data=b"date,restaurant,amount\n2025-01-01,A,5\n")
    for i in range(12):
        RestaurantFactory(user=owner, name=f"Brand {i} - Downtown")
        merchant = services.merchant_create(user=owner, name=f"Brand {i} Inc", short_name=f"Brand {i}")
        LoyaltyAccount.objects.create(user=owner, program=f"Brand {i} Rewards", merchant=merchant)


@pytest.mark.parametrize("model", CHANGELISTS)
def test_superuser_changelists_show_the_owner(data, admin_user, client, model, django_assert_max_num_queries):
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        response = client.get(f"/admin/expenses/{model}/")
    assert response.status_code == 200


def test_expense_change_page(data, admin_user, client):
    client.force_login(admin_user)
    expense = Expense.objects.first()
    response = client.get(f"/admin/expenses/expense/{expense.pk}/change/")
    assert response.status_code == 200 and b"staff1" in response.content


def test_coordinator_has_no_access_to_private_expenses(data, coordinator, client):
    client.force_login(coordinator)
    assert client.get("/admin/expenses/expense/").status_code == 403


@pytest.mark.parametrize("model", CHANGELISTS)
def test_superuser_support_pages_are_read_only(data, admin_user, client, model):
    client.force_login(admin_user)
    changelist = client.get(f"/admin/expenses/{model}/").content.decode()
    assert f"/admin/expenses/{model}/add/" not in changelist
    assert not {"delete_selected", "soft_delete_selected", "restore_selected"} & set(
        re.findall(r'value="(\w+)"', changelist)
    )
    assert client.get(f"/admin/expenses/{model}/add/").status_code == 403


def test_superuser_cannot_change_or_delete_an_expense(data, admin_user, client):
    client.force_login(admin_user)
    expense = Expense.objects.first()
    page = client.get(f"/admin/expenses/expense/{expense.pk}/change/").content.decode()
    assert 'name="_save"' not in page and 'name="amount"' not in page
    response = client.post(f"/admin/expenses/expense/{expense.pk}/change/", {"amount": "999.00"})
    assert response.status_code == 403
    assert client.post(f"/admin/expenses/expense/{expense.pk}/delete/", {"post": "yes"}).status_code == 403
    expense.refresh_from_db()
    assert expense.amount == Decimal("3.00") and expense.deleted_at is None


def test_merchant_changelist_shows_short_name_website_category_and_restaurant_count(owner, admin_user, client):
    RestaurantFactory(user=owner, name="Chili's - Wylie")
    RestaurantFactory(user=owner, name="Chili's - Plano")
    RestaurantFactory(user=owner, name="Taco Hut")
    services.merchant_create(
        user=owner,
        name="Chili's Grill & Bar",
        short_name="Chili's",
        website="https://www.chilis.com",
        category="standard_restaurant",
    )
    client.force_login(admin_user)
    page = client.get("/admin/expenses/merchant/")
    row = page.context["cl"].result_list.get(name="Chili's Grill & Bar")
    assert row.restaurant_total == 2
    body = page.content.decode()
    for text in (
        "Chili&#x27;s",
        "https://www.chilis.com",
        ">Restaurant<",
        'class="field-restaurant_count">2<',
        "staff1",
    ):
        assert text in body, text
    found = client.get("/admin/expenses/merchant/?q=chilis.com").context["cl"].result_list
    assert [m.name for m in found] == ["Chili's Grill & Bar"]
    assert [m.name for m in client.get("/admin/expenses/merchant/?q=Taco").context["cl"].result_list] == []


def test_merchant_admin_is_read_only_even_for_superusers(owner, admin_user, client):
    merchant = services.merchant_create(user=owner, name="Starbucks")
    client.force_login(admin_user)
    assert client.get(f"/admin/expenses/merchant/{merchant.pk}/change/").status_code == 200
    assert client.post(f"/admin/expenses/merchant/{merchant.pk}/change/", {"name": "Other"}).status_code == 403
    assert client.post(f"/admin/expenses/merchant/{merchant.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Merchant.objects.get(pk=merchant.pk).name == "Starbucks"
