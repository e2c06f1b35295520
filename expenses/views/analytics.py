"""Analytics: the page and its CSV/PDF downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils.formats import localize

from project.csv import csv_response
from project.dates import month_from_query
from project.tables import Column, Table, day, link
from project.templatetags.crewbase_ui import pk_url

from .. import selectors
from ..api import analytics_range
from ..forms import AnalyticsRangeForm


def _analytics(request):
    form = AnalyticsRangeForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = analytics_range(request.user, data)
    if start > end:
        start = end.replace(month=1, day=1)
    return form, selectors.analytics_for_user_cached(request.user, start=start, end=end)


def _money(value) -> str:
    """`${{ value|floatformat:"2g" }}`: two decimals, thousands grouped."""
    return f"${floatformat(value, '2g')}"


def _tables(a: dict) -> dict[str, Table]:
    """The page's six tables, written out by the shared table component (drawn by the template
    engine they were half the page's time)."""
    no_data = "No data."
    count, total = Column("Expenses", numeric=True), Column("Total", numeric=True)
    visits = Column("Visits", numeric=True)
    return {
        "by_month": Table(
            [
                Column("Month"),
                count,
                Column("Spent", numeric=True),
                Column("Refunds", numeric=True),
                Column("Net", numeric=True),
            ],
            [
                [
                    r["month"],
                    r["count"],
                    _money(r["spent"]),
                    f"−{_money(r['refunded'])}" if r["refunded"] else "—",
                    _money(r["total"]),
                ]
                for r in a["by_month"]
            ],
            empty=no_data,
        ),
        "by_category": Table(
            [Column("Category"), count, total],
            [[r["category"], r["count"], _money(r["total"])] for r in a["by_category"]],
            empty=no_data,
        ),
        "by_restaurant": Table(
            [Column("Restaurant"), visits, total, Column("Avg / person", numeric=True)],
            [
                [
                    link(pk_url("expenses:restaurant_detail", r["restaurant_id"]), r["restaurant"]),
                    r["count"],
                    _money(r["total"]),
                    f"${localize(r['average_per_person'])}" if r["average_per_person"] is not None else "—",
                ]
                for r in a["by_restaurant"]
            ],
            empty=no_data,
        ),
        "by_merchant": Table(
            [Column("Merchant"), visits, total],
            [[r["merchant"], r["count"], _money(r["total"])] for r in a["by_merchant"]],
            empty=no_data,
        ),
        "by_meal_type": Table(
            [Column("Meal"), count, total],
            [[r["meal_type"], r["count"], _money(r["total"])] for r in a["by_meal_type"]],
            empty=no_data,
        ),
        "top_expenses": Table(
            [Column("Date"), Column("Restaurant"), Column("Category"), Column("Amount", numeric=True)],
            [
                [
                    link(pk_url("expenses:expense_detail", r["id"]), day(r["date"])),
                    r["restaurant"],
                    r["category"] or "—",
                    f"${localize(r['amount'])}",
                ]
                for r in a["top_expenses"]
            ],
            empty=no_data,
        ),
    }


@login_required
def analytics(request):
    form, result = _analytics(request)
    # The charts plot spending (expenses only): a refund is shown apart (the refunds card and the
    # tables' net totals), so one large refund never drags an axis or a doughnut slice negative.
    chart = {
        "months": [r["month"] for r in result["by_month"]],
        "month_totals": [str(r["spent"]) for r in result["by_month"]],
        "categories": [r["category"] for r in result["by_category"] if r["spent"] > 0],
        "category_totals": [str(r["spent"]) for r in result["by_category"] if r["spent"] > 0],
        "meal_types": [r["meal_type"] for r in result["by_meal_type"] if r["spent"] > 0],
        "meal_totals": [str(r["spent"]) for r in result["by_meal_type"] if r["spent"] > 0],
        "restaurants": [r["restaurant"] for r in result["by_restaurant"]],
        "restaurant_totals": [str(r["spent"]) for r in result["by_restaurant"]],
    }
    query = f"start={result['start'].isoformat()}&end={result['end'].isoformat()}"
    return render(
        request,
        "expenses/analytics.html",
        {"form": form, "a": result, "chart": chart, "query": query, "tables": _tables(result)},
    )


@login_required
def analytics_csv(request):
    _, a = _analytics(request)
    rows = [
        ["summary", key, a[key] if a[key] is not None else "", ""]
        for key in ("total", "count", "refund_count", "average_per_expense", "average_per_day", "average_per_person")
    ]
    for section, label in (
        ("month", "month"),
        ("category", "category"),
        ("restaurant", "restaurant"),
        ("meal_type", "meal_type"),
    ):
        rows += [[section, row[label], row["total"], row["count"]] for row in a[f"by_{section}"]]
    rows += [["top_expense", f"{row['date']} {row['restaurant']}", row["amount"], 1] for row in a["top_expenses"]]
    return csv_response(f"expense-analytics-{a['start']}-{a['end']}", ["section", "label", "total", "count"], rows)


@login_required
def analytics_pdf(request):
    from weasyprint import HTML  # lazy: WeasyPrint (Pango) loads only when a PDF is asked for

    _, a = _analytics(request)
    html = render_to_string("expenses/analytics_pdf.html", {"a": a, "user": request.user})
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="expense-analytics-{a["start"]}-{a["end"]}.pdf"'
    return response


@login_required
def expense_calendar(request):
    """`?month=YYYY-MM` (this month by default); anything else is a 400 naming the parameter."""
    today = selectors.user_today(request.user)
    first = month_from_query(request.GET, today=today)
    calendar = selectors.expense_calendar_for_user(request.user, first=first, today=today)
    return render(request, "expenses/calendar.html", calendar)
