"""The user's expense preferences and the full backup and restore."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from .. import backup, services
from ..forms import BackupRestoreForm, TimezoneForm
from ..models import ExpenseProfile
from .expenses import apply_service_error


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
            apply_service_error(form, exc)
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
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Restored into {owner.get_username()}: {result['expenses_created']} expenses created "
                f"({result['expenses_present']} already there), {result['restaurants_created']} restaurants, "
                f"{result['categories_created']} categories, {result['tags_created']} tags, "
                f"{result['loyalty_created']} loyalty programmes, "
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
