"""Export then re-import into an empty account reproduces every field exactly."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from expenses import services
from expenses.models import Category, Expense
from tests.conftest import make_user

from .factories import RestaurantFactory

API = "/api/v1/expenses"


@pytest.fixture
def rich_account(owner):
    services.category_defaults_ensure(user=owner)
    team = services.category_create(user=owner, name="Team Meals")
    drinks = Category.objects.get(user=owner, name="Drinks")
    tacos = RestaurantFactory(
        user=owner,
        name="Joe's Tacos",
        location_name="Downtown",
        city="Austin",
        address_line_1="12 Main St",
        state="TX",
        postal_code="78701",
    )
    tacos_north = RestaurantFactory(user=owner, name="Joe's Tacos", location_name="North", city="Austin")
    pub = RestaurantFactory(user=owner, name='=Pub, "The"', city="")
    rows = [
        dict(
            amount=Decimal("24.77"),
            date=date(2025, 1, 5),
            time=time(23, 45),
            cleared_date=date(2025, 1, 7),
            restaurant=tacos,
            category=team,
            meal_type="late_night",
            order_type="dine_in",
            party_size=3,
            notes='Line one\nline "two", with comma',
            tags=["zeta", "alpha", "Mid-dle"],
        ),
        dict(amount=Decimal("5.00"), kind="refund", date=date(2025, 1, 6), restaurant=tacos, tags=["alpha"]),
        dict(
            amount=Decimal("100000.00"),
            date=date(2025, 12, 31),
            time=time(0, 0, 30),
            restaurant=tacos_north,
            category=drinks,
            meal_type="drinks",
            order_type="catering",
            party_size=50,
            notes="=SUM(A1)",
        ),
        dict(amount=Decimal("0.01"), date=date(2024, 2, 29), restaurant=pub, notes="-minus +plus @at 'quote"),
        dict(amount=Decimal("24.77"), date=date(2025, 1, 5), time=time(23, 45), restaurant=tacos, notes="twin"),
    ]
    for row in rows:
        services.expense_create(user=owner, **row)
    return owner


def _snapshot(user):
    return sorted(
        (
            (
                e.date,
                e.time,
                e.cleared_date,
                e.amount,
                e.kind,
                e.restaurant.name,
                e.restaurant.location_name,
                e.restaurant.city,
                e.restaurant.address_line_1,
                e.restaurant.state,
                e.restaurant.postal_code,
                e.category.name if e.category else None,
                e.meal_type,
                e.order_type,
                e.party_size,
                e.notes,
                tuple(link.tag.name for link in e.tag_links.order_by("position")),
            )
            for e in Expense.objects.filter(user=user).select_related("restaurant", "category")
        ),
        key=repr,
    )


@pytest.mark.parametrize("fmt, content_type", [("csv", "text/csv"), ("json", "application/json")])
def test_export_reimport_reproduces_every_field(rich_account, make_fresh_user, client_for, fmt, content_type):
    exported = client_for(rich_account).get(f"{API}/export/?format={fmt}")
    assert exported.status_code == 200
    fresh = make_fresh_user()
    client = client_for(fresh)
    upload = SimpleUploadedFile(f"export.{fmt}", exported.content, content_type=content_type)
    draft = client.post(f"{API}/imports/", {"file": upload}, format="multipart").json()
    assert draft["missing_categories"] == ["Team Meals"]
    assert all(not (set(r["errors"]) - {"category"}) for r in draft["rows"]), draft["rows"]
    result = client.post(
        f"{API}/imports/{draft['id']}/apply/", {"create_missing_categories": True}, format="json"
    ).json()
    assert (result["imported"], result["skipped"], result["restaurants_created"]) == (5, 0, 3)
    assert _snapshot(fresh) == _snapshot(rich_account)
    again = client.get(f"{API}/export/?format={fmt}")
    assert again.content == exported.content


@pytest.fixture
def make_fresh_user(db):
    return lambda: make_user("fresh", "Staff")


def test_csv_export_escapes_formulas(rich_account, client_for):
    text = client_for(rich_account).get(f"{API}/export/?format=csv").content.decode()
    assert "'=SUM(A1)" in text and "'=Pub" in text
    assert "\n=" not in text and ",=" not in text
