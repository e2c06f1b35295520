"""Categories, tags, merchants and loyalty programmes: each a list page with an add/edit form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import loyalty, selectors, services
from ..forms import CategoryForm, LoyaltyForm, MerchantForm, TagForm
from .expenses import apply_service_error


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
                apply_service_error(form, exc)
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
            apply_service_error(form, exc)
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
                apply_service_error(form, exc)
            else:
                return redirect("expenses:tag_list")
    return render(request, "expenses/tag_list.html", {"tags": selectors.tag_list_for_user(user), "form": form})


@login_required
@require_POST
def tag_delete(request, pk):
    services.tag_delete(tag=selectors.tag_get_for_user(request.user, pk))
    messages.success(request, "Tag deleted; its expenses are kept.")
    return redirect("expenses:tag_list")
