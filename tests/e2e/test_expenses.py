"""A staff member imports an expense CSV through the review page and sees the analytics chart."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from expenses.models import Expense
from project.roles import STAFF
from tests.e2e.conftest import log_in
from tests.expenses.factories import CategoryFactory, RestaurantFactory

pytestmark = pytest.mark.e2e

CSV = b"""date,amount,restaurant,city,category,meal_type,party_size,notes
2025-03-05,24.50,Joe's Kansas City,Kansas City,Client meals,lunch,2,Kickoff
2025-03-20,$12.25,Taco Republic,Kansas City,Client meals,dinner,1,
2025-04-02,40.00,Joe's Kansas City,Kansas City,Client meals,lunch,4,Volunteer thanks
31/31/2025,9.99,Broken Row,Kansas City,,lunch,1,
"""


def test_staff_imports_a_csv_through_review_and_sees_the_analytics_chart(page, user_with_role, screenshot):
    user = user_with_role(STAFF)
    RestaurantFactory(user=user, name="Joe's Kansas City", city="Kansas City")
    CategoryFactory(user=user, name="Client meals")
    log_in(page, user)

    page.goto("/expenses/")
    page.get_by_role("navigation", name="Expenses").get_by_role("link", name="Import").click()
    expect(page.locator("h1")).to_have_text("Import expenses")
    page.get_by_label("File").set_input_files(files=[{"name": "march.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.get_by_role("button", name="Upload and review").click()
    page.wait_for_url("**/expenses/import/*/")
    assert page.locator("h1").inner_text() == "Review “march.csv”"
    summary = page.locator("main > p").first.inner_text()
    assert "4 rows · 1 with errors (skipped) · 0 with possible duplicates." in summary
    page.get_by_role("link", name="Show every row").click()
    rows = page.locator("table.review tbody tr")
    expect(rows).to_have_count(4)
    assert "date:" in rows.nth(3).locator(".errorlist").inner_text()
    assert page.get_by_label("Restaurant action, line 1").input_value() == "match"
    assert page.get_by_label("Restaurant action, line 2").input_value() == "create"
    screenshot("review")

    page.get_by_role("button", name="Apply import").click()
    assert "Imported 3, updated 0, skipped 1." in page.locator(".messages").inner_text()
    assert page.locator(".badge.status-succeeded").inner_text().startswith("Applied")
    assert sorted(Expense.objects.filter(user=user).values_list("amount", flat=True)) == [
        Decimal("12.25"),
        Decimal("24.50"),
        Decimal("40.00"),
    ]

    page.get_by_role("navigation", name="Expenses").get_by_role("link", name="Analytics").click()
    page.get_by_label("Start:", exact=True).fill("2025-03-01")
    page.get_by_label("End:", exact=True).fill("2025-04-30")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/expenses/analytics/?start=2025-03-01&end=2025-04-30")
    total = page.locator(".stat", has=page.locator(".stat-label", has_text=re.compile(r"^Total$")))
    assert total.locator(".stat-value").inner_text() == "$76.75"
    monthly = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById("chart-month"));
        return {labels: chart.data.labels, values: chart.data.datasets[0].data,
                drawn: chart.width > 0 && chart.height > 0};
    }""")
    assert monthly == {"labels": ["2025-03", "2025-04"], "values": [36.75, 40], "drawn": True}
    assert page.evaluate("Object.keys(Chart.instances).length") == 4
    restaurants = page.evaluate('Chart.getChart(document.getElementById("chart-restaurant")).data.labels')
    assert sorted(restaurants) == ["Joe's Kansas City", "Taco Republic"]
    # A function, not an expression string: Playwright evals strings, which the CSP forbids.
    page.wait_for_function("() => Object.values(Chart.instances).every(chart => !Chart.animator.running(chart))")
    screenshot("analytics")
