"""The month calendar of meals: the grid, each day's meals linked to the expense, the month's
totals with refunds apart, prev/next months, a bad ?month= refused, and a fixed query count."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from expenses import selectors, services

from .factories import ExpenseFactory, RestaurantFactory

D = Decimal


@pytest.fixture
def march(owner, intruder):
    chilis = RestaurantFactory(user=owner, name="Chili's Grill & Bar", location_name="Wylie")
    services.merchant_create(user=owner, name="Chili's Restaurants", short_name="Chili's")  # links it
    taco = RestaurantFactory(user=owner, name="Taco Hut")
    return {
        "lunch": ExpenseFactory(
            user=owner, restaurant=chilis, amount=D("12.50"), date=date(2025, 3, 3), meal_type="lunch"
        ),
        "dinner": ExpenseFactory(
            user=owner, restaurant=taco, amount=D("30.00"), date=date(2025, 3, 3), meal_type="dinner"
        ),
        "refund": ExpenseFactory(user=owner, restaurant=taco, amount=D("5.00"), date=date(2025, 3, 10), kind="refund"),
        "padding": ExpenseFactory(user=owner, restaurant=taco, amount=D("8.00"), date=date(2025, 2, 28)),
        "april": ExpenseFactory(user=owner, restaurant=taco, amount=D("9.00"), date=date(2025, 4, 2)),
        "trash": ExpenseFactory(user=owner, restaurant=taco, amount=D("70.00"), date=date(2025, 3, 4)),
        "other": ExpenseFactory(user=intruder, amount=D("99.00"), date=date(2025, 3, 3)),
    }


def _cell(page, day):
    return next(cell for week in page.context["grid"] for cell in week if cell["day"] == day)


def test_month_grid_days_meals_and_totals(owner, march, client):
    march["trash"].soft_delete()
    client.force_login(owner)
    page = client.get("/expenses/analytics/calendar/?month=2025-03")
    assert page.status_code == 200
    grid = page.context["grid"]
    # March 2025 starts on a Saturday: six Monday-first weeks, 24 February to 6 April.
    assert len(grid) == 6 and grid[0][0]["day"] == date(2025, 2, 24) and grid[-1][-1]["day"] == date(2025, 4, 6)
    assert [e.pk for e in _cell(page, date(2025, 3, 3))["expenses"]] == [march["lunch"].pk, march["dinner"].pk]
    assert [e.pk for e in _cell(page, date(2025, 3, 10))["expenses"]] == [march["refund"].pk]
    assert _cell(page, date(2025, 3, 4))["expenses"] == []  # the trash is not a meal
    padding = _cell(page, date(2025, 2, 28))
    assert padding["in_month"] is False and [e.pk for e in padding["expenses"]] == [march["padding"].pk]
    assert [e.pk for e in _cell(page, date(2025, 4, 2))["expenses"]] == [march["april"].pk]
    # The month's own totals: the padding days and the refund apart.
    assert (page.context["count"], page.context["spent"], page.context["refunded"], page.context["net"]) == (
        2,
        D("42.50"),
        D("5.00"),
        D("37.50"),
    )
    assert (page.context["prev_month"], page.context["next_month"]) == (date(2025, 2, 1), date(2025, 4, 1))


def test_each_meal_shows_restaurant_amount_and_meal_type_linked_to_the_expense(owner, march, client):
    client.force_login(owner)
    body = client.get("/expenses/analytics/calendar/?month=2025-03").content.decode()
    lunch = march["lunch"]
    assert f'<a href="/expenses/{lunch.pk}/">Chili&#x27;s - Wylie</a>' in body  # merchant short name + location
    assert "$12.50 · Lunch" in body and "$30.00 · Dinner" in body
    assert "refund</span> −$5.00" in body
    assert "$99.00" not in body  # someone else's meal
    assert 'href="?month=2025-02"' in body and 'href="?month=2025-04"' in body


def test_no_month_is_this_month(owner, client):
    client.force_login(owner)
    page = client.get("/expenses/analytics/calendar/")
    assert page.context["month"] == selectors.user_today(owner).replace(day=1)


@pytest.mark.parametrize(
    ("query", "named"),
    [("month=march", "month=march"), ("month=2025-13", "2025-13"), ("year=20x5&month=3", "year=20x5&amp;month=3")],
)
def test_a_bad_month_is_a_400_naming_it(owner, client, query, named):
    client.force_login(owner)
    response = client.get(f"/expenses/analytics/calendar/?{query}")
    assert response.status_code == 400
    assert named in response.content.decode()


def test_query_count_does_not_grow_with_the_meals(owner, client):
    client.force_login(owner)

    def queries(meals):
        for n in range(meals):
            ExpenseFactory(user=owner, restaurant=RestaurantFactory(user=owner), date=date(2025, 5, 1 + n % 28))
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/expenses/analytics/calendar/?month=2025-05")
        return len(captured), sum(len(cell["expenses"]) for week in page.context["grid"] for cell in week)

    few, shown_few = queries(2)
    many, shown_many = queries(30)
    assert (shown_few, shown_many) == (2, 32)
    assert few == many
