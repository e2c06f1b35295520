"""Query parameters -> ExpenseFilters, shared by the list page, the API and exports."""

from __future__ import annotations

from datetime import date

from .models import MealType, OrderType
from .selectors import SORTS, ExpenseFilters


def expense_filters_from_params(params) -> tuple[ExpenseFilters, dict[str, str]]:
    """Returns the filters and any errors keyed by parameter (bad values are ignored)."""
    errors: dict[str, str] = {}
    tags: list[str] = []
    for value in params.getlist("tags") if hasattr(params, "getlist") else [params.get("tags", "")]:
        tags.extend(t.strip() for t in str(value or "").split(",") if t.strip())
    filters = ExpenseFilters(
        q=(params.get("q") or params.get("search") or "").strip()[:200],
        category=(params.get("category") or "").strip(),
        restaurant=(params.get("restaurant") or "").strip(),
        tags=tuple(tags),
    )
    for name, choices in (
        ("meal_type", MealType.values),
        ("order_type", OrderType.values),
        ("kind", ["expense", "refund"]),
    ):
        value = (params.get(name) or "").strip()
        if value and value not in choices:
            errors[name] = f"Choose one of: {', '.join(choices)}."
        elif value:
            setattr(filters, name, value)
    for name in ("start", "end"):
        value = (params.get(name) or params.get(f"{name}_date") or "").strip()
        if value:
            try:
                setattr(filters, name, date.fromisoformat(value))
            except ValueError:
                errors[name] = "Enter a date as YYYY-MM-DD."
    sort = params.get("sort") or "date"
    if sort not in SORTS:
        errors["sort"] = f"Choose one of: {', '.join(SORTS)}."
    else:
        filters.sort = sort
    order = params.get("order") or "desc"
    if order not in ("asc", "desc"):
        errors["order"] = "Choose asc or desc."
    else:
        filters.order = order
    if filters.start and filters.end and filters.start > filters.end:
        errors["end"] = "The end date is before the start date."
    return filters, errors
