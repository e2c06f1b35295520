"""Pages. Thin: owner-scoped selectors for reads, services for writes."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from integrations.base import IntegrationError
from project.csv import csv_response

from . import backup, loyalty, restaurant_io, selectors, services
from .api import analytics_range
from .exporting import expense_export_rows, restaurants_to_csv, rows_to_csv, rows_to_json
from .filters import expense_filters_from_params
from .forms import (
    AnalyticsRangeForm,
    BackupRestoreForm,
    CategoryForm,
    ExpenseForm,
    ImportUploadForm,
    LoyaltyForm,
    MerchantForm,
    PlaceSearchForm,
    RestaurantForm,
    TagForm,
    TimezoneForm,
)
from .models import Category, Expense, ExpenseProfile, ImportDraft, MealType, OrderType
from .places import place_details, places_enabled, search_places
from .services import RESTAURANT_FIELDS

PAGE_SIZE = 25  # like the peer system's chunks; keeps the page render short


def _apply_service_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --------------------------------------------------------------------------- expenses
@login_required
def index(request):
    """The expense list: filters, totals of the whole filtered set, export links."""
    user = request.user
    filters, errors = expense_filters_from_params(request.GET)
    for field, message in errors.items():
        messages.warning(request, f"{field}: {message}")
    qs = selectors.expense_filter(selectors.expense_list_for_user(user), filters)
    totals = selectors.expense_totals(qs)
    paginator = Paginator(qs, PAGE_SIZE)
    paginator.count = totals["count"] + totals["refund_count"]  # already counted: skip COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "expenses/expense_list.html",
        {
            "page": page,
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
                _apply_service_error(form, exc)
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
                _apply_service_error(form, exc)
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


# --------------------------------------------------------------------------- restaurants
@login_required
def restaurant_list(request):
    search = request.GET.get("q", "").strip()
    qs = selectors.restaurant_list_for_user(request.user, search=search)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for restaurant in page:
        restaurant.average_per_person = selectors.ratio(restaurant.total, restaurant.diners)
    return render(request, "expenses/restaurant_list.html", {"page": page, "search": search})


@login_required
def restaurant_detail(request, pk):
    restaurant = selectors.restaurant_list_for_user(request.user).filter(pk=pk).first()
    if restaurant is None:
        raise Http404
    restaurant.average_per_person = selectors.ratio(restaurant.total, restaurant.diners)
    expenses = selectors.expense_list_for_user(request.user).filter(restaurant=restaurant)[:100]
    accounts = (
        selectors.loyalty_list_for_user(request.user).filter(merchant_id=restaurant.merchant_id)
        if restaurant.merchant_id
        else []
    )
    return render(
        request,
        "expenses/restaurant_detail.html",
        {"restaurant": restaurant, "expenses": expenses, "loyalty_accounts": accounts},
    )


def _places_context(request) -> dict:
    """Places are searched only when the user submits the search form (never on page load)."""
    context = {"place_form": PlaceSearchForm(request.GET or None), "place_results": None}
    if "place_q" in request.GET and context["place_form"].is_valid():
        data = context["place_form"].cleaned_data
        try:
            context["place_results"] = search_places(data["place_q"], near=data["near"])
        except IntegrationError as exc:
            messages.error(request, f"Place search is unavailable right now: {exc}")
    return context


def _place_initial(request) -> dict:
    place_id = request.GET.get("place_id", "").strip()
    if not place_id:
        return {}
    try:
        details = place_details(place_id)
    except IntegrationError as exc:
        messages.error(request, f"Could not load that place: {exc}")
        return {}
    return {
        "name": details.name,
        "address_line_1": details.address_line_1,
        "city": details.city,
        "state": details.state,
        "postal_code": details.postal_code,
        "country": details.country,
        "phone": details.phone,
        "website": details.website,
        "cuisine": details.cuisine,
        "price_level": details.price_level,
        "google_place_id": details.place_id,
        "latitude": details.latitude,
        "longitude": details.longitude,
    }


@login_required
def restaurant_add(request):
    if request.method == "POST":
        form = RestaurantForm(request.POST)
        if form.is_valid():
            try:
                restaurant = services.restaurant_create(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, f"Restaurant “{restaurant.display_name}” added.")
                return redirect("expenses:restaurant_detail", pk=restaurant.pk)
        context = {"form": form}
    else:
        context = {"form": RestaurantForm(initial=_place_initial(request)), **_places_context(request)}
    return render(request, "expenses/restaurant_form.html", context)


@login_required
def restaurant_edit(request, pk):
    restaurant = selectors.restaurant_get_for_user(request.user, pk)
    if request.method == "POST":
        form = RestaurantForm(request.POST, instance=restaurant)
        if form.is_valid():
            try:
                services.restaurant_update(
                    restaurant=restaurant, **{k: form.cleaned_data[k] for k in RESTAURANT_FIELDS}
                )
            except ValidationError as exc:
                _apply_service_error(form, exc)
            else:
                messages.success(request, "Restaurant saved.")
                return redirect("expenses:restaurant_detail", pk=restaurant.pk)
        context = {"form": form, "restaurant": restaurant}
    else:
        initial = _place_initial(request)
        context = {
            "form": RestaurantForm(instance=restaurant, initial=initial),
            "restaurant": restaurant,
            **_places_context(request),
        }
    return render(request, "expenses/restaurant_form.html", context)


@login_required
@require_POST
def restaurant_delete(request, pk):
    restaurant = selectors.restaurant_get_for_user(request.user, pk)
    try:
        services.restaurant_delete(restaurant=restaurant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("expenses:restaurant_detail", pk=pk)
    messages.success(request, "Restaurant deleted.")
    return redirect("expenses:restaurant_list")


# --------------------------------------------------------------------------- categories and tags
@login_required
def category_list(request):
    user = request.user
    services.category_defaults_ensure(user=user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        edit_id = request.POST.get("category_id", "")
        if form.is_valid():
            try:
                if edit_id.isdigit():
                    category = selectors.category_get_for_user(user, int(edit_id))
                    services.category_update(category=category, **form.cleaned_data)
                    messages.success(request, "Category saved.")
                else:
                    services.category_create(user=user, **form.cleaned_data)
                    messages.success(request, "Category added.")
            except ValidationError as exc:
                _apply_service_error(form, exc)
            else:
                return redirect("expenses:category_list")
    return render(
        request,
        "expenses/category_list.html",
        {
            "categories": selectors.category_list_for_user(user),
            "form": form,
        },
    )


@login_required
@require_POST
def category_delete(request, pk):
    category = selectors.category_get_for_user(request.user, pk)
    try:
        services.category_delete(category=category)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Category deleted.")
    return redirect("expenses:category_list")


@login_required
def merchant_list(request):
    user = request.user
    form = MerchantForm(request.POST or None)
    delete_id = request.POST.get("delete_id", "") if request.method == "POST" else ""
    if delete_id.isdigit():
        services.merchant_delete(merchant=selectors.merchant_get_for_user(user, int(delete_id)))
        messages.success(request, "Merchant deleted; its restaurants are kept, unlinked.")
        return redirect("expenses:merchant_list")
    if request.method == "POST" and form.is_valid():
        edit_id = request.POST.get("merchant_id", "")
        try:
            if edit_id.isdigit():
                merchant = selectors.merchant_get_for_user(user, int(edit_id))
                services.merchant_update(merchant=merchant, **form.cleaned_data)
                messages.success(request, "Merchant saved; matching restaurants are linked.")
            else:
                services.merchant_create(user=user, **form.cleaned_data)
                messages.success(request, "Merchant added; matching restaurants are linked.")
        except ValidationError as exc:
            _apply_service_error(form, exc)
        else:
            return redirect("expenses:merchant_list")
    return render(
        request, "expenses/merchant_list.html", {"merchants": selectors.merchant_list_for_user(user), "form": form}
    )


@login_required
def loyalty_list(request):
    user = request.user
    form = LoyaltyForm(request.POST or None, user=user)
    if request.method == "POST":
        delete_id = request.POST.get("delete_id", "")
        try:
            if delete_id.isdigit():
                loyalty.loyalty_delete(account=selectors.loyalty_get_for_user(user, int(delete_id)))
                messages.success(request, "Loyalty account deleted.")
                return redirect("expenses:loyalty_list")
            if request.FILES.get("file"):
                result = loyalty.loyalty_import_csv(user=user, data=request.FILES["file"].read())
                messages.success(request, f"Imported {result['saved']} loyalty accounts.")
                return redirect("expenses:loyalty_list")
            if form.is_valid():
                loyalty.loyalty_save(user=user, **form.cleaned_data)
                messages.success(request, "Loyalty account saved.")
                return redirect("expenses:loyalty_list")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return render(
        request, "expenses/loyalty_list.html", {"accounts": selectors.loyalty_list_for_user(user), "form": form}
    )


@login_required
def loyalty_export(request):
    response = HttpResponse(
        loyalty.loyalty_export_csv(selectors.loyalty_list_for_user(request.user)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="loyalty.csv"'
    return response


@login_required
def tag_list(request):
    user = request.user
    form = TagForm(request.POST or None)
    if request.method == "POST":
        edit_id = request.POST.get("tag_id", "")
        if form.is_valid():
            try:
                if edit_id.isdigit():
                    services.tag_update(tag=selectors.tag_get_for_user(user, int(edit_id)), **form.cleaned_data)
                    messages.success(request, "Tag saved.")
                else:
                    services.tag_create(user=user, **form.cleaned_data)
                    messages.success(request, "Tag added.")
            except ValidationError as exc:
                _apply_service_error(form, exc)
            else:
                return redirect("expenses:tag_list")
    return render(request, "expenses/tag_list.html", {"tags": selectors.tag_list_for_user(user), "form": form})


@login_required
@require_POST
def tag_delete(request, pk):
    services.tag_delete(tag=selectors.tag_get_for_user(request.user, pk))
    messages.success(request, "Tag deleted; its expenses are kept.")
    return redirect("expenses:tag_list")


@login_required
def preferences(request):
    profile = ExpenseProfile.objects.filter(user=request.user).first()
    form = TimezoneForm(
        request.POST or None,
        initial={
            "timezone": profile.timezone if profile else "",
            "bank_match_days": profile.bank_match_days if profile else 14,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.expense_profile_set_timezone(user=request.user, timezone_name=form.cleaned_data["timezone"])
            if form.cleaned_data["bank_match_days"] is not None:
                services.expense_profile_set_bank_match_days(
                    user=request.user, days=form.cleaned_data["bank_match_days"]
                )
        except ValidationError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, "Preferences saved.")
            return redirect("expenses:preferences")
    return render(request, "expenses/preferences.html", {"form": form})


# --------------------------------------------------------------------------- backup
def _backup_owner(request, username: str):
    """The account a backup or restore is for: your own, or (Administrators) anyone's. 404 for
    an unknown user or one the actor may not reach."""
    if not username or username == request.user.get_username():
        return request.user
    owner = get_user_model().objects.filter(username=username).first()
    if owner is None or not backup.backup_allowed(actor=request.user, owner=owner):
        raise Http404("No such user.")
    return owner


@login_required
def backup_page(request):
    form = BackupRestoreForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            owner = _backup_owner(request, form.cleaned_data["username"].strip())
            if upload.size > backup.MAX_BACKUP_BYTES:
                raise ValidationError({"file": "The backup is larger than 200 MB."})
            document, receipts = backup.backup_read(upload.read(), upload.name)
            result = backup.backup_restore(actor=request.user, owner=owner, document=document, receipts=receipts)
        except ValidationError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Restored into {owner.get_username()}: {result['expenses_created']} expenses created "
                f"({result['expenses_present']} already there), {result['restaurants_created']} restaurants, "
                f"{result['categories_created']} categories, {result['tags_created']} tags, "
                f"{result['receipts_restored']} receipts.",
            )
            return redirect("expenses:backup")
    return render(
        request,
        "expenses/backup.html",
        {"form": form, "is_admin": backup.backup_any_user_allowed(request.user)},
    )


@login_required
def backup_download(request):
    owner = _backup_owner(request, request.GET.get("user", "").strip())
    stamp = date.today().isoformat()
    name = f"crewbase-expenses-{owner.get_username()}-{stamp}"
    if request.GET.get("format") == "zip":
        response = HttpResponse(backup.backup_zip(owner=owner), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    else:
        response = HttpResponse(backup.backup_json(owner=owner), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


# --------------------------------------------------------------------------- restaurant import/export
@login_required
def restaurant_export(request):
    rows = restaurant_io.restaurant_export_rows(selectors.restaurant_export_for_user(request.user))
    response = HttpResponse(
        restaurants_to_csv(rows, restaurant_io.EXPORT_COLUMNS), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="restaurants-{date.today().isoformat()}.csv"'
    return response


@login_required
def restaurant_import(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            form.add_error("file", "The file is larger than 5 MB.")
        else:
            try:
                draft = services.restaurant_import_draft_create(
                    user=request.user, filename=upload.name, data=upload.read()
                )
            except ValidationError as exc:
                _apply_service_error(form, exc)
            else:
                return redirect("expenses:import_review", pk=draft.pk)
    return render(request, "expenses/restaurant_import.html", {"form": form})


def _restaurant_import_review(request, draft):
    if request.method == "POST":
        decisions = {
            row["line"]: request.POST[f"action_{row['line']}"]
            for row in draft.rows
            if request.POST.get(f"action_{row['line']}")
        }
        try:
            result = services.restaurant_import_apply(
                user=request.user, draft=draft, decisions=decisions, enrich=request.POST.get("enrich") == "on"
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            prefix = "This import was already applied. " if result["already_applied"] else ""
            messages.success(
                request,
                f"{prefix}Restaurants created {result['created']}, updated {result['updated']}, "
                f"skipped {result['skipped']}.",
            )
            return redirect("expenses:import_review", pk=draft.pk)
        draft.refresh_from_db()
    return render(
        request,
        "expenses/restaurant_import_review.html",
        {
            "draft": draft,
            "rows": draft.rows,
            "error_count": sum(1 for r in draft.rows if r["errors"]),
            "places_enabled": places_enabled(),
        },
    )


# --------------------------------------------------------------------------- import
@login_required
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            form.add_error("file", "The file is larger than 5 MB.")
        else:
            try:
                draft = services.import_draft_create(user=request.user, filename=upload.name, data=upload.read())
            except ValidationError as exc:
                _apply_service_error(form, exc)
            else:
                return redirect("expenses:import_review", pk=draft.pk)
    drafts = selectors.import_draft_list_for_user(request.user)[:20]
    return render(request, "expenses/import_upload.html", {"form": form, "drafts": drafts})


@login_required
def import_review(request, pk):
    user = request.user
    draft = selectors.import_draft_get_for_user(user, pk)
    if draft.kind == ImportDraft.Kind.RESTAURANTS:
        return _restaurant_import_review(request, draft)
    if request.method == "POST":
        decisions = {}
        for row in draft.rows:
            line = row["line"]
            decision = {}
            for key in ("restaurant_action", "expense_action"):
                if request.POST.get(f"{key}_{line}"):
                    decision[key] = request.POST[f"{key}_{line}"]
            for key in ("restaurant_id", "duplicate_id"):
                value = request.POST.get(f"{key}_{line}", "")
                if value.isdigit():
                    decision[key] = int(value)
            if request.POST.get(f"fields_shown_{line}"):
                # Unchecked boxes are not posted: the marker says the row's checkboxes were shown.
                decision["fields"] = request.POST.getlist(f"take_{line}")
            decisions[line] = decision
        try:
            result = services.import_draft_apply(
                user=user,
                draft=draft,
                decisions=decisions,
                create_missing_categories=request.POST.get("create_missing_categories") == "on",
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            prefix = "This import was already applied. " if result["already_applied"] else ""
            messages.success(
                request,
                f"{prefix}Imported {result['imported']}, updated {result['updated']}, skipped {result['skipped']}.",
            )
            return redirect("expenses:import_review", pk=draft.pk)
        draft.refresh_from_db()
    rows = draft.rows
    show_all = request.GET.get("show") == "all"
    # Rows that need a look come first; clean, matched, non-duplicate rows can be listed on demand.
    shown = rows if show_all else [r for r in rows if _needs_attention(r)]
    return render(
        request,
        "expenses/import_review.html",
        {
            "draft": draft,
            "rows": shown,
            "row_total": len(rows),
            "show_all": show_all,
            "hidden_count": len(rows) - len(shown),
            # A row whose only error is an unknown category imports once the missing categories are created.
            "error_count": sum(1 for r in rows if set(r["errors"]) - {"category"}),
            "category_count": sum(1 for r in rows if set(r["errors"]) == {"category"}),
            "duplicate_count": sum(1 for r in rows if r["duplicates"]),
        },
    )


def _needs_attention(row: dict) -> bool:
    suggested = next((c for c in row["candidates"] if c["id"] == row["suggested_restaurant_id"]), None)
    weak_match = suggested is None or suggested["score"] < 130  # not an exact name match
    return bool(
        row["errors"] or row["warnings"] or row["duplicates"] or row["restaurant_action"] == "create" or weak_match
    )


# --------------------------------------------------------------------------- analytics
def _analytics(request):
    form = AnalyticsRangeForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = analytics_range(request.user, data)
    if start > end:
        start = end.replace(month=1, day=1)
    return form, selectors.analytics_for_user_cached(request.user, start=start, end=end)


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
    return render(request, "expenses/analytics.html", {"form": form, "a": result, "chart": chart, "query": query})


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
