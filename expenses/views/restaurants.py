"""Restaurant pages: list, detail, add/edit (with Google Places search), delete, CSV export
and import with review."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations.base import IntegrationError

from .. import restaurant_io, selectors, services
from ..exporting import restaurants_to_csv
from ..forms import ImportUploadForm, PlaceSearchForm, RestaurantForm
from ..places import place_details, places_enabled, search_places
from ..services import RESTAURANT_FIELDS
from .expenses import PAGE_SIZE, apply_service_error


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
                apply_service_error(form, exc)
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
                apply_service_error(form, exc)
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
                apply_service_error(form, exc)
            else:
                return redirect("expenses:import_review", pk=draft.pk)
    return render(request, "expenses/restaurant_import.html", {"form": form})


def restaurant_import_review(request, draft):
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
