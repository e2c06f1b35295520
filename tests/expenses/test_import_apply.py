"""The set-based apply: a query count that does not grow with the rows, validation before any
write, field-by-field updates, history rows, and the review page's choices."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from expenses import services
from expenses.models import Category, Expense, ExpenseTag, ImportDraft, Restaurant, Tag

from .factories import RestaurantFactory


def _draft(owner, text, name="x.csv"):
    return services.import_draft_create(user=owner, filename=name, data=text.encode())


def _file(rows: int, *, offset: int = 0) -> str:
    lines = ["date,restaurant,city,amount,category,meal,tags"]
    for i in range(rows):
        # Known and new restaurants, a known and a new category, known and new tags on every row.
        restaurant = "Known Diner" if i % 2 else f"New Place {offset}-{i % 5}"
        category = "Restaurants" if i % 3 else f"Team Meals {offset}"
        tags = f"work;t{offset}-{i % 4}"
        lines.append(f"2026-01-{1 + i % 28:02d},{restaurant},Austin,{10 + offset + i}.25,{category},lunch,{tags}")
    return "\n".join(lines) + "\n"


def _apply_queries(owner, rows: int, offset: int) -> tuple[int, dict]:
    draft = _draft(owner, _file(rows, offset=offset))
    with CaptureQueriesContext(connection) as queries:
        result = services.import_draft_apply(user=owner, draft=draft, create_missing_categories=True)
    return len(queries), result


def test_apply_query_count_does_not_grow_with_the_rows(owner):
    services.category_defaults_ensure(user=owner)
    RestaurantFactory(user=owner, name="Known Diner", city="Austin")
    Tag.objects.create(user=owner, name="work")
    small, small_result = _apply_queries(owner, 3, offset=0)
    large, large_result = _apply_queries(owner, 40, offset=1000)
    # 300 rows: past the 999 parameters Django assumes for SQLite, still one expense INSERT.
    larger, larger_result = _apply_queries(owner, 300, offset=2000)
    assert (small_result["imported"], large_result["imported"], larger_result["imported"]) == (3, 40, 300)
    assert small == large == larger
    assert large <= 25


def test_the_bulk_insert_gives_every_expense_its_own_id_in_order(owner):
    services.category_defaults_ensure(user=owner)
    result = services.import_draft_apply(user=owner, draft=_draft(owner, _file(130)), create_missing_categories=True)
    ids = [r["expense_id"] for r in result["rows"]]
    amounts = dict(Expense.objects.filter(pk__in=ids).values_list("id", "amount"))
    assert len(set(ids)) == 130 and [amounts[i] for i in ids] == [Decimal(f"{10 + i}.25") for i in range(130)]
    tagged = Expense.objects.get(pk=ids[5])
    assert [link.tag.name for link in tagged.tag_links.order_by("position")] == ["work", "t0-1"]


def test_apply_query_count_with_updates_and_bank_clears(owner):
    services.category_defaults_ensure(user=owner)
    restaurant = RestaurantFactory(user=owner, name="Known Diner", city="Austin")

    def run(n):
        Expense.all_objects.all().delete()
        for i in range(n):
            services.expense_create(
                user=owner, amount=Decimal(f"{20 + i}.00"), date=date(2026, 2, 1), restaurant=restaurant
            )
        text = "Date,Payee,Amount\n" + "".join(f"02/05/2026,Known Diner,-{20 + i}.00\n" for i in range(n))
        text += "".join(f"02/01/2026,Known Diner,-{90 + i}.00\n" for i in range(n))
        draft = _draft(owner, text, "simplifi.csv")
        assert [r["expense_action"] for r in draft.rows] == ["clear"] * n + ["create"] * n
        with CaptureQueriesContext(connection) as queries:
            result = services.import_draft_apply(user=owner, draft=draft)
        assert (result["updated"], result["imported"]) == (n, n)
        return len(queries)

    assert run(2) == run(20)


def test_apply_writes_history_rows_naming_the_import(owner):
    draft = _draft(owner, "date,restaurant,amount,tags\n2026-01-05,New Cafe,9.00,a;b\n", "march.csv")
    services.import_draft_apply(user=owner, draft=draft)
    expense = Expense.objects.get()
    (record,) = expense.history.all()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        owner,
        "Import “march.csv”",
    )
    assert Restaurant.history.get(name="New Cafe").history_change_reason == "Import “march.csv”"
    assert [link.tag.name for link in ExpenseTag.objects.filter(expense=expense)] == ["a", "b"]


def test_invalid_value_in_the_stored_draft_is_refused_naming_line_and_field(owner):
    draft = _draft(owner, "date,restaurant,amount,party_size\n2026-01-05,A,9.00,2\n2026-01-06,A,9.50,3\n")
    rows = draft.rows
    rows[1]["party_size"] = 99  # the database constraint would refuse it; validation names it first
    ImportDraft.objects.filter(pk=draft.pk).update(rows=rows)
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.import_draft_apply(user=owner, draft=draft)
    assert exc.value.message_dict["decisions"] == ["line 2: party_size: Ensure this value is less than or equal to 50."]
    assert Expense.objects.count() == 0 and Restaurant.objects.count() == 0


def test_two_rows_updating_one_expense_are_refused(owner):
    restaurant = RestaurantFactory(user=owner, name="Pho Place")
    old = services.expense_create(user=owner, amount=Decimal("10.00"), date=date(2025, 3, 1), restaurant=restaurant)
    draft = _draft(owner, "date,restaurant,amount,notes\n2025-03-01,Pho Place,10,a\n2025-03-02,Pho Place,10,b\n")
    assert [r["duplicate_id"] for r in draft.rows] == [old.pk, old.pk]
    with pytest.raises(ValidationError, match=f"line 2: expense #{old.pk} is already updated by line 1"):
        services.import_draft_apply(user=owner, draft=draft)


# --------------------------------------------------------------------------- field by field
@pytest.fixture
def entered(owner):
    services.category_defaults_ensure(user=owner)
    restaurant = RestaurantFactory(user=owner, name="Pho Place")
    return services.expense_create(
        user=owner,
        amount=Decimal("10.00"),
        date=date(2025, 3, 1),
        time=time(12, 30),
        restaurant=restaurant,
        category=Category.objects.get(user=owner, name="Restaurants"),
        meal_type="lunch",
        notes="by hand",
        tags=["work"],
    )


UPDATE_FILE = "date,restaurant,amount,cleared_date,meal,category,notes,tags\n2025-03-02,Pho Place,10,2025-03-04,dinner,Drinks,,work;team\n"


def test_review_lists_each_differing_field_with_the_default_choice(owner, entered):
    (row,) = _draft(owner, UPDATE_FILE).rows
    assert (row["expense_action"], row["duplicate_id"]) == ("update", entered.pk)
    duplicate = row["duplicates"][0]
    assert duplicate["changes"] == {
        "date": ["2025-03-01", "2025-03-02"],
        "time": ["12:30:00", None],
        "cleared_date": [None, "2025-03-04"],
        "meal_type": ["lunch", "dinner"],
        "category": ["Restaurants", "Drinks"],
        "notes": ["by hand", ""],
        "tags": [["work"], ["work", "team"]],
    }
    # Blanks in the file are shown but not taken: an update never wipes what was typed by hand.
    assert duplicate["take"] == ["date", "cleared_date", "meal_type", "category", "tags"]


def test_apply_updates_exactly_the_chosen_fields(owner, entered):
    draft = _draft(owner, UPDATE_FILE)
    result = services.import_draft_apply(user=owner, draft=draft, decisions={1: {"fields": ["cleared_date", "tags"]}})
    assert result["updated"] == 1
    entered.refresh_from_db()
    assert (entered.date, entered.time, entered.cleared_date, entered.meal_type, entered.notes) == (
        date(2025, 3, 1),
        time(12, 30),
        date(2025, 3, 4),
        "lunch",
        "by hand",
    )
    assert entered.category.name == "Restaurants"
    assert [link.tag.name for link in entered.tag_links.all()] == ["work", "team"]
    assert entered.history.first().history_type == "~"


def test_apply_default_takes_the_non_blank_differences(owner, entered):
    services.import_draft_apply(user=owner, draft=_draft(owner, UPDATE_FILE))
    entered.refresh_from_db()
    assert (entered.date, entered.time, entered.meal_type, entered.notes, entered.category.name) == (
        date(2025, 3, 2),
        time(12, 30),
        "dinner",
        "by hand",
        "Drinks",
    )


def test_unknown_update_field_is_refused(owner, entered):
    draft = _draft(owner, UPDATE_FILE)
    with pytest.raises(ValidationError, match="line 1: fields must be among"):
        services.import_draft_apply(user=owner, draft=draft, decisions={1: {"fields": ["restaurant"]}})


def test_review_page_shows_checkboxes_and_applies_the_ticked_ones(owner, entered, client):
    client.force_login(owner)
    draft = _draft(owner, UPDATE_FILE)
    page = client.get(f"/expenses/import/{draft.pk}/").content.decode()
    assert 'name="take_1" value="cleared_date" checked' in page
    assert 'name="take_1" value="notes">' in page  # shown, not ticked
    response = client.post(
        f"/expenses/import/{draft.pk}/", {"fields_shown_1": "1", "take_1": ["meal_type"]}, follow=True
    )
    assert "Imported 0, updated 1, skipped 0." in response.content.decode()
    entered.refresh_from_db()
    assert (entered.meal_type, entered.date, entered.cleared_date) == ("dinner", date(2025, 3, 1), None)


def test_review_page_offers_the_bank_match_and_the_restaurant_decision(owner, client):
    client.force_login(owner)
    restaurant = RestaurantFactory(user=owner, name="Chipotle", city="Austin")
    RestaurantFactory(user=owner, name="Chipotle", city="Dallas")
    RestaurantFactory(user=owner, name="Cafe Uno")
    meal = services.expense_create(
        user=owner, amount=Decimal("11.00"), date=date(2026, 3, 1), restaurant=Restaurant.objects.get(name="Cafe Uno")
    )
    draft = _draft(owner, "Date,Payee,Amount\n03/09/2026,Cafe Uno,-11.00\n03/09/2026,Chipotle,-7.00\n", "simplifi.csv")
    page = client.get(f"/expenses/import/{draft.pk}/").content.decode()
    assert '<option value="clear" selected>Match existing: set its cleared date</option>' in page
    assert "bank charge, 8 days later" in page
    assert "Needs a decision" in page and '<option value="decide" selected>' in page
    response = client.post(
        f"/expenses/import/{draft.pk}/",
        {"restaurant_action_2": "match", "restaurant_id_2": str(restaurant.pk)},
        follow=True,
    )
    assert "Imported 1, updated 1, skipped 0." in response.content.decode()
    meal.refresh_from_db()
    assert meal.cleared_date == date(2026, 3, 9)
    assert Expense.objects.filter(user=owner).count() == 2
