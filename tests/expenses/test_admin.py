"""Admin: superusers can support users (owner shown); no role gets expense permissions."""

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
        services.expense_create(user=owner, amount=Decimal("3.00"), date=date(2025, 1, 1 + i),
                                restaurant=restaurant, tags=["a", "b"])
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
