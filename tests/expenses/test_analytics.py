"""Analytics on a hand-built dataset, checked to the cent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from expenses import selectors, services
from expenses.models import Category, Expense
from tests.openapi import component, openapi_schema, success_schema

from .factories import ExpenseFactory, RestaurantFactory

D = Decimal


@pytest.fixture
def dataset(owner, intruder):
    services.category_defaults_ensure(user=owner)
    restaurants_cat = Category.objects.get(user=owner, name="Restaurants")
    fast_food = Category.objects.get(user=owner, name="Fast Food")
    a = RestaurantFactory(user=owner, name="Alpha", location_name="Downtown")
    b = RestaurantFactory(user=owner, name="Beta")
    make = ExpenseFactory
    make(
        user=owner,
        restaurant=a,
        category=restaurants_cat,
        meal_type="dinner",
        amount=D("40.00"),
        date=date(2025, 1, 5),
        party_size=2,
    )
    make(user=owner, restaurant=b, category=fast_food, meal_type="lunch", amount=D("12.50"), date=date(2025, 1, 20))
    make(
        user=owner,
        restaurant=a,
        category=restaurants_cat,
        meal_type="dinner",
        amount=D("60.00"),
        date=date(2025, 2, 3),
        party_size=4,
    )
    make(
        user=owner,
        restaurant=a,
        category=restaurants_cat,
        meal_type="dinner",
        amount=D("10.00"),
        date=date(2025, 2, 10),
        kind="refund",
    )
    make(user=owner, restaurant=b, meal_type="breakfast", amount=D("7.25"), date=date(2025, 3, 15))
    make(user=owner, restaurant=a, amount=D("100.00"), date=date(2024, 12, 31))  # before the range
    make(user=owner, restaurant=a, amount=D("500.00"), date=date(2025, 2, 11)).soft_delete()  # in the trash
    make(user=intruder, amount=D("999.00"), date=date(2025, 2, 1))  # someone else's
    return {"a": a, "b": b}


def test_summary_figures(owner, dataset):
    result = selectors.analytics_for_user(owner, start=date(2025, 1, 1), end=date(2025, 3, 31))
    assert result["days"] == 90
    assert result["count"] == 4
    assert result["refund_count"] == 1
    assert result["total"] == D("109.75")
    assert result["average_per_expense"] == D("27.44")  # 109.75 / 4 = 27.4375
    assert result["average_per_day"] == D("1.22")  # 109.75 / 90
    assert result["average_per_person"] == D("13.72")  # 109.75 / 8 diners = 13.71875


def test_breakdowns(owner, dataset):
    result = selectors.analytics_for_user(owner, start=date(2025, 1, 1), end=date(2025, 3, 31))
    assert result["by_month"] == [
        {"month": "2025-01", "total": D("52.50"), "count": 2, "spent": D("52.50"), "refunded": D("0.00")},
        {"month": "2025-02", "total": D("50.00"), "count": 1, "spent": D("60.00"), "refunded": D("10.00")},
        {"month": "2025-03", "total": D("7.25"), "count": 1, "spent": D("7.25"), "refunded": D("0.00")},
    ]
    assert result["by_category"] == [
        {"category": "Restaurants", "total": D("90.00"), "count": 2, "spent": D("100.00"), "refunded": D("10.00")},
        {"category": "Fast Food", "total": D("12.50"), "count": 1, "spent": D("12.50"), "refunded": D("0.00")},
        {"category": "Uncategorized", "total": D("7.25"), "count": 1, "spent": D("7.25"), "refunded": D("0.00")},
    ]
    assert result["by_restaurant"] == [
        {
            "restaurant_id": dataset["a"].pk,
            "restaurant": "Alpha - Downtown",
            "total": D("90.00"),
            "spent": D("100.00"),
            "count": 2,
            "average_per_person": D("15.00"),
        },
        {
            "restaurant_id": dataset["b"].pk,
            "restaurant": "Beta",
            "total": D("19.75"),
            "spent": D("19.75"),
            "count": 2,
            "average_per_person": D("9.88"),
        },
    ]
    assert result["by_meal_type"] == [
        {"meal_type": "dinner", "total": D("90.00"), "count": 2, "spent": D("100.00"), "refunded": D("10.00")},
        {"meal_type": "lunch", "total": D("12.50"), "count": 1, "spent": D("12.50"), "refunded": D("0.00")},
        {"meal_type": "breakfast", "total": D("7.25"), "count": 1, "spent": D("7.25"), "refunded": D("0.00")},
    ]
    assert [e["amount"] for e in result["top_expenses"]] == [D("60.00"), D("40.00"), D("12.50"), D("7.25")]


def test_empty_months_are_shown_as_zero(owner, dataset):
    result = selectors.analytics_for_user(owner, start=date(2025, 3, 1), end=date(2025, 5, 31))
    assert [(m["month"], m["total"]) for m in result["by_month"]] == [
        ("2025-03", D("7.25")),
        ("2025-04", D("0.00")),
        ("2025-05", D("0.00")),
    ]


def test_empty_range(owner):
    result = selectors.analytics_for_user(owner, start=date(2025, 1, 1), end=date(2025, 1, 1))
    assert result["total"] == D("0.00")
    assert result["average_per_expense"] is None and result["average_per_person"] is None
    assert result["average_per_day"] == D("0.00")


def test_restaurant_list_uses_the_same_per_person_definition(owner, dataset):
    rows = {r.name: r for r in selectors.restaurant_list_for_user(owner)}
    alpha = rows["Alpha"]
    # All time: 40 + 60 - 10 + 100 = 190 over 2 + 4 + 1 diners.
    assert (alpha.visit_count, alpha.total, alpha.diners) == (3, D("190.00"), 7)
    assert selectors.ratio(alpha.total, alpha.diners) == D("27.14")


def test_api_analytics_exact(owner, dataset, client_for):
    response = client_for(owner).get("/api/v1/expenses/analytics/?start=2025-01-01&end=2025-03-31")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["count"], body["average_per_person"]) == ("109.75", 4, "13.72")
    assert body["by_month"][0] == {
        "month": "2025-01",
        "total": "52.50",
        "count": 2,
        "spent": "52.50",
        "refunded": "0.00",
    }
    assert body["refunded"] == "10.00"


@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2025-02-01&end=2025-01-01", "end"),
        ("start=nope", "start"),
        ("start=2000-01-01&end=2025-01-01", "start"),
        ("foo=1", "foo"),
    ],
)
def test_api_analytics_bad_input(owner, client_for, query, field):
    response = client_for(owner).get(f"/api/v1/expenses/analytics/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_analytics_page_csv_and_pdf(owner, dataset, client_for, django_assert_max_num_queries):
    client = client_for(owner)
    with django_assert_max_num_queries(15):
        page = client.get("/expenses/analytics/?start=2025-01-01&end=2025-03-31")
    assert page.status_code == 200
    assert b"$109.75" in page.content and b"Monthly spending" in page.content
    csv_text = client.get("/expenses/analytics/report.csv?start=2025-01-01&end=2025-03-31").content.decode()
    assert "summary,total,109.75," in csv_text
    assert "month,2025-02,50.00,1" in csv_text
    pdf = client.get("/expenses/analytics/report.pdf?start=2025-01-01&end=2025-03-31")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_default_range_is_this_year(owner, client_for):
    today = selectors.user_today(owner)
    body = client_for(owner).get("/api/v1/expenses/analytics/").json()
    assert body["start"] == today.replace(month=1, day=1).isoformat() and body["end"] == today.isoformat()
    assert body["days"] == (today - today.replace(month=1, day=1) + timedelta(days=1)).days


# --------------------------------------------------------------------------- cache
RANGE = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}


@pytest.fixture
def own_cache(settings, request):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.name}
    }


def test_cached_analytics_costs_one_query_when_nothing_changed(owner, dataset, own_cache, django_assert_num_queries):
    first = selectors.analytics_for_user_cached(owner, **RANGE)
    assert first == selectors.analytics_for_user(owner, **RANGE)
    with django_assert_num_queries(1):  # the stamp of the user's rows
        assert selectors.analytics_for_user_cached(owner, **RANGE) == first


def _edit(owner, old_amount, **fields):
    expense = Expense.all_objects.get(user=owner, amount=D(old_amount))
    services.expense_update(expense=expense, user=owner, **fields)


CHANGES = {
    "add": lambda owner, data: ExpenseFactory(
        user=owner, restaurant=data["a"], amount=D("5.00"), date=date(2025, 3, 1)
    ),
    "edit": lambda owner, data: _edit(owner, "40.00", amount=D("41.00")),
    "recategorise": lambda owner, data: _edit(owner, "7.25", category=Category.objects.get(user=owner, name="Drinks")),
    "trash": lambda owner, data: services.expense_delete(expense=Expense.objects.get(user=owner, amount=D("60.00"))),
    "restore": lambda owner, data: services.expense_restore(expense=Expense.all_objects.get(amount=D("500.00"))),
    "rename category": lambda owner, data: services.category_update(
        category=Category.objects.get(user=owner, name="Fast Food"), name="Quick bites"
    ),
    "rename restaurant": lambda owner, data: services.restaurant_update(restaurant=data["b"], name="Beta Bistro"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_cached_analytics_sees_every_change_at_once(owner, dataset, own_cache, change):
    before = selectors.analytics_for_user_cached(owner, **RANGE)
    CHANGES[change](owner, dataset)
    after = selectors.analytics_for_user_cached(owner, **RANGE)
    assert after == selectors.analytics_for_user(owner, **RANGE)
    assert after != before


def test_analytics_work_with_the_cache_down(owner, dataset, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }  # nothing listens there
    assert selectors.analytics_for_user_cached(owner, **RANGE) == selectors.analytics_for_user(owner, **RANGE)


def test_a_single_large_refund_never_makes_a_chart_negative(owner, client):
    restaurant = RestaurantFactory(user=owner, name="Gamma")
    ExpenseFactory(user=owner, restaurant=restaurant, amount=D("20.00"), date=date(2025, 4, 2), meal_type="lunch")
    ExpenseFactory(user=owner, restaurant=restaurant, amount=D("5000.00"), date=date(2025, 4, 3), kind="refund")
    client.force_login(owner)
    page = client.get("/expenses/analytics/?start=2025-04-01&end=2025-04-30")
    chart = page.context["chart"]
    assert (chart["month_totals"], chart["meal_totals"], chart["restaurant_totals"]) == (
        ["20.00"],
        ["20.00"],
        ["20.00"],
    )
    assert chart["categories"] == ["Uncategorized"] and chart["category_totals"] == ["20.00"]
    body = page.content.decode()
    assert "−$5,000.00" in body and "$-4,980.00" in body  # refunds apart; the net stays in the tables


def test_api_analytics_is_a_typed_schema_that_matches_the_response(owner, dataset, client_for):
    body = client_for(owner).get("/api/v1/expenses/analytics/?start=2025-01-01&end=2025-03-31").json()
    schema = success_schema("get", "/api/v1/expenses/analytics/")
    assert set(schema["properties"]) == set(body)
    assert schema["properties"]["total"]["type"] == "string" and schema["properties"]["days"]["type"] == "integer"
    assert schema["properties"]["average_per_person"]["nullable"] is True
    for key in ("by_month", "by_category", "by_restaurant", "by_meal_type", "by_merchant", "top_expenses"):
        items = component(schema["properties"][key]["items"]["$ref"].rsplit("/", 1)[1])
        assert body[key] and set(items["properties"]) == set(body[key][0]), key
    assert body["by_merchant"] == [{"merchant_id": None, "merchant": "No merchant", "total": "109.75", "count": 4}]
    assert body["top_expenses"][0] == {
        "id": body["top_expenses"][0]["id"],
        "date": "2025-02-03",
        "amount": "60.00",
        "restaurant": "Alpha - Downtown",
        "category": "Restaurants",
    }


def test_every_expenses_json_response_declares_its_properties():
    """No free-form object among the expenses API's success responses (a generated client gets types)."""
    paths = openapi_schema()["paths"]
    for path, operations in paths.items():
        if not path.startswith("/api/v1/expenses/"):
            continue
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch"):
                continue
            for code, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if not code.startswith("2") or content is None:
                    continue
                body = content["schema"]
                body = body.get("items", body) if body.get("type") == "array" else body
                body = body["allOf"][0] if "allOf" in body else body
                ref = body.get("$ref") or body.get("items", {}).get("$ref")
                resolved = component(ref.rsplit("/", 1)[1]) if ref else body
                assert resolved.get("properties"), f"{method.upper()} {path} {code}"


def test_analytics_page_tables(owner, dataset, client):
    """The page's tables: money with two decimals and grouped thousands, refunds apart (a dash
    without any), each restaurant linked, names escaped, an empty table's own message."""
    dataset["a"].name = "Alpha & <Co>"
    dataset["a"].save()
    ExpenseFactory(user=owner, restaurant=dataset["b"], amount=D("1234.5"), date=date(2025, 3, 16))
    client.force_login(owner)
    body = client.get("/expenses/analytics/", {"start": "2025-01-01", "end": "2025-03-31"}).content.decode()
    january = '<tr><td>2025-01</td><td class="num">2</td><td class="num">$52.50</td><td class="num">—</td>'
    assert january + '<td class="num">$52.50</td></tr>' in body
    february = '<tr><td>2025-02</td><td class="num">1</td><td class="num">$60.00</td><td class="num">−$10.00</td>'
    assert february + '<td class="num">$50.00</td></tr>' in body  # the refund apart, the trashed one not at all
    assert '<td class="num">$1,241.75</td>' in body  # March: 7.25 + 1,234.50
    url = f"/expenses/restaurants/{dataset['a'].pk}/"
    assert f'<td><a href="{url}">Alpha &amp; &lt;Co&gt; - Downtown</a></td>' in body
    body = client.get("/expenses/analytics/", {"start": "2020-01-01", "end": "2020-01-31"}).content.decode()
    assert '<td colspan="4"><div class="empty-state"><p>No data.</p></div></td>' in body
