"""Pages: ownership (404), forms, filters and totals, import review, query counts."""

import zoneinfo
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from expenses import services
from expenses.models import Category, Expense, ImportDraft, Restaurant, Tag
from expenses.selectors import user_today

from .factories import RestaurantFactory


@pytest.fixture
def owned(owner):
    services.category_defaults_ensure(user=owner)
    restaurant = RestaurantFactory(user=owner, name="Owner Diner")
    category = Category.objects.get(user=owner, name="Restaurants")
    expense = services.expense_create(
        user=owner,
        amount=Decimal("20.00"),
        date=date(2025, 1, 2),
        restaurant=restaurant,
        category=category,
        tags=["work"],
        receipt=SimpleUploadedFile("r.png", b"\x89PNG fake", content_type="image/png"),
    )
    draft = services.import_draft_create(
        user=owner, filename="a.csv", data=b"date,restaurant,amount\n2025-01-01,Owner Diner,5\n"
    )
    return {
        "restaurant": restaurant,
        "category": category,
        "expense": expense,
        "draft": draft,
        "tag": Tag.objects.get(user=owner, name="work"),
    }


def _owned_urls(o):
    e, r, c, t, d = o["expense"].pk, o["restaurant"].pk, o["category"].pk, o["tag"].pk, o["draft"].pk
    return {
        "get": [
            f"/expenses/{e}/",
            f"/expenses/{e}/edit/",
            f"/expenses/{e}/receipt/",
            f"/expenses/restaurants/{r}/",
            f"/expenses/restaurants/{r}/edit/",
            f"/expenses/import/{d}/",
            f"/expenses/add/?restaurant={r}",
        ],
        "post": [
            f"/expenses/{e}/delete/",
            f"/expenses/{e}/restore/",
            f"/expenses/restaurants/{r}/delete/",
            f"/expenses/categories/{c}/delete/",
            f"/expenses/tags/{t}/delete/",
            f"/expenses/import/{d}/",
            f"/expenses/{e}/edit/",
        ],
    }


def test_every_owned_page_is_404_for_another_user(owned, intruder, client):
    client.force_login(intruder)
    urls = _owned_urls(owned)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {}).status_code == 404, url
    assert Expense.objects.filter(pk=owned["expense"].pk).exists()
    assert ImportDraft.objects.get(pk=owned["draft"].pk).status == "draft"


def test_owner_can_see_every_page(owned, client):
    client.force_login(owned["expense"].user)
    for url in _owned_urls(owned)["get"] + [
        "/expenses/",
        "/expenses/restaurants/",
        "/expenses/categories/",
        "/expenses/tags/",
        "/expenses/import/",
        "/expenses/analytics/",
        "/expenses/trash/",
        "/expenses/restaurants/add/",
    ]:
        assert client.get(url).status_code == 200, url


def test_receipt_is_served_to_its_owner_only(owned, client):
    client.force_login(owned["expense"].user)
    response = client.get(f"/expenses/{owned['expense'].pk}/receipt/")
    assert b"".join(response.streaming_content) == b"\x89PNG fake"


def test_pages_require_login(client, db):
    response = client.get("/expenses/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_filters_totals_and_query_count(owner, client, django_assert_max_num_queries):
    restaurant = RestaurantFactory(user=owner, name="Taco Hut")
    for i in range(40):
        services.expense_create(
            user=owner,
            amount=Decimal("10.00"),
            date=date(2025, 1, 1 + i % 28),
            restaurant=restaurant,
            party_size=2,
            tags=["x", f"t{i}"],
            meal_type="lunch",
        )
    services.expense_create(
        user=owner, amount=Decimal("15.00"), kind="refund", date=date(2025, 2, 1), restaurant=restaurant
    )
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        response = client.get("/expenses/")
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["count"], totals["refund_count"], totals["total"]) == (40, 1, Decimal("385.00"))
    assert totals["average_per_person"] == Decimal("4.81")  # 385 / 80 diners
    filtered = client.get("/expenses/?tags=x,t3&meal_type=lunch").context["totals"]
    assert (filtered["count"], filtered["total"]) == (1, Decimal("10.00"))
    assert client.get("/expenses/?start=bad").status_code == 200  # ignored with a message


def test_list_rows_show_time_tags_in_order_refunds_and_escape(owner, client, django_assert_num_queries):
    restaurant = RestaurantFactory(user=owner, name="Taco <Hut> & Co")
    meal = services.expense_create(
        user=owner,
        amount=Decimal("1234.50"),
        date=date(2025, 3, 4),
        time=time(12, 5),
        restaurant=restaurant,
        party_size=3,
        tags=["zeta", "alpha"],  # shown in this order, not by name
        meal_type="lunch",
    )
    refund = services.expense_create(
        user=owner, amount=Decimal("15.00"), kind="refund", date=date(2025, 3, 5), restaurant=restaurant
    )
    client.force_login(owner)
    body = client.get("/expenses/").content.decode()
    assert (
        f'<tr><td><a href="/expenses/{meal.pk}/">Tue 4 Mar 2025</a> <span class="muted">12:05</span></td>'
        "<td>Taco &lt;Hut&gt; &amp; Co</td>"
    ) in body
    assert '<td class="num">3</td><td><span class="badge">zeta</span> <span class="badge">alpha</span> </td>' in body
    assert '<td class="num">$1234.50</td></tr>' in body
    assert f'<a href="/expenses/{refund.pk}/">Wed 5 Mar 2025</a></td>' in body
    assert '<td class="num"><span class="badge">refund</span> −$15.00</td></tr>' in body
    empty = client.get("/expenses/?q=no-such-meal").content.decode()
    assert (
        'No expenses match. <a href="/expenses/add/">Add one</a> or <a href="/expenses/import/">import a file</a>.'
        in empty
    )


def test_list_queries_do_not_grow_with_its_rows(owner, client):
    restaurant = RestaurantFactory(user=owner, name="Diner")
    for i in range(30):
        services.expense_create(
            user=owner, amount=Decimal("5.00"), date=date(2025, 1, 1 + i % 28), restaurant=restaurant, tags=[f"t{i}"]
        )
    client.force_login(owner)
    counts = []
    for query in ("?tags=t3", ""):  # one row, then a full page of 25
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/expenses/{query}")
        counts.append(len(captured.captured_queries))
    assert len(response.context["page"].object_list) == 25
    assert counts[0] == counts[1]


def test_add_expense_defaults_to_the_restaurants_most_used_category(owned, client):
    user = owned["expense"].user
    client.force_login(user)
    response = client.get(f"/expenses/add/?restaurant={owned['restaurant'].pk}")
    assert response.context["form"].initial["category"] == owned["category"].pk


def test_add_and_edit_expense_through_the_form(owned, client):
    user = owned["expense"].user
    client.force_login(user)
    data = {
        "kind": "expense",
        "amount": "31.50",
        "date": "2025-04-01",
        "time": "12:15",
        "restaurant": owned["restaurant"].pk,
        "category": owned["category"].pk,
        "meal_type": "lunch",
        "order_type": "takeout",
        "party_size": "2",
        "tags": "b, a",
        "notes": "hi",
    }
    response = client.post("/expenses/add/", data)
    assert response.status_code == 302
    expense = Expense.objects.get(amount=Decimal("31.50"))
    assert [link.tag.name for link in expense.tag_links.all()] == ["b", "a"]
    response = client.post(f"/expenses/{expense.pk}/edit/", {**data, "amount": "32.00", "party_size": "51"})
    assert response.status_code == 200 and "party_size" in response.context["form"].errors
    response = client.post(f"/expenses/{expense.pk}/edit/", {**data, "amount": "32.00"})
    expense.refresh_from_db()
    assert expense.amount == Decimal("32.00")


def test_expense_form_rejects_someone_elses_restaurant(owned, intruder, client):
    theirs = RestaurantFactory(user=intruder)
    client.force_login(owned["expense"].user)
    response = client.post(
        "/expenses/add/",
        {"kind": "expense", "amount": "5", "date": "2025-01-01", "restaurant": theirs.pk, "party_size": "1"},
    )
    assert response.status_code == 200 and "restaurant" in response.context["form"].errors


def test_restaurant_delete_blocked_with_explanation(owned, client):
    client.force_login(owned["expense"].user)
    response = client.post(f"/expenses/restaurants/{owned['restaurant'].pk}/delete/", follow=True)
    assert "cannot be deleted: it is used by 1 expense" in response.content.decode()
    assert Restaurant.objects.filter(pk=owned["restaurant"].pk).exists()


def test_restaurant_list_figures_and_query_count(owned, client, django_assert_max_num_queries):
    for i in range(20):
        RestaurantFactory(user=owned["expense"].user, name=f"R{i}")
    client.force_login(owned["expense"].user)
    with django_assert_max_num_queries(8):
        response = client.get("/expenses/restaurants/")
    diner = next(r for r in response.context["page"] if r.name == "Owner Diner")
    assert (diner.visit_count, diner.total, diner.average_per_person) == (1, Decimal("20.00"), Decimal("20.00"))


def test_restaurant_add_with_places_prefill(owner, client):
    client.force_login(owner)
    assert client.get("/expenses/restaurants/add/").context["place_results"] is None  # no call on load
    results = client.get("/expenses/restaurants/add/?place_q=burger").context["place_results"]
    assert [p.place_id for p in results] == ["fake-place-burger-barn"]
    form = client.get("/expenses/restaurants/add/?place_id=fake-place-burger-barn").context["form"]
    assert (form.initial["name"], form.initial["city"], form.initial["google_place_id"]) == (
        "Burger Barn",
        "Austin",
        "fake-place-burger-barn",
    )
    response = client.post("/expenses/restaurants/add/", {"name": "Burger Barn", "city": "Austin"})
    assert response.status_code == 302
    response = client.post("/expenses/restaurants/add/", {"name": "burger barn", "city": "AUSTIN"})
    assert "name" in response.context["form"].errors


def test_categories_and_tags_pages(owned, client, django_assert_max_num_queries):
    client.force_login(owned["expense"].user)
    with django_assert_max_num_queries(8):
        assert client.get("/expenses/categories/").status_code == 200
    client.post("/expenses/categories/", {"name": "Team", "color": "#123456"})
    assert Category.objects.filter(user=owned["expense"].user, name="Team").exists()
    response = client.post(f"/expenses/categories/{owned['category'].pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    client.post("/expenses/tags/", {"name": "road trip", "color": "#123456"})
    assert Tag.objects.filter(user=owned["expense"].user, name="road-trip").exists()
    with django_assert_max_num_queries(8):
        assert client.get("/expenses/tags/").status_code == 200


def test_import_upload_review_and_apply_page(owner, client):
    client.force_login(owner)
    upload = SimpleUploadedFile("x.csv", b"date,restaurant,amount\n2025-01-01,New Place,5\n2025-01-02,New Place,x\n")
    response = client.post("/expenses/import/", {"file": upload})
    draft = ImportDraft.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"].endswith(f"/expenses/import/{draft.pk}/")
    page = client.get(f"/expenses/import/{draft.pk}/")
    assert "New Place" in page.content.decode() and page.context["error_count"] == 1
    response = client.post(
        f"/expenses/import/{draft.pk}/", {"restaurant_action_1": "create", "expense_action_1": "create"}, follow=True
    )
    assert "Imported 1, updated 0, skipped 1." in response.content.decode()
    response = client.post(f"/expenses/import/{draft.pk}/", {}, follow=True)
    assert "already applied" in response.content.decode()
    assert Expense.objects.filter(user=owner).count() == 1


def test_import_page_bad_file(owner, client):
    client.force_login(owner)
    response = client.post("/expenses/import/", {"file": SimpleUploadedFile("x.json", b"{}")})
    assert response.status_code == 200 and "must contain a list" in response.content.decode()


def test_export_page_download(owned, client):
    client.force_login(owned["expense"].user)
    response = client.get("/expenses/export/?format=json")
    assert response.json()[0]["restaurant"] == "Owner Diner"
    assert client.get("/expenses/export/?format=xml").status_code == 400


def test_soft_delete_and_restore_pages(owned, client):
    client.force_login(owned["expense"].user)
    pk = owned["expense"].pk
    client.post(f"/expenses/{pk}/delete/")
    assert not Expense.objects.filter(pk=pk).exists()
    assert client.get("/expenses/trash/").context["page"][0].pk == pk
    client.post(f"/expenses/{pk}/restore/")
    assert Expense.objects.filter(pk=pk).exists()


def test_trash_and_import_pages_query_counts(owner, client, django_assert_max_num_queries):
    restaurant = RestaurantFactory(user=owner)
    for i in range(20):
        services.expense_create(
            user=owner, amount=Decimal("5"), date=date(2025, 1, 1), restaurant=restaurant, tags=["a"]
        ).soft_delete()
        services.import_draft_create(user=owner, filename=f"{i}.csv", data=b"date,restaurant,amount\n2025-01-01,A,5\n")
    client.force_login(owner)
    with django_assert_max_num_queries(8):
        assert len(client.get("/expenses/trash/").context["page"]) == 20
    with django_assert_max_num_queries(8):
        assert client.get("/expenses/import/").status_code == 200


def test_timezone_preference_sets_today(owner, client):
    client.force_login(owner)
    assert client.post("/expenses/preferences/", {"timezone": "Pacific/Kiritimati"}).status_code == 302
    assert client.post("/expenses/preferences/", {"timezone": "Mars/Base"}).status_code == 200
    assert user_today(owner) == timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    assert client.get("/expenses/add/").context["form"].initial["date"] == user_today(owner)


def test_review_page_lists_rows_needing_attention_first(owner, client):
    RestaurantFactory(user=owner, name="Known Place")
    client.force_login(owner)
    data = b"date,restaurant,amount\n2025-01-01,Known Place,5\n2025-01-02,Unknown Place,6\n"
    draft = services.import_draft_create(user=owner, filename="x.csv", data=data)
    page = client.get(f"/expenses/import/{draft.pk}/")
    assert [r["line"] for r in page.context["rows"]] == [2] and page.context["hidden_count"] == 1
    assert [r["line"] for r in client.get(f"/expenses/import/{draft.pk}/?show=all").context["rows"]] == [1, 2]


def test_import_review_counts_unknown_categories_apart_from_errors(owner, client):
    client.force_login(owner)
    upload = SimpleUploadedFile(
        "c.csv", b"date,restaurant,amount,category\n2025-01-01,Cafe,5,Brunch\n2025-01-02,Cafe,x,\n"
    )
    client.post("/expenses/import/", {"file": upload})
    page = client.get(f"/expenses/import/{ImportDraft.objects.get(user=owner).pk}/")
    assert (page.context["error_count"], page.context["category_count"]) == (1, 1)
    assert "1 with an unknown category (skipped unless you create the missing categories)" in page.content.decode()


def test_receipts_tab_lists_with_and_missing_and_counts(owner, intruder, client, django_assert_max_num_queries):
    restaurant = RestaurantFactory(user=owner, name="Receipt Diner")
    for i in range(6):
        expense = services.expense_create(
            user=owner, amount=Decimal(f"{i + 1}.00"), date=date(2026, 3, 1 + i), restaurant=restaurant
        )
        if i % 2:
            expense.receipt.save(f"r{i}.pdf", ContentFile(b"%PDF"), save=True)
    services.expense_create(
        user=intruder, amount=Decimal("9.00"), date=date(2026, 3, 1), restaurant=RestaurantFactory(user=intruder)
    )
    client.force_login(owner)
    with django_assert_max_num_queries(10):
        page = client.get("/expenses/receipts/")
    assert page.context["counts"] == {"with_receipt": 3, "missing": 3}
    assert [e.amount for e in page.context["page"]] == [Decimal("6.00"), Decimal("4.00"), Decimal("2.00")]
    missing = client.get("/expenses/receipts/?show=missing")
    assert [e.amount for e in missing.context["page"]] == [Decimal("5.00"), Decimal("3.00"), Decimal("1.00")]
    assert "Attach" in missing.content.decode()
