"""Admin: superusers can support users (owner shown, read-only); no role gets expense permissions."""

import re
from datetime import date
from decimal import Decimal

import pytest

from expenses import services
from expenses.models import Expense

from .factories import RestaurantFactory

CHANGELISTS = ["expense", "restaurant", "category", "tag", "importdraft", "expenseprofile"]


@pytest.fixture
def data(owner):
    restaurant = RestaurantFactory(user=owner)
    for i in range(15):
        services.expense_create(
            user=owner, amount=Decimal("3.00"), date=date(2025, 1, 1 + i), restaurant=restaurant, tags=["a", "b"]
        )
    services.import_draft_create(user=owner, filename="x.csv", data=b"date,restaurant,amount\n2025-01-01,A,5\n")


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
