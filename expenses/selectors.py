"""Owner-scoped reads. Every page, API view and export starts from one of the *_for_user
querysets here, so another user's row is simply not found (404) — one place to get right."""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone

from project.cache import cache_get, cache_set
from project.dates import month_neighbours, month_weeks

from .models import (
    Category,
    Expense,
    ExpenseProfile,
    ExpenseTag,
    ImportDraft,
    LoyaltyAccount,
    Merchant,
    Restaurant,
    Tag,
)

ANALYTICS_CACHE_SECONDS = 3600
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# Refunds count negative wherever money is summed.
SIGNED_AMOUNT = Case(When(kind=Expense.Kind.REFUND, then=-F("amount")), default=F("amount"), output_field=MONEY)


def money(value) -> Decimal:
    return (Decimal(value) if value is not None else ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(total, divisor) -> Decimal | None:
    """The one way every average is computed: net total ÷ divisor, to the cent, half-up."""
    if not divisor:
        return None
    return (Decimal(total or 0) / Decimal(divisor)).quantize(CENT, rounding=ROUND_HALF_UP)


def user_timezone(user) -> zoneinfo.ZoneInfo:
    name = ExpenseProfile.objects.filter(user=user).values_list("timezone", flat=True).first() or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def user_today(user) -> date:
    return timezone.now().astimezone(user_timezone(user)).date()


# --------------------------------------------------------------------------- categories and tags
def category_list_for_user(user) -> QuerySet[Category]:
    return (
        Category.objects.filter(user=user)
        .annotate(
            expense_count=Count("expenses", filter=Q(expenses__deleted_at__isnull=True)),
        )
        .order_by("-is_default", "name")
    )


def category_get_for_user(user, pk) -> Category:
    return get_object_or_404(Category.objects.filter(user=user), pk=pk)


def tag_list_for_user(user) -> QuerySet[Tag]:
    alive = Q(expense_links__expense__deleted_at__isnull=True)
    return (
        Tag.objects.filter(user=user)
        .annotate(
            expense_count=Count("expense_links", filter=alive),
            total=Coalesce(
                Sum(
                    Case(
                        When(
                            expense_links__expense__kind=Expense.Kind.REFUND, then=-F("expense_links__expense__amount")
                        ),
                        default=F("expense_links__expense__amount"),
                        output_field=MONEY,
                    ),
                    filter=alive,
                ),
                Value(ZERO),
                output_field=MONEY,
            ),
            last_visit=Max("expense_links__expense__date", filter=alive),
        )
        .order_by("name")
    )


def tag_get_for_user(user, pk) -> Tag:
    return get_object_or_404(Tag.objects.filter(user=user), pk=pk)


# --------------------------------------------------------------------------- restaurants
def restaurant_list_for_user(user, *, search: str = "") -> QuerySet[Restaurant]:
    """Restaurants with visit count, net total, diners and last visit, computed when read."""
    alive = Q(expenses__deleted_at__isnull=True)
    qs = Restaurant.objects.filter(user=user).annotate(
        visit_count=Count("expenses", filter=alive & Q(expenses__kind=Expense.Kind.EXPENSE)),
        total=Coalesce(
            Sum(
                Case(
                    When(expenses__kind=Expense.Kind.REFUND, then=-F("expenses__amount")),
                    default=F("expenses__amount"),
                    output_field=MONEY,
                ),
                filter=alive,
            ),
            Value(ZERO),
            output_field=MONEY,
        ),
        diners=Coalesce(Sum("expenses__party_size", filter=alive & Q(expenses__kind=Expense.Kind.EXPENSE)), 0),
        last_visit=Max("expenses__date", filter=alive),
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(location_name__icontains=search) | Q(city__icontains=search))
    return qs.select_related("merchant").order_by("name", "location_name", "id")


def restaurant_get_for_user(user, pk) -> Restaurant:
    return get_object_or_404(Restaurant.objects.filter(user=user).select_related("merchant"), pk=pk)


def merchant_list_for_user(user) -> QuerySet[Merchant]:
    """Merchants with their restaurant count and net spend (expenses − refunds, trash excluded)."""
    alive = Q(restaurants__expenses__deleted_at__isnull=True)
    return (
        Merchant.objects.filter(user=user)
        .annotate(
            restaurant_count=Count("restaurants", distinct=True),
            total=Coalesce(
                Sum(
                    Case(
                        When(restaurants__expenses__kind=Expense.Kind.REFUND, then=-F("restaurants__expenses__amount")),
                        default=F("restaurants__expenses__amount"),
                        output_field=MONEY,
                    ),
                    filter=alive,
                ),
                Value(ZERO),
                output_field=MONEY,
            ),
        )
        .order_by("name", "id")
    )


def loyalty_list_for_user(user) -> QuerySet[LoyaltyAccount]:
    return LoyaltyAccount.objects.filter(user=user).select_related("merchant").order_by("program", "id")


def loyalty_get_for_user(user, pk) -> LoyaltyAccount:
    return get_object_or_404(LoyaltyAccount.objects.filter(user=user), pk=pk)


def merchant_get_for_user(user, pk) -> Merchant:
    return get_object_or_404(Merchant.objects.filter(user=user), pk=pk)


def restaurant_default_category(*, user, restaurant_id) -> Category | None:
    """The category this user most often used at this restaurant (ties: most recent use)."""
    row = (
        Expense.objects.filter(user=user, restaurant_id=restaurant_id, category__isnull=False)
        .values("category_id")
        .annotate(uses=Count("id"), last=Max("date"))
        .order_by("-uses", "-last")
        .first()
    )
    return Category.objects.filter(user=user, pk=row["category_id"]).first() if row else None


# --------------------------------------------------------------------------- expenses
@dataclass
class ExpenseFilters:
    q: str = ""
    category: str = ""  # id or exact name
    meal_type: str = ""
    order_type: str = ""
    kind: str = ""
    restaurant: str = ""
    tags: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    sort: str = "date"
    order: str = "desc"


SORTS = {
    "date": ("date", "time", "created_at", "id"),
    "amount": ("amount", "id"),
    "meal_type": ("meal_type", "date", "id"),
    "category": ("category__name", "date", "id"),
    "restaurant": ("restaurant__name", "date", "id"),
    "created_at": ("created_at", "id"),
}


def expense_list_for_user(user, *, deleted: bool = False, tags: bool = True) -> QuerySet[Expense]:
    """`tags`: prefetch the tag links; the expense list page reads a page's tag names with
    `expense_tag_names` instead (one query of plain values)."""
    manager = Expense.all_objects if deleted else Expense.objects
    qs = manager.filter(user=user)
    if deleted:
        qs = qs.filter(deleted_at__isnull=False)
    qs = qs.select_related("restaurant__merchant", "category")
    if not tags:
        return qs
    return qs.prefetch_related(
        Prefetch("tag_links", queryset=ExpenseTag.objects.select_related("tag").order_by("position", "id"))
    )


def expense_tag_names(*, expense_ids: list[int]) -> dict[int, list[str]]:
    """The tag names of a page of expenses in their order, by expense id: one query, none for an
    empty page."""
    names: dict[int, list[str]] = {}
    if not expense_ids:
        return names
    for expense_id, name in (
        ExpenseTag.objects.filter(expense_id__in=expense_ids)
        .order_by("position", "id")
        .values_list("expense_id", "tag__name")
    ):
        names.setdefault(expense_id, []).append(name)
    return names


def receipt_counts_for_user(user) -> dict:
    """How many of the user's expenses have a receipt and how many miss one (one query)."""
    return Expense.objects.filter(user=user).aggregate(
        with_receipt=Count("id", filter=~Q(receipt="")), missing=Count("id", filter=Q(receipt=""))
    )


def receipt_list_for_user(user, *, missing: bool) -> QuerySet[Expense]:
    """The Receipts tab: expenses with a receipt (newest first), or those still missing one."""
    qs = expense_list_for_user(user)
    qs = qs.filter(receipt="") if missing else qs.exclude(receipt="")
    return qs.order_by("-date", "-time", "-id")


def expense_calendar_for_user(user, *, first: date, today: date) -> dict:
    """A month of meals, week by week (from the configured week start, padded with the neighbouring days): each
    day's expenses and refunds (trash excluded), oldest first, with restaurant and merchant
    loaded, and the month's own totals (spent, refunded apart, net). One query whatever the
    number of meals."""
    weeks = month_weeks(first)
    by_day: dict[date, list[Expense]] = {}
    spent, refunded, count = ZERO, ZERO, 0
    for expense in (
        Expense.objects.filter(user=user, date__range=(weeks[0][0], weeks[-1][-1]))
        .select_related("restaurant__merchant")
        .order_by("date", "time", "id")
    ):
        by_day.setdefault(expense.date, []).append(expense)
        if (expense.date.year, expense.date.month) == (first.year, first.month):
            if expense.kind == Expense.Kind.REFUND:
                refunded += expense.amount
            else:
                spent += expense.amount
                count += 1
    grid = [
        [
            {"day": d, "in_month": d.month == first.month, "today": d == today, "expenses": by_day.get(d, [])}
            for d in week
        ]
        for week in weeks
    ]
    previous, following = month_neighbours(first)
    return {
        "month": first,
        "grid": grid,
        "prev_month": previous,
        "next_month": following,
        "count": count,
        "spent": money(spent),
        "refunded": money(refunded),
        "net": money(spent - refunded),
    }


def expense_get_for_user(user, pk) -> Expense:
    return get_object_or_404(expense_list_for_user(user), pk=pk)


def expense_filter(qs: QuerySet[Expense], filters: ExpenseFilters) -> QuerySet[Expense]:
    if filters.q:
        q = filters.q
        qs = qs.filter(
            Q(restaurant__name__icontains=q)
            | Q(restaurant__location_name__icontains=q)
            | Q(restaurant__address_line_1__icontains=q)
            | Q(notes__icontains=q)
            | Q(category__name__icontains=q)
            | Q(meal_type__icontains=q.replace(" ", "_"))
            | Q(order_type__icontains=q.replace(" ", "_"))
        )
    if filters.category:
        if filters.category == "none":
            qs = qs.filter(category__isnull=True)
        elif filters.category.isdigit():
            qs = qs.filter(category_id=int(filters.category))
        else:
            qs = qs.filter(category__name__iexact=filters.category)
    if filters.restaurant.isdigit():
        qs = qs.filter(restaurant_id=int(filters.restaurant))
    if filters.meal_type:
        qs = qs.filter(meal_type=filters.meal_type)
    if filters.order_type:
        qs = qs.filter(order_type=filters.order_type)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    for tag in filters.tags:  # every tag must be on the expense
        qs = qs.filter(Exists(ExpenseTag.objects.filter(expense=OuterRef("pk"), tag__name__iexact=tag)))
    if filters.start:
        qs = qs.filter(date__gte=filters.start)
    if filters.end:
        qs = qs.filter(date__lte=filters.end)
    fields = SORTS.get(filters.sort, SORTS["date"])
    prefix = "" if filters.order == "asc" else "-"
    return qs.order_by(*(prefix + f for f in fields))


def expense_totals(qs: QuerySet[Expense]) -> dict:
    """Totals of a filtered set, with the same definitions as analytics."""
    agg = qs.order_by().aggregate(
        count=Count("id", filter=Q(kind=Expense.Kind.EXPENSE)),
        refund_count=Count("id", filter=Q(kind=Expense.Kind.REFUND)),
        total=Sum(SIGNED_AMOUNT),
        diners=Sum("party_size", filter=Q(kind=Expense.Kind.EXPENSE)),
    )
    total = money(agg["total"])
    return {
        "count": agg["count"],
        "refund_count": agg["refund_count"],
        "total": total,
        "average_per_expense": ratio(total, agg["count"]),
        "average_per_person": ratio(total, agg["diners"]),
    }


# --------------------------------------------------------------------------- analytics
def analytics_for_user(user, *, start: date, end: date, top: int = 10) -> dict:
    """Everything the analytics page, API, CSV and PDF show, aggregated in the database.

    Definitions (docs/expenses.md): total = expenses − refunds; count = number of expenses
    (refunds counted apart); average per expense = total ÷ count; per day = total ÷ days in
    the range (inclusive); per person = total ÷ diners (sum of party sizes of expenses).

    Three queries: one GROUP BY (month, category, meal type, kind) that the month, category
    and meal-type views and the summary are rolled up from (a few hundred rows at most),
    one GROUP BY restaurant, and the top expenses."""
    qs = Expense.objects.filter(user=user, date__gte=start, date__lte=end).order_by()
    days = (end - start).days + 1
    # "YYYY-MM" from the ISO date text: portable (SQLite and PostgreSQL) and, unlike
    # TruncMonth, no per-row Python function on SQLite.
    cells = (
        qs.annotate(month=Substr(Cast("date", CharField()), 1, 7))
        .values_list("month", "category_id", "meal_type", "kind")
        .annotate(
            amount=Sum("amount"),
            rows=Count("id"),
            diners=Sum("party_size"),
        )
    )
    summary = {"total": ZERO, "count": 0, "refund_count": 0, "diners": 0, "refunded": ZERO}
    months: dict[str, dict] = {}
    categories: dict[int | None, dict] = {}
    meals: dict[str, dict] = {}
    for month, category_id, meal_type, kind, amount, rows, diners in cells:
        is_refund = kind == Expense.Kind.REFUND
        signed = -Decimal(amount) if is_refund else Decimal(amount)
        expenses = 0 if is_refund else rows
        summary["total"] += signed
        summary["count"] += expenses
        summary["refund_count"] += rows if is_refund else 0
        summary["diners"] += 0 if is_refund else diners
        summary["refunded"] += Decimal(amount) if is_refund else ZERO
        for bucket, key in ((months, month), (categories, category_id), (meals, meal_type)):
            entry = bucket.setdefault(key, {"total": ZERO, "count": 0, "spent": ZERO, "refunded": ZERO})
            entry["total"] += signed
            entry["count"] += expenses
            entry["refunded" if is_refund else "spent"] += Decimal(amount)
    names = dict(Category.objects.filter(user=user, pk__in=[k for k in categories if k]).values_list("id", "name"))
    by_category = sorted(
        (
            {
                "category": names.get(k, "Uncategorized") if k else "Uncategorized",
                "total": money(v["total"]),
                "count": v["count"],
                "spent": money(v["spent"]),
                "refunded": money(v["refunded"]),
            }
            for k, v in categories.items()
        ),
        key=lambda r: (-r["total"], r["category"]),
    )
    by_meal_type = sorted(
        (
            {
                "meal_type": k or "unspecified",
                "total": money(v["total"]),
                "count": v["count"],
                "spent": money(v["spent"]),
                "refunded": money(v["refunded"]),
            }
            for k, v in meals.items()
        ),
        key=lambda r: (-r["total"], r["meal_type"]),
    )
    by_month = _fill_months(
        [
            {
                "month": k,
                "total": money(v["total"]),
                "count": v["count"],
                "spent": money(v["spent"]),
                "refunded": money(v["refunded"]),
            }
            for k, v in sorted(months.items())
        ],
        start,
        end,
    )

    restaurant_rows = list(
        qs.values("restaurant_id")
        .annotate(
            total=Sum(SIGNED_AMOUNT),
            spent=Coalesce(Sum("amount", filter=Q(kind=Expense.Kind.EXPENSE)), Value(ZERO), output_field=MONEY),
            count=Count("id", filter=Q(kind=Expense.Kind.EXPENSE)),
            diners=Sum("party_size", filter=Q(kind=Expense.Kind.EXPENSE)),
        )
        .order_by("-total", "restaurant_id")[:top]
    )
    restaurant_names = {
        r.pk: r.display_name
        for r in Restaurant.objects.filter(user=user, pk__in=[r["restaurant_id"] for r in restaurant_rows]).only(
            "name", "location_name"
        )
    }
    by_restaurant = [
        {
            "restaurant_id": r["restaurant_id"],
            "restaurant": restaurant_names.get(r["restaurant_id"], ""),
            "total": money(r["total"]),
            "spent": money(r["spent"]),
            "count": r["count"],
            "average_per_person": ratio(r["total"], r["diners"]),
        }
        for r in restaurant_rows
    ]
    merchant_rows = list(
        qs.values("restaurant__merchant_id")
        .annotate(total=Sum(SIGNED_AMOUNT), count=Count("id", filter=Q(kind=Expense.Kind.EXPENSE)))
        .order_by("-total", "restaurant__merchant_id")
    )
    merchant_names = {
        m.pk: m.label
        for m in Merchant.objects.filter(
            user=user, pk__in=[r["restaurant__merchant_id"] for r in merchant_rows if r["restaurant__merchant_id"]]
        )
    }
    by_merchant = [
        {
            "merchant_id": r["restaurant__merchant_id"],
            "merchant": merchant_names.get(r["restaurant__merchant_id"], "No merchant"),
            "total": money(r["total"]),
            "count": r["count"],
        }
        for r in merchant_rows
    ]
    top_expenses = [
        {
            "id": e.pk,
            "date": e.date,
            "amount": e.amount,
            "restaurant": e.restaurant.display_name,
            "category": e.category.name if e.category else "",
        }
        for e in qs.filter(kind=Expense.Kind.EXPENSE)
        .select_related("restaurant", "category")
        .order_by("-amount", "-date", "id")[:top]
    ]
    total = money(summary["total"])
    return {
        "start": start,
        "end": end,
        "days": days,
        "count": summary["count"],
        "refund_count": summary["refund_count"],
        "refunded": money(summary["refunded"]),
        "total": total,
        "average_per_expense": ratio(total, summary["count"]),
        "average_per_person": ratio(total, summary["diners"]),
        "average_per_day": ratio(total, days),
        "by_month": by_month,
        "by_category": by_category,
        "by_restaurant": by_restaurant,
        "by_meal_type": by_meal_type,
        "by_merchant": by_merchant,
        "top_expenses": top_expenses,
    }


def _fill_months(rows: list[dict], start: date, end: date) -> list[dict]:
    """Every calendar month of the range, so a month without spending shows as 0."""
    present = {r["month"]: r for r in rows}
    filled = []
    cursor = start.replace(day=1)
    while cursor <= end:
        key = cursor.strftime("%Y-%m")
        filled.append(present.get(key, {"month": key, "total": ZERO, "count": 0, "spent": ZERO, "refunded": ZERO}))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return filled


def _analytics_stamp(user) -> str:
    """What analytics reads — the user's expenses (trash included), categories and restaurants —
    summed up in one query as row count and last save per table: any write changes it."""
    tables = [
        manager.filter(user=user)
        .order_by()
        .values("user")
        .annotate(table=Value(name), rows=Count("pk"), last=Max("updated_at"))
        .values_list("table", "rows", "last")
        for name, manager in (
            ("expense", Expense.all_objects),
            ("category", Category.objects),
            ("restaurant", Restaurant.objects),
            ("merchant", Merchant.objects),
        )
    ]
    return hashlib.sha256(repr(sorted(tables[0].union(*tables[1:], all=True))).encode()).hexdigest()[:32]


def analytics_for_user_cached(user, *, start: date, end: date) -> dict:
    """analytics_for_user through the shared cache. The key carries the data's stamp, so a change
    is a new key (nothing to invalidate, nothing stale). Without the cache it is computed."""
    key = f"expenses:analytics:{user.pk}:{start}:{end}:{_analytics_stamp(user)}"
    result = cache_get(key)
    if result is None:
        result = analytics_for_user(user, start=start, end=end)
        cache_set(key, result, ANALYTICS_CACHE_SECONDS)
    return result


# --------------------------------------------------------------------------- imports
def restaurant_export_for_user(user) -> QuerySet[Restaurant]:
    return Restaurant.objects.filter(user=user).order_by("name", "location_name", "city", "id")


def import_draft_list_for_user(user) -> QuerySet[ImportDraft]:
    return ImportDraft.objects.filter(user=user).defer("rows").order_by("-created_at")


def import_draft_get_for_user(user, pk) -> ImportDraft:
    return get_object_or_404(ImportDraft.objects.filter(user=user), pk=pk)
