"""Expense pages: the list, add/edit/detail/delete, trash, receipts and the filtered export.
Thin: owner-scoped selectors for reads, services for writes."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.formats import localize
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from project.tables import Column, Table, badges, choice_label, day, link
from project.templatetags.crewbase_format import as_time
from project.templatetags.crewbase_ui import pk_url, reverse_cached

from .. import selectors, services
from ..exporting import expense_export_rows, rows_to_csv, rows_to_json
from ..filters import expense_filters_from_params
from ..forms import ExpenseForm
from ..models import Category, Expense, MealType, OrderType

PAGE_SIZE = 25  # like the peer system's chunks; keeps the page render short


def apply_service_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --------------------------------------------------------------------------- expenses
EXPENSE_COLUMNS = [
    Column("Date"),
    Column("Restaurant"),
    Column("Category"),
    Column("Meal"),
    Column("Order"),
    Column("Party", numeric=True),
    Column("Tags"),
    Column("Amount", numeric=True),
]


# What an expense row shows: the page loads these columns only (not notes, sources, audit fields).
EXPENSE_LIST_FIELDS = (
    "date",
    "time",
    "amount",
    "kind",
    "party_size",
    "meal_type",
    "order_type",
    "restaurant__name",
    "restaurant__location_name",
    "restaurant__merchant__name",
    "restaurant__merchant__short_name",
    "category__name",
)


def _expense_table(expenses: list[Expense]) -> Table:
    tags = selectors.expense_tag_names(expense_ids=[e.pk for e in expenses])
    rows = []
    for e in expenses:
        when = link(pk_url("expenses:expense_detail", e.pk), day(e.date))
        if e.time:
            when = format_html('{} <span class="muted">{}</span>', when, as_time(e.time))
        amount = format_html("${}", localize(e.amount))
        if e.kind == Expense.Kind.REFUND:
            amount = format_html('<span class="badge">refund</span> −{}', amount)
        rows.append(
            [
                when,
                e.restaurant.display_name,
                (e.category.name if e.category else "") or "—",
                choice_label(e, "meal_type") or "—",
                choice_label(e, "order_type") or "—",
                e.party_size,
                badges(tags.get(e.pk, ())),
                amount,
            ]
        )
    empty = format_html(
        'No expenses match. <a href="{}">Add one</a> or <a href="{}">import a file</a>.',
        reverse_cached("expenses:expense_add"),
        reverse_cached("expenses:import_upload"),
    )
    return Table(EXPENSE_COLUMNS, rows, empty=empty)


@login_required
def index(request):
    """The expense list: filters, totals of the whole filtered set, export links."""
    user = request.user
    filters, errors = expense_filters_from_params(request.GET)
    for field, message in errors.items():
        messages.warning(request, f"{field}: {message}")
    qs = selectors.expense_filter(selectors.expense_list_for_user(user, tags=False), filters)
    totals = selectors.expense_totals(qs)
    paginator = Paginator(qs.only(*EXPENSE_LIST_FIELDS), PAGE_SIZE)
    paginator.count = totals["count"] + totals["refund_count"]  # already counted: skip COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "expenses/expense_list.html",
        {
            "page": page,
            "table": _expense_table(list(page)),
            "filters": filters,
            "totals": totals,
            "categories": Category.objects.filter(user=user).order_by("name"),
            "meal_types": MealType.choices,
            "order_types": OrderType.choices,
            "querystring": query.urlencode(),
            "tags_value": ", ".join(filters.tags),
        },
    )


def _expense_form_page(request, form, expense=None):
    return render(request, "expenses/expense_form.html", {"form": form, "expense": expense})


@login_required
def expense_add(request):
    user = request.user
    services.category_defaults_ensure(user=user)
    if request.method == "POST":
        form = ExpenseForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
            data["receipt"] = data.get("receipt") or ""
            try:
                expense = services.expense_create(user=user, tags=form.cleaned_data["tags"], **data)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "Expense added.")
                return redirect("expenses:expense_detail", pk=expense.pk)
        return _expense_form_page(request, form)
    initial = {"date": selectors.user_today(user), "party_size": 1, "kind": Expense.Kind.EXPENSE}
    restaurant_id = request.GET.get("restaurant", "")
    if restaurant_id.isdigit():
        restaurant = selectors.restaurant_get_for_user(user, int(restaurant_id))
        initial["restaurant"] = restaurant.pk
        default = selectors.restaurant_default_category(user=user, restaurant_id=restaurant.pk)
        if default:
            initial["category"] = default.pk
    for key in ("date", "time"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    return _expense_form_page(request, ExpenseForm(initial=initial, user=user))


@login_required
def expense_edit(request, pk):
    user = request.user
    expense = selectors.expense_get_for_user(user, pk)
    if request.method == "POST":
        form = ExpenseForm(request.POST, request.FILES, instance=expense, user=user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
            if data.get("receipt") is False:  # "clear" ticked
                data["receipt"] = ""
            elif not data.get("receipt"):
                data.pop("receipt")
            try:
                services.expense_update(expense=expense, user=user, tags=form.cleaned_data["tags"], **data)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "Expense saved.")
                return redirect("expenses:expense_detail", pk=expense.pk)
        return _expense_form_page(request, form, expense)
    return _expense_form_page(request, ExpenseForm(instance=expense, user=user), expense)


@login_required
def expense_detail(request, pk):
    expense = selectors.expense_get_for_user(request.user, pk)
    return render(request, "expenses/expense_detail.html", {"expense": expense})


@login_required
@require_POST
def expense_delete(request, pk):
    expense = selectors.expense_get_for_user(request.user, pk)
    services.expense_delete(expense=expense)
    messages.success(request, "Expense moved to the trash. You can restore it from the trash page.")
    return redirect("expenses:index")


@login_required
def receipt_list(request):
    missing = request.GET.get("show") == "missing"
    qs = selectors.receipt_list_for_user(request.user, missing=missing)
    return render(
        request,
        "expenses/receipt_list.html",
        {
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "missing": missing,
            "counts": selectors.receipt_counts_for_user(request.user),
            "querystring": "show=missing" if missing else "",
        },
    )


@login_required
def expense_trash(request):
    qs = selectors.expense_list_for_user(request.user, deleted=True).order_by("-deleted_at")
    return render(
        request, "expenses/expense_trash.html", {"page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))}
    )


@login_required
@require_POST
def expense_restore(request, pk):
    expense = selectors.expense_list_for_user(request.user, deleted=True).filter(pk=pk).first()
    if expense is None:
        raise Http404
    services.expense_restore(expense=expense)
    messages.success(request, "Expense restored.")
    return redirect("expenses:expense_detail", pk=expense.pk)


@login_required
def expense_receipt(request, pk):
    """Receipts are only ever served here, to their owner."""
    expense = selectors.expense_get_for_user(request.user, pk)
    if not expense.receipt:
        raise Http404
    try:
        handle = expense.receipt.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=request.GET.get("download") == "1",
        filename=f"receipt-{expense.pk}{expense.receipt.name[expense.receipt.name.rfind('.') :]}",
    )


@login_required
def expense_export(request):
    filters, errors = expense_filters_from_params(request.GET)
    fmt = request.GET.get("format", "csv")
    if errors or fmt not in ("csv", "json"):
        return HttpResponseBadRequest("Invalid export parameters: " + ", ".join(errors or ["format"]))
    if "order" not in request.GET:
        filters.order = "asc"  # oldest first, so a re-import recreates rows in the same order
    rows = expense_export_rows(selectors.expense_filter(selectors.expense_list_for_user(request.user), filters))
    body, content_type = (
        (rows_to_csv(rows), "text/csv; charset=utf-8") if fmt == "csv" else (rows_to_json(rows), "application/json")
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="expenses-{date.today().isoformat()}.{fmt}"'
    return response
