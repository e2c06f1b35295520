"""The API: ownership on every endpoint, payload foreign keys, bad input, query counts."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from expenses import services
from expenses.models import Category, Expense, ImportDraft, Restaurant, Tag
from tests.openapi import component, openapi_schema, success_schema

from .factories import RestaurantFactory

API = "/api/v1/expenses"


@pytest.fixture
def owned(owner):
    services.category_defaults_ensure(user=owner)
    restaurant = RestaurantFactory(user=owner, name="Owner Diner")
    category = Category.objects.get(user=owner, name="Restaurants")
    tag = Tag.objects.create(user=owner, name="work")
    expense = services.expense_create(
        user=owner,
        amount=Decimal("20.00"),
        date=date(2025, 1, 2),
        restaurant=restaurant,
        category=category,
        tags=["work"],
    )
    draft = services.import_draft_create(
        user=owner, filename="a.csv", data=b"date,restaurant,amount\n2025-01-01,Owner Diner,5\n"
    )
    return {"restaurant": restaurant, "category": category, "tag": tag, "expense": expense, "draft": draft}


# --------------------------------------------------------------------------- ownership
DETAIL_ENDPOINTS = [
    ("expenses", "expense"),
    ("restaurants", "restaurant"),
    ("categories", "category"),
    ("tags", "tag"),
    ("imports", "draft"),
]


@pytest.mark.parametrize("path, key", DETAIL_ENDPOINTS)
def test_another_users_object_is_404_for_every_method(owned, intruder, client_for, path, key):
    client = client_for(intruder)
    url = f"{API}/{path}/{owned[key].pk}/"
    assert client.get(url).status_code == 404
    if path != "imports":
        assert client.patch(url, {"name": "x", "notes": "x"}, format="json").status_code == 404
        assert client.put(url, {}, format="json").status_code == 404
        assert client.delete(url).status_code == 404


def test_intruder_lists_only_their_own(owned, intruder, client_for):
    client = client_for(intruder)
    for path in ("expenses", "restaurants", "tags", "imports"):
        assert client.get(f"{API}/{path}/").json()["count"] == 0, path
    names = [c["name"] for c in client.get(f"{API}/categories/").json()["results"]]
    assert len(names) == 7  # the intruder's own defaults, none of the owner's rows
    assert not Category.objects.filter(
        pk__in=[c["id"] for c in client.get(f"{API}/categories/").json()["results"]], user=owned["category"].user
    ).exists()


def test_import_apply_and_default_category_are_404_for_others(owned, intruder, client_for):
    client = client_for(intruder)
    assert client.post(f"{API}/imports/{owned['draft'].pk}/apply/", {}, format="json").status_code == 404
    assert client.get(f"{API}/restaurants/{owned['restaurant'].pk}/default-category/").status_code == 404
    assert Expense.objects.count() == 1


def test_export_and_analytics_only_see_own_rows(owned, intruder, client_for):
    client = client_for(intruder)
    assert client.get(f"{API}/export/?format=json").json() == []
    assert client.get(f"{API}/analytics/?start=2025-01-01&end=2025-12-31").json()["count"] == 0


@pytest.mark.parametrize("field", ["restaurant", "category"])
def test_payload_fk_to_someone_elses_object_is_400_naming_the_field(owned, intruder, client_for, field):
    mine = RestaurantFactory(user=intruder)
    payload = {"amount": "5.00", "date": "2025-01-01", "restaurant": mine.pk, field: owned[field].pk}
    response = client_for(intruder).post(f"{API}/expenses/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert "not one of your records" in response.json()["errors"][field][0]


def test_patch_cannot_move_an_expense_to_someone_elses_restaurant(owned, intruder, client_for):
    theirs = RestaurantFactory(user=intruder)
    response = client_for(owned["expense"].user).patch(
        f"{API}/expenses/{owned['expense'].pk}/", {"restaurant": theirs.pk}, format="json"
    )
    assert response.status_code == 400 and "restaurant" in response.json()["errors"]


def test_import_decision_with_someone_elses_restaurant_is_400(owned, intruder, client_for):
    theirs = RestaurantFactory(user=intruder)
    response = client_for(owned["expense"].user).post(
        f"{API}/imports/{owned['draft'].pk}/apply/",
        {"decisions": [{"line": 1, "restaurant_action": "match", "restaurant_id": theirs.pk}]},
        format="json",
    )
    assert response.status_code == 400
    assert "line 1: restaurant_id must be one of your restaurants" in response.json()["errors"]["decisions"]
    assert Expense.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    ["expenses/", "restaurants/", "categories/", "tags/", "imports/", "export/", "analytics/", "places/search/?q=taco"],
)
def test_anonymous_is_rejected(db, client_for, path):
    assert client_for(None).get(f"{API}/{path}").status_code in (401, 403)


@pytest.mark.parametrize("persona", ["Administrator", "Coordinator", "Staff", "Viewer"], indirect=True)
def test_every_role_can_use_their_own_expenses(persona, client_for):
    client = client_for(persona)
    restaurant = client.post(f"{API}/restaurants/", {"name": "Mine"}, format="json")
    assert restaurant.status_code == 201
    created = client.post(
        f"{API}/expenses/",
        {"amount": "9.99", "date": "2025-05-01", "restaurant": restaurant.json()["id"]},
        format="json",
    )
    assert created.status_code == 201
    assert client.get(f"{API}/expenses/").json()["count"] == 1


def test_token_auth_works(owned, token_client_for):
    assert token_client_for(owned["expense"].user).get(f"{API}/expenses/").json()["count"] == 1


# --------------------------------------------------------------------------- expenses CRUD
def test_expense_create_round_trips_every_field(owner, client_for):
    services.category_defaults_ensure(user=owner)
    restaurant = RestaurantFactory(user=owner)
    category = Category.objects.get(user=owner, name="Drinks")
    payload = {
        "kind": "refund",
        "amount": "12.34",
        "date": "2025-06-01",
        "time": "19:45:00",
        "cleared_date": "2025-06-03",
        "meal_type": "drinks",
        "order_type": "dine_in",
        "party_size": 3,
        "restaurant": restaurant.pk,
        "category": category.pk,
        "tags": ["zeta", "Alpha beta"],
        "notes": "n",
    }
    response = client_for(owner).post(f"{API}/expenses/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    for key, value in payload.items():
        expected = ["zeta", "Alpha-beta"] if key == "tags" else value
        assert body[key] == expected, key
    assert body["signed_amount"] == "-12.34"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "100000.01"}, "amount"),
        ({"party_size": 0}, "party_size"),
        ({"party_size": 51}, "party_size"),
        ({"meal_type": "feast"}, "meal_type"),
        ({"date": "31/01/2025"}, "date"),
        ({"kind": "gift"}, "kind"),
        ({"surprise": 1}, "surprise"),
        ({"restaurant": 999999}, "restaurant"),
    ],
)
def test_expense_bad_input_is_400_naming_the_field(owner, client_for, change, field):
    restaurant = RestaurantFactory(user=owner)
    payload = {"amount": "5.00", "date": "2025-01-01", "restaurant": restaurant.pk, **change}
    response = client_for(owner).post(f"{API}/expenses/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_expense_delete_is_soft_and_keeps_history(owned, client_for):
    expense = owned["expense"]
    assert client_for(expense.user).delete(f"{API}/expenses/{expense.pk}/").status_code == 204
    assert Expense.objects.filter(pk=expense.pk).count() == 0
    assert Expense.all_objects.get(pk=expense.pk).deleted_at is not None
    assert expense.history.count() >= 2


def test_expense_list_filters(owner, client_for):
    services.category_defaults_ensure(user=owner)
    drinks = Category.objects.get(user=owner, name="Drinks")
    tacos = RestaurantFactory(user=owner, name="Taco Hut")
    other = RestaurantFactory(user=owner, name="Noodle Bar")
    services.expense_create(
        user=owner, amount=Decimal("5"), date=date(2025, 1, 1), restaurant=tacos, meal_type="lunch", tags=["a", "b"]
    )
    services.expense_create(
        user=owner,
        amount=Decimal("6"),
        date=date(2025, 1, 5),
        restaurant=tacos,
        meal_type="dinner",
        category=drinks,
        tags=["a"],
    )
    services.expense_create(
        user=owner,
        amount=Decimal("7"),
        date=date(2025, 2, 1),
        restaurant=other,
        notes="birthday taco",
        order_type="takeout",
    )
    client = client_for(owner)

    def amounts(query):
        return [r["amount"] for r in client.get(f"{API}/expenses/?{query}").json()["results"]]

    assert amounts("q=taco") == ["7.00", "6.00", "5.00"]
    assert amounts("q=drinks") == ["6.00"]
    assert amounts("tags=a,b") == ["5.00"]
    assert amounts("tags=a&tags=b") == ["5.00"]
    assert amounts("tags=a") == ["6.00", "5.00"]
    assert amounts(f"category={drinks.pk}") == ["6.00"]
    assert amounts("category=none") == ["7.00", "5.00"]
    assert amounts("meal_type=lunch") == ["5.00"]
    assert amounts("order_type=takeout") == ["7.00"]
    assert amounts("start=2025-01-02&end=2025-01-31") == ["6.00"]
    assert amounts("sort=amount&order=asc") == ["5.00", "6.00", "7.00"]
    response = client.get(f"{API}/expenses/?sort=price&start=x")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"sort", "start"}


def test_expense_list_query_count_is_constant(owner, client_for, django_assert_max_num_queries):
    restaurant = RestaurantFactory(user=owner)
    for i in range(30):
        services.expense_create(
            user=owner, amount=Decimal("5"), date=date(2025, 1, 1 + i % 28), restaurant=restaurant, tags=[f"t{i}", "x"]
        )
    client = client_for(owner)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/expenses/").json()["results"]) == 30


# --------------------------------------------------------------------------- restaurants, categories, tags
def test_restaurant_uniqueness_is_case_insensitive_per_user(owner, intruder, client_for):
    client = client_for(owner)
    assert client.post(f"{API}/restaurants/", {"name": "Pho", "city": "Austin"}, format="json").status_code == 201
    dup = client.post(f"{API}/restaurants/", {"name": "PHO", "city": "austin"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()["errors"]
    assert (
        client.post(
            f"{API}/restaurants/", {"name": "Pho", "city": "Austin", "location_name": "North"}, format="json"
        ).status_code
        == 201
    )
    assert (
        client_for(intruder).post(f"{API}/restaurants/", {"name": "Pho", "city": "Austin"}, format="json").status_code
        == 201
    )


def test_place_id_unique_per_user_and_blank_is_null(owner, client_for):
    client = client_for(owner)
    assert client.post(f"{API}/restaurants/", {"name": "A", "google_place_id": "p1"}, format="json").status_code == 201
    dup = client.post(f"{API}/restaurants/", {"name": "B", "google_place_id": "p1"}, format="json")
    assert dup.status_code == 400 and "google_place_id" in dup.json()["errors"]
    for name in ("C", "D"):
        assert (
            client.post(f"{API}/restaurants/", {"name": name, "google_place_id": ""}, format="json").status_code == 201
        )
    assert Restaurant.objects.filter(user=owner, google_place_id__isnull=True).count() == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "X", "price_level": 5}, "price_level"),
        ({"name": "X", "rating": 0}, "rating"),
        ({"name": ""}, "name"),
        ({"name": "X", "website": "nope"}, "website"),
    ],
)
def test_restaurant_bad_input(owner, client_for, payload, field):
    response = client_for(owner).post(f"{API}/restaurants/", payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_deleting_a_used_restaurant_or_category_is_blocked_and_keeps_expenses(owned, client_for):
    client = client_for(owned["expense"].user)
    response = client.delete(f"{API}/restaurants/{owned['restaurant'].pk}/")
    assert response.status_code == 400
    assert "cannot be deleted: it is used by 1 expense" in response.json()["detail"]
    response = client.delete(f"{API}/categories/{owned['category'].pk}/")
    assert response.status_code == 400
    assert Expense.objects.filter(pk=owned["expense"].pk).exists()
    owned["expense"].soft_delete()
    response = client.delete(f"{API}/restaurants/{owned['restaurant'].pk}/")
    assert response.status_code == 400 and "1 in the trash" in response.json()["detail"]
    unused = RestaurantFactory(user=owned["expense"].user)
    assert client.delete(f"{API}/restaurants/{unused.pk}/").status_code == 204


def test_restaurant_list_figures_and_query_count(owned, client_for, django_assert_max_num_queries):
    for i in range(10):
        RestaurantFactory(user=owned["expense"].user, name=f"R{i}")
    client = client_for(owned["expense"].user)
    with django_assert_max_num_queries(5):
        body = client.get(f"{API}/restaurants/").json()
    owner_diner = next(r for r in body["results"] if r["name"] == "Owner Diner")
    assert (owner_diner["visit_count"], owner_diner["total"], owner_diner["average_per_person"]) == (
        1,
        "20.00",
        "20.00",
    )


def test_default_category_is_the_most_used(owned, client_for):
    user = owned["expense"].user
    drinks = Category.objects.get(user=user, name="Drinks")
    for _ in range(2):
        services.expense_create(
            user=user, amount=Decimal("1"), date=date(2025, 1, 1), restaurant=owned["restaurant"], category=drinks
        )
    body = client_for(user).get(f"{API}/restaurants/{owned['restaurant'].pk}/default-category/").json()
    assert body == {"id": drinks.pk, "name": "Drinks"}


def test_categories_seven_defaults_and_crud(owner, client_for, django_assert_max_num_queries):
    client = client_for(owner)
    body = client.get(f"{API}/categories/").json()
    assert [c["name"] for c in body["results"]] == [
        "Drinks",
        "Entertainment",
        "Fast Food",
        "Groceries",
        "Other",
        "Restaurants",
        "Snacks & Vending",
    ]
    created = client.post(f"{API}/categories/", {"name": "Team Meals"}, format="json")
    assert created.status_code == 201
    dup = client.post(f"{API}/categories/", {"name": "team meals"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()["errors"]
    assert (
        client.patch(f"{API}/categories/{created.json()['id']}/", {"color": "#112233"}, format="json").json()["color"]
        == "#112233"
    )
    with django_assert_max_num_queries(5):
        client.get(f"{API}/categories/")


def test_tags_normalised_unique_and_deleting_keeps_expenses(owned, client_for, django_assert_max_num_queries):
    client = client_for(owned["expense"].user)
    created = client.post(f"{API}/tags/", {"name": "Date Night!"}, format="json")
    assert created.status_code == 201 and created.json()["name"] == "Date-Night"
    assert client.post(f"{API}/tags/", {"name": "date night"}, format="json").status_code == 400
    assert client.post(f"{API}/tags/", {"name": "!!!"}, format="json").status_code == 400
    with django_assert_max_num_queries(5):
        work = next(t for t in client.get(f"{API}/tags/").json()["results"] if t["name"] == "work")
    assert (work["expense_count"], work["total"]) == (1, "20.00")
    assert client.delete(f"{API}/tags/{owned['tag'].pk}/").status_code == 204
    assert Expense.objects.filter(pk=owned["expense"].pk).exists()


# --------------------------------------------------------------------------- import endpoints
def _upload(client, name, content, content_type="text/csv"):
    return client.post(
        f"{API}/imports/", {"file": SimpleUploadedFile(name, content, content_type=content_type)}, format="multipart"
    )


def test_import_flow_create_match_and_idempotent_apply(owner, client_for):
    client = client_for(owner)
    services.category_defaults_ensure(user=owner)
    existing = RestaurantFactory(user=owner, name="Joe's Tacos", city="Austin")
    csv_text = (
        "Date,Payee,Amount,Category,Meal,Party Size,Tags\n"
        "1/5/2025,Joe's Tacos,-24.77,Restaurants,Lunch,2,work;team\n"
        '"Jan 6, 2025",Brand New Cafe,$8.50,,breakfast,1,\n'
        "7-Jan-25,Joe's Tacos,+5.00,,,1,\n"
        "bad,Joe's Tacos,abc,,,0,\n"
    )
    response = _upload(client, "bank.csv", csv_text.encode())
    assert response.status_code == 201, response.json()
    draft = response.json()
    rows = draft["rows"]
    assert [r["restaurant_action"] for r in rows] == ["match", "create", "match", "match"]
    assert rows[0]["suggested_restaurant_id"] == existing.pk
    assert rows[0]["candidates"][0] == {
        "id": existing.pk,
        "name": "Joe's Tacos",
        "score": 130,
        "reason": "exact display name",
    }
    # Simplifi: Date is the cleared date (the visit date stands in for it); the account's sign
    # counts, so an unsigned amount is money coming back.
    assert (rows[0]["cleared_date"], rows[0]["visit_date_known"], rows[0]["kind"]) == ("2025-01-05", False, "expense")
    assert [r["kind"] for r in rows[1:3]] == ["refund", "refund"]
    assert set(rows[3]["errors"]) == {"date", "cleared_date", "amount", "party_size"}
    assert Expense.objects.count() == 0  # nothing written before apply

    again = client.get(f"{API}/imports/{draft['id']}/")
    assert again.status_code == 200 and again.json()["rows"] == rows

    result = client.post(f"{API}/imports/{draft['id']}/apply/", {}, format="json").json()
    assert (result["imported"], result["updated"], result["skipped"], result["restaurants_created"]) == (3, 0, 1, 1)
    assert result["already_applied"] is False
    first = Expense.objects.get(restaurant=existing, kind="expense")
    assert (first.amount, first.party_size, first.meal_type, first.category.name) == (
        Decimal("24.77"),
        2,
        "lunch",
        "Restaurants",
    )
    assert [link.tag.name for link in first.tag_links.all()] == ["work", "team"]

    second = client.post(f"{API}/imports/{draft['id']}/apply/", {}, format="json").json()
    assert second["already_applied"] is True and second["imported"] == 3
    assert Expense.objects.count() == 3

    # Uploading the same file again finds identical duplicates and skips them by default.
    redo = _upload(client, "bank.csv", csv_text.encode()).json()
    assert [r["expense_action"] for r in redo["rows"]] == ["skip", "skip", "skip", "skip"]


def test_import_update_decision_and_failed_apply_writes_nothing(owner, client_for):
    client = client_for(owner)
    restaurant = RestaurantFactory(user=owner, name="Pho Place")
    old = services.expense_create(user=owner, amount=Decimal("10.00"), date=date(2025, 3, 1), restaurant=restaurant)
    draft = _upload(
        client,
        "x.json",
        json.dumps(
            [
                {"date": "2025-03-02", "restaurant": "Pho Place", "amount": 10, "notes": "updated"},
                {"date": "2025-03-09", "restaurant": "Pho Place", "amount": 3},
            ]
        ).encode(),
        "application/json",
    ).json()
    assert draft["rows"][0]["expense_action"] == "update" and draft["rows"][0]["duplicate_id"] == old.pk
    bad = client.post(
        f"{API}/imports/{draft['id']}/apply/",
        {"decisions": [{"line": 2, "expense_action": "update", "duplicate_id": old.pk}]},
        format="json",
    )
    assert bad.status_code == 400
    assert Expense.objects.count() == 1 and ImportDraft.objects.get(pk=draft["id"]).status == "draft"
    ok = client.post(f"{API}/imports/{draft['id']}/apply/", {}, format="json").json()
    assert (ok["imported"], ok["updated"]) == (1, 1)
    old.refresh_from_db()
    assert (old.notes, old.date) == ("updated", date(2025, 3, 2))


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("x.json", b'{"a": 1}', "must contain a list"),
        ("x.pdf", b"%PDF", "Upload a .csv, .json, .ofx or .qfx"),
        ("x.csv", b"a,b\n1,2\n", "No date column"),
    ],
)
def test_import_bad_files_are_400(owner, client_for, name, content, message):
    response = _upload(client_for(owner), name, content)
    assert response.status_code == 400
    assert message in response.json()["errors"]["file"][0]
    assert ImportDraft.objects.count() == 0


def test_import_too_big_is_400(owner, client_for):
    response = _upload(client_for(owner), "x.csv", b"date,amount\n" + b"x" * (5 * 1024 * 1024))
    assert response.status_code == 400 and "5 MB" in response.json()["errors"]["file"][0]


def test_import_unknown_category_needs_the_create_flag(owner, client_for):
    client = client_for(owner)
    draft = _upload(client, "x.csv", b"date,restaurant,amount,category\n2025-01-01,A,5,Pets\n").json()
    assert draft["missing_categories"] == ["Pets"]
    assert draft["rows"][0]["errors"] == {"category": "unknown category “Pets”"}
    result = client.post(
        f"{API}/imports/{draft['id']}/apply/", {"create_missing_categories": True}, format="json"
    ).json()
    assert result["imported"] == 1
    assert Expense.objects.get().category.name == "Pets"


def test_import_without_flag_skips_unknown_category_rows(owner, client_for):
    client = client_for(owner)
    draft = _upload(client, "x.csv", b"date,restaurant,amount,category\n2025-01-01,A,5,Pets\n").json()
    result = client.post(f"{API}/imports/{draft['id']}/apply/", {}, format="json").json()
    assert (result["imported"], result["skipped"]) == (0, 1)
    assert not Category.objects.filter(name="Pets").exists()


def test_import_list_query_count(owner, client_for, django_assert_max_num_queries):
    for i in range(5):
        services.import_draft_create(user=owner, filename=f"{i}.csv", data=b"date,restaurant,amount\n2025-01-01,A,5\n")
    client = client_for(owner)
    with django_assert_max_num_queries(4):
        body = client.get(f"{API}/imports/").json()
    assert body["count"] == 5 and body["results"][0]["row_count"] == 1


# --------------------------------------------------------------------------- export & places
def test_export_query_count_is_constant(owner, client_for, django_assert_max_num_queries):
    restaurant = RestaurantFactory(user=owner)
    for i in range(25):
        services.expense_create(
            user=owner, amount=Decimal("5"), date=date(2025, 1, 1), restaurant=restaurant, tags=[f"t{i}"]
        )
    client = client_for(owner)
    with django_assert_max_num_queries(6):
        assert len(client.get(f"{API}/export/?format=json").json()) == 25


def test_export_csv_json_and_bad_format(owned, client_for):
    client = client_for(owned["expense"].user)
    csv_response = client.get(f"{API}/export/?format=csv")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().splitlines()[1] == (
        "2025-01-02,,,20.00,expense,Owner Diner,,,Austin,,,Restaurants,,,1,work,"
    )
    body = client.get(f"{API}/export/?format=json&q=owner").json()
    assert body[0]["tags"] == ["work"] and body[0]["amount"] == "20.00"
    bad = client.get(f"{API}/export/?format=xml")
    assert bad.status_code == 400 and "format" in bad.json()["errors"]


def test_places_search_and_details_endpoints(owner, client_for):
    cache.clear()
    client = client_for(owner)
    body = client.get(f"{API}/places/search/?q=tacos").json()
    assert body[0]["place_id"] == "fake-place-joes-tacos-downtown"
    assert client.get(f"{API}/places/search/").status_code == 400
    details = client.get(f"{API}/places/details/?place_id=fake-place-burger-barn").json()
    assert (details["name"], details["city"]) == ("Burger Barn", "Austin")
    assert client.get(f"{API}/places/details/?place_id=nope").status_code == 400


# --------------------------------------------------------------------------- responses as documented
def test_created_tag_and_category_come_with_their_counts(owner, client_for):
    client = client_for(owner)
    tag = client.post(f"{API}/tags/", {"name": "Travel"}, format="json").json()
    assert (tag["expense_count"], tag["total"], tag["last_visit"]) == (0, "0.00", None)
    category = client.post(f"{API}/categories/", {"name": "Snacks"}, format="json").json()
    assert category["expense_count"] == 0
    assert component("Tag")["properties"]["last_visit"]["nullable"] is True
    assert component("Restaurant")["properties"]["last_visit"]["nullable"] is True


def test_expense_without_category_documents_a_null_name(owned, client_for):
    body = (
        client_for(owned["restaurant"].user)
        .post(
            f"{API}/expenses/",
            {"amount": "8", "date": "2025-01-03", "restaurant": owned["restaurant"].pk},
            format="json",
        )
        .json()
    )
    assert body["category_name"] is None and component("Expense")["properties"]["category_name"]["nullable"] is True


def test_default_category_is_documented_as_id_and_name(owned, client_for):
    body = (
        client_for(owned["restaurant"].user).get(f"{API}/restaurants/{owned['restaurant'].pk}/default-category/").json()
    )
    assert (
        set(body)
        == set(success_schema("get", "/api/v1/expenses/restaurants/{id}/default-category/")["properties"])
        == {"id", "name"}
    )


def test_empty_export_format_means_csv(owned, client_for):
    response = client_for(owned["restaurant"].user).get(f"{API}/export/?format=&tags=")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_import_apply_takes_json_only(owned, client_for):
    client = client_for(owned["restaurant"].user)
    response = client.post(
        f"{API}/imports/{owned['draft'].pk}/apply/", {"create_missing_categories": "true"}, format="multipart"
    )
    assert response.status_code == 415
    body = openapi_schema()["paths"]["/api/v1/expenses/imports/{id}/apply/"]["post"]["requestBody"]
    assert list(body["content"]) == ["application/json"]


def test_patch_response_keeps_a_null_category_name(owned, client_for):
    response = client_for(owned["restaurant"].user).patch(
        f"{API}/expenses/{owned['expense'].pk}/", {"category": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["category"] is None and response.json()["category_name"] is None


def test_json_export_is_documented_as_a_list_of_rows(owned, client_for):
    rows = client_for(owned["restaurant"].user).get(f"{API}/export/?format=json").json()
    assert isinstance(rows, list) and rows
    schema = openapi_schema()["paths"]["/api/v1/expenses/export/"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["type"] == "array"


def test_non_ascii_duplicates_are_400_not_500(owner, client_for):
    client = client_for(owner)
    for path, body in (("categories", {"name": "ÉPICERIE"}), ("restaurants", {"name": "Café", "city": "ÉVRY"})):
        assert client.post(f"{API}/{path}/", body, format="json").status_code == 201
        again = client.post(f"{API}/{path}/", body, format="json")
        assert again.status_code == 400 and set(again.json()["errors"]) == {"name"}
