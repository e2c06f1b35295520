"""Services and database constraints."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from expenses import demo, services
from expenses.models import Category, Expense, ImportDraft, Restaurant, Tag
from expenses.periodic import PERIODIC_TASKS
from expenses.tasks import purge_expired_import_drafts
from project import demo as platform_demo
from project.periodic import registered_task_names

from .factories import RestaurantFactory


@pytest.mark.parametrize(
    "field, value",
    [
        ("amount", Decimal("0")),
        ("amount", Decimal("100000.01")),
        ("party_size", 0),
        ("party_size", 51),
        ("kind", "gift"),
    ],
)
def test_expense_check_constraints_hold_in_the_database(owner, field, value):
    restaurant = RestaurantFactory(user=owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Expense.objects.create(
            user=owner, restaurant=restaurant, date=date(2025, 1, 1), **{"amount": Decimal("1"), field: value}
        )


def test_expense_service_validates_and_names_the_field(owner):
    restaurant = RestaurantFactory(user=owner)
    with pytest.raises(ValidationError) as exc:
        services.expense_create(user=owner, restaurant=restaurant, date=date(2025, 1, 1), amount=Decimal("-1"))
    assert "amount" in exc.value.message_dict


def test_expense_service_refuses_someone_elses_objects(owner, intruder):
    theirs = RestaurantFactory(user=intruder)
    with pytest.raises(ValidationError) as exc:
        services.expense_create(user=owner, restaurant=theirs, date=date(2025, 1, 1), amount=Decimal("1"))
    assert list(exc.value.message_dict) == ["restaurant"]
    their_tag = Tag.objects.create(user=intruder, name="x")
    mine = RestaurantFactory(user=owner)
    with pytest.raises(ValidationError) as exc:
        services.expense_create(
            user=owner, restaurant=mine, date=date(2025, 1, 1), amount=Decimal("1"), tags=[their_tag]
        )
    assert list(exc.value.message_dict) == ["tags"]


def test_restaurant_unique_constraint_is_case_insensitive_in_the_database(owner):
    Restaurant.objects.create(user=owner, name="Pho", city="Austin")
    with pytest.raises(IntegrityError), transaction.atomic():
        Restaurant.objects.create(user=owner, name="PHO", city="AUSTIN")


def test_place_id_unique_per_user_not_across_users(owner, intruder):
    Restaurant.objects.create(user=owner, name="A", google_place_id="p")
    Restaurant.objects.create(user=intruder, name="A", google_place_id="p")
    with pytest.raises(IntegrityError), transaction.atomic():
        Restaurant.objects.create(user=owner, name="B", google_place_id="p")


def test_category_and_tag_names_unique_case_insensitively(owner):
    Category.objects.create(user=owner, name="Food")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(user=owner, name="FOOD")
    Tag.objects.create(user=owner, name="work")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(user=owner, name="Work")


def test_default_categories_created_once(owner):
    services.category_defaults_ensure(user=owner)
    services.category_defaults_ensure(user=owner)
    assert Category.objects.filter(user=owner, is_default=True).count() == 7


def test_deleting_restaurant_never_deletes_expenses_even_at_db_level(owner):
    restaurant = RestaurantFactory(user=owner)
    services.expense_create(user=owner, restaurant=restaurant, date=date(2025, 1, 1), amount=Decimal("1"))
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.restaurant_delete(restaurant=restaurant)
    with pytest.raises(ProtectedError):
        restaurant.delete()
    assert Expense.objects.count() == 1


def test_tags_keep_order_and_reuse_existing_case_insensitively(owner):
    Tag.objects.create(user=owner, name="Work")
    restaurant = RestaurantFactory(user=owner)
    expense = services.expense_create(
        user=owner,
        restaurant=restaurant,
        date=date(2025, 1, 1),
        amount=Decimal("1"),
        tags=["zeta", "work", "alpha", "ZETA"],
    )
    assert [link.tag.name for link in expense.tag_links.all()] == ["zeta", "Work", "alpha"]
    services.expense_update(expense=expense, user=owner, tags=["alpha", "zeta"])
    assert [link.tag.name for link in expense.tag_links.order_by("position")] == ["alpha", "zeta"]
    assert Tag.objects.filter(user=owner).count() == 3


def test_expired_drafts_are_purged_and_cannot_be_applied(owner):
    draft = services.import_draft_create(user=owner, filename="x.csv", data=b"date,restaurant,amount\n2025-01-01,A,5\n")
    ImportDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        services.import_draft_apply(user=owner, draft=draft)
    assert purge_expired_import_drafts.delay().get() == 1
    assert not ImportDraft.objects.exists()


def test_draft_survives_in_the_database(owner):
    draft = services.import_draft_create(user=owner, filename="x.csv", data=b"date,restaurant,amount\n2025-01-01,A,5\n")
    reloaded = ImportDraft.objects.get(pk=draft.pk)  # a different process would read exactly this
    assert reloaded.rows[0]["amount"] == "5.00" and reloaded.row_count == 1


def test_periodic_task_is_registered():
    assert {spec.task for spec in PERIODIC_TASKS} <= registered_task_names()


def test_demo_data_is_idempotent(db):
    platform_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    counts = (Expense.objects.count(), Restaurant.objects.count())
    assert counts[0] >= 580 and counts[1] == 36
    demo.load(stdout=io.StringIO())
    assert (Expense.objects.count(), Restaurant.objects.count()) == counts
