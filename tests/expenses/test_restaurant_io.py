"""Restaurant CSV export and import with review: required `name`, per-row errors, nothing
half-written, idempotent apply, exact round trip, Places enrichment on request."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from expenses import importing, restaurant_io, services
from expenses.models import ImportDraft, Restaurant

from .factories import RestaurantFactory


def _draft(owner, text, name="r.csv"):
    return services.restaurant_import_draft_create(user=owner, filename=name, data=text.encode())


def _snapshot(user):
    return sorted(
        tuple(str(getattr(r, f)) for f in services.RESTAURANT_FIELDS) for r in Restaurant.objects.filter(user=user)
    )


def test_missing_required_column_refuses_the_file_naming_it(owner):
    with pytest.raises(ValidationError, match="no “name” column, which is required"):
        _draft(owner, "city,website\nAustin,x.com\n")
    with pytest.raises(importing.ImportFileError, match="Upload a .csv or .json"):
        restaurant_io.read_restaurant_upload(b"name\nA\n", "r.xlsx")
    assert not ImportDraft.objects.exists()


def test_rows_are_parsed_with_errors_by_column():
    rows = restaurant_io.read_restaurant_upload(
        b"Name,City,Rating,Price Level,Service Level,Website,Lat,Lng\n"
        b"Taco Joint,Austin,5,2,Fast Casual,tacojoint.com,30.2672,-97.7431\n"
        b",Dallas,6,9,buffet,not a url,91,0\n"
        b",,,,,,,\n"
        b"Cafe,None,,,,,,\n",
        "r.csv",
    )
    parsed = [restaurant_io.parse_restaurant_row(r, line=r["line"], unescape=True) for r in rows]
    good, bad, cafe = parsed
    assert good.errors == {}
    assert (good.values["rating"], good.values["price_level"], good.values["service_level"]) == (5, 2, "fast_casual")
    assert (good.values["website"], good.values["latitude"]) == ("https://tacojoint.com", "30.267200")
    assert bad.line == 2 and bad.errors == {
        "name": "a name is required",
        "rating": "the rating must be between 1 and 5",
        "price_level": "the price level must be between 0 and 4",
        "service_level": "“buffet” is not a service level (fine_dining, casual_dining, fast_casual, quick_service)",
        "website": "“not a url” is not a web address",
        "latitude": "the latitude must be between -90 and 90",
    }
    assert (cafe.line, cafe.values["city"]) == (4, "")  # blank line 3 skipped; literal "None" is nothing


def test_review_defaults_and_apply_creates_updates_and_skips(owner):
    known = RestaurantFactory(user=owner, name="Taco Joint", city="Austin", cuisine="Mexican")
    same = RestaurantFactory(user=owner, name="Pho Place", city="Austin")
    draft = _draft(
        owner,
        "name,city,cuisine,website,rating\n"
        "Taco Joint,Austin,,tacojoint.com,4\n"
        "Pho Place,Austin,,,\n"
        "New Grill,Dallas,BBQ,,\n"
        "New Grill,Dallas,BBQ,,\n"
        "Broken,Austin,,,9\n",
    )
    assert [(r["action"], r["existing_id"]) for r in draft.rows] == [
        ("update", known.pk),
        ("skip", same.pk),
        ("create", None),
        ("skip", None),
        ("skip", None),
    ]
    assert draft.rows[0]["changes"] == {"website": ["", "https://tacojoint.com"], "rating": [None, 4]}
    assert draft.rows[3]["warnings"] == ["same restaurant as line 3"]
    assert Restaurant.objects.filter(user=owner).count() == 2  # nothing written before apply

    result = services.restaurant_import_apply(user=owner, draft=draft)
    assert (result["created"], result["updated"], result["skipped"]) == (1, 1, 3)
    known.refresh_from_db()
    assert (known.website, known.rating, known.cuisine) == ("https://tacojoint.com", 4, "Mexican")  # blank kept
    assert Restaurant.objects.get(user=owner, name="New Grill").cuisine == "BBQ"
    assert Restaurant.history.filter(name="New Grill", history_change_reason="Import “r.csv”").count() == 1
    again = services.restaurant_import_apply(user=owner, draft=draft)
    assert again["already_applied"] is True and Restaurant.objects.filter(user=owner).count() == 3


def test_a_bad_decision_writes_nothing_and_names_the_line(owner):
    draft = _draft(owner, "name,rating\nGood Place,3\nBad Place,9\n")
    with pytest.raises(ValidationError, match="line 2: the row has errors \\(rating\\); skip it"):
        services.restaurant_import_apply(user=owner, draft=draft, decisions={2: "create"})
    with pytest.raises(ValidationError, match="line 1: action must be create, update or skip"):
        services.restaurant_import_apply(user=owner, draft=draft, decisions={1: "merge"})
    assert not Restaurant.objects.filter(user=owner).exists()


def test_place_id_clash_is_refused_before_writing(owner):
    RestaurantFactory(user=owner, name="Old", google_place_id="p-1")
    draft = _draft(owner, "name,google_place_id\nNew One,p-2\nOther,p-1\n")
    assert draft.rows[1]["existing_id"] is not None  # the place id matches the existing restaurant
    draft = _draft(owner, "name,google_place_id\nNew One,p-3\nNew Two,p-3\n")
    with pytest.raises(ValidationError, match="line 2: google_place_id: another of your restaurants"):
        services.restaurant_import_apply(user=owner, draft=draft, decisions={2: "create"})
    assert Restaurant.objects.filter(user=owner).count() == 1


def test_export_import_round_trip_into_another_account(owner, intruder, client):
    services.restaurant_create(
        user=owner,
        name="=Chili's",
        location_name="Wylie",
        address_line_1="1 Main St",
        city="Wylie",
        state="TX",
        postal_code="75098",
        country="US",
        phone="+1 972 555 0100",
        website="https://chilis.com/",
        cuisine="American",
        service_level="casual_dining",
        price_level=2,
        rating=4,
        google_place_id="place-9",
        latitude=Decimal("33.014100"),
        longitude=Decimal("-96.538800"),
        notes="booth by the window",
    )
    services.restaurant_create(user=owner, name="Plain")
    client.force_login(owner)
    exported = client.get("/expenses/restaurants/export/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert b"'=Chili's" in exported.content  # a formula-looking cell is escaped
    draft = _draft(intruder, exported.content.decode(), "restaurants.csv")
    assert [r["errors"] for r in draft.rows] == [{}, {}]
    services.restaurant_import_apply(user=intruder, draft=draft)
    assert _snapshot(intruder) == _snapshot(owner)
    (redo,) = {r["action"] for r in _draft(intruder, exported.content.decode(), "restaurants.csv").rows}
    assert redo == "skip"


def test_places_enrichment_fills_only_blanks(owner):
    draft = _draft(
        owner,
        "name,google_place_id,city\nSomewhere,fake-place-joes-tacos-downtown,Keep City\nElse,no-such-place,\n",
    )
    result = services.restaurant_import_apply(user=owner, draft=draft, enrich=True)
    restaurant = Restaurant.objects.get(user=owner, name="Somewhere")
    assert (restaurant.city, restaurant.address_line_1, restaurant.cuisine) == ("Keep City", "12 Main St", "Mexican")
    assert restaurant.latitude == Decimal("30.267200")
    assert len(result["warnings"]) == 1 and "no-such-place" in result["warnings"][0]
    assert Restaurant.objects.get(user=owner, name="Else").address_line_1 == ""


def test_import_pages_upload_review_apply(owner, client):
    client.force_login(owner)
    assert client.get("/expenses/restaurants/import/").status_code == 200
    bad = client.post("/expenses/restaurants/import/", {"file": SimpleUploadedFile("r.csv", b"city\nAustin\n")})
    assert bad.status_code == 200 and "no “name” column" in bad.content.decode()
    response = client.post(
        "/expenses/restaurants/import/", {"file": SimpleUploadedFile("r.csv", b"name,city\nA,X\nB,Y\n")}
    )
    draft = ImportDraft.objects.get(user=owner, kind="restaurants")
    assert response["Location"].endswith(f"/expenses/import/{draft.pk}/")
    page = client.get(f"/expenses/import/{draft.pk}/").content.decode()
    assert "Review restaurants" in page and 'name="action_2"' in page
    response = client.post(f"/expenses/import/{draft.pk}/", {"action_2": "skip"}, follow=True)
    assert "Restaurants created 1, updated 0, skipped 1." in response.content.decode()
    assert list(Restaurant.objects.filter(user=owner).values_list("name", flat=True)) == ["A"]


def test_expense_apply_refuses_a_restaurant_draft(owner, client_for):
    draft = _draft(owner, "name\nA\n")
    with pytest.raises(ValidationError, match="restaurant import"):
        services.import_draft_apply(user=owner, draft=draft)
    assert client_for(owner).get(f"/api/v1/expenses/imports/{draft.pk}/").status_code == 404


def test_export_query_count_is_constant(owner, client, django_assert_max_num_queries):
    for i in range(30):
        RestaurantFactory(user=owner, name=f"R{i}")
    client.force_login(owner)
    with django_assert_max_num_queries(6):
        assert client.get("/expenses/restaurants/export/").status_code == 200
