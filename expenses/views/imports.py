"""Expense file import: upload, then the row-by-row review and apply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from .. import selectors, services
from ..forms import ImportUploadForm
from ..models import ImportDraft
from .expenses import apply_service_error
from .restaurants import restaurant_import_review


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
                apply_service_error(form, exc)
            else:
                return redirect("expenses:import_review", pk=draft.pk)
    drafts = selectors.import_draft_list_for_user(request.user)[:20]
    return render(request, "expenses/import_upload.html", {"form": form, "drafts": drafts})


@login_required
def import_review(request, pk):
    user = request.user
    draft = selectors.import_draft_get_for_user(user, pk)
    if draft.kind == ImportDraft.Kind.RESTAURANTS:
        return restaurant_import_review(request, draft)
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
