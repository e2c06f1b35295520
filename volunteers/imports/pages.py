"""Import pages: volunteers from a CSV (preview, then confirm) and the teacher roster (CSV or Google Sheet)."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from integrations.base import IntegrationError
from project.permissions import permission_require

from ..forms import ImportForm
from ..models import RosterImport
from ..views import contacts_required
from . import volunteer_csv
from .roster import csv_table, roster_import, roster_import_from_sheet

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMPORT_SESSION_KEY = "volunteers_import_csv"


@contacts_required
@require_http_methods(["GET", "POST"])
def volunteer_import(request):
    permission_require(request.user, "volunteers.add_volunteer")
    preview = None
    form = ImportForm()
    if request.method == "POST" and "confirm" in request.POST:
        text = request.session.get(IMPORT_SESSION_KEY)
        if not text or hashlib.sha256(text.encode()).hexdigest() != request.POST.get("digest"):
            messages.error(request, "The preview expired. Upload the file again.")
            return redirect("volunteers:import")
        try:
            created, skipped = volunteer_csv.import_commit(text)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return redirect("volunteers:import")
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.success(request, f"Imported {created} volunteer(s); skipped {skipped} row(s) with errors.")
        return redirect("volunteers:directory")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["file"]
            preview = volunteer_csv.import_preview(text)
            request.session[IMPORT_SESSION_KEY] = text
            return render(
                request,
                "volunteers/import.html",
                {
                    "form": form,
                    "preview": preview,
                    "columns": volunteer_csv.COLUMNS,
                    "digest": hashlib.sha256(text.encode()).hexdigest(),
                },
            )
    return render(
        request, "volunteers/import.html", {"form": form, "preview": preview, "columns": volunteer_csv.COLUMNS}
    )


@contacts_required
@require_http_methods(["GET", "POST"])
def roster(request):
    permission_require(request.user, "volunteers.view_rosterimport")
    log = None
    if request.method == "POST":
        permission_require(request.user, "volunteers.add_rosterimport")
        upload = request.FILES.get("file")
        sheet_id = request.POST.get("sheet_id", "").strip()
        try:
            if upload is not None:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ValidationError("The file is larger than 5 MB.")
                header, rows = csv_table(upload.read())
                log = roster_import(
                    header=header, rows=rows, source=RosterImport.Source.CSV, filename=upload.name, user=request.user
                )
            elif sheet_id:
                log = roster_import_from_sheet(
                    sheet_id=sheet_id, worksheet=request.POST.get("worksheet", "").strip(), user=request.user
                )
            else:
                raise ValidationError("Choose a CSV file or give a Google Sheet id.")
            messages.success(
                request,
                f"Roster imported: {log.added} added, {log.updated} updated, "
                f"{log.deactivated} deactivated, {log.flagged} flagged, {log.skipped} skipped.",
            )
        except UnicodeDecodeError:
            messages.error(request, "The file is not UTF-8 text (CSV).")
        except (ValidationError, IntegrationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return render(
        request,
        "volunteers/roster.html",
        {
            "log": log,
            "imports": RosterImport.objects.select_related("imported_by")[:20],
            "can_import": request.user.has_perm("volunteers.add_rosterimport"),
        },
    )
