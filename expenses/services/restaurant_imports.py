"""The restaurant file import: draft (review) and apply."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from integrations.base import IntegrationError

from .. import importing, restaurant_io
from ..models import ImportDraft, Restaurant
from ..places import place_details
from .bulk import history_rows, insert_rows
from .imports import IMPORT_DRAFT_TTL, draft_lock_for_apply
from .merchants import merchant_link_restaurants
from .restaurants import RESTAURANT_FIELDS


def _restaurant_dicts(user) -> list[dict]:
    rows = list(Restaurant.objects.filter(user=user).values("id", *RESTAURANT_FIELDS))
    for row in rows:
        for name in ("latitude", "longitude"):
            row[name] = None if row[name] is None else str(row[name])
    return rows


@transaction.atomic
def restaurant_import_draft_create(*, user, filename: str, data: bytes) -> ImportDraft:
    """Parse and review a restaurant file; ValidationError({"file": ...}) for a bad file (a
    missing `name` column is named). Nothing but the draft is written until apply."""
    try:
        raw_rows = restaurant_io.read_restaurant_upload(data, filename)
    except importing.ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    rows = restaurant_io.build_restaurant_review(
        raw_rows, existing=_restaurant_dicts(user), unescape=filename.lower().endswith(".csv")
    )
    return ImportDraft.objects.create(
        user=user,
        kind=ImportDraft.Kind.RESTAURANTS,
        filename=filename[:255],
        rows=rows,
        row_count=len(rows),
        expires_at=timezone.now() + IMPORT_DRAFT_TTL,
    )


def _place_fill(values: dict, warnings: list[str]) -> None:
    """Blank fields filled from the Google place the row names (cached; only when asked)."""
    try:
        details = place_details(values["google_place_id"])
    except IntegrationError as exc:
        warnings.append(f"Google Places: {exc}")
        return
    for name in ("address_line_1", "city", "state", "postal_code", "country", "phone", "website", "cuisine"):
        if not values.get(name) and getattr(details, name):
            values[name] = getattr(details, name)
    for name in ("price_level", "latitude", "longitude"):
        if values.get(name) is None and getattr(details, name) is not None:
            values[name] = getattr(details, name)


@transaction.atomic
def restaurant_import_apply(
    *, user, draft: ImportDraft, decisions: dict[int, str] | None = None, enrich: bool = False
) -> dict:
    """Apply a reviewed restaurant draft in one transaction: `decisions` maps a line to
    create / update / skip. Every row is validated (the model's field rules and the unique
    name/location/city and place id per user) before anything is written; an update changes
    only the fields the file gives (blanks never wipe). Applying twice changes nothing.
    `enrich`: fill blanks from Google Places for rows with a place id."""
    decisions = decisions or {}
    draft, applied = draft_lock_for_apply(
        user=user,
        draft=draft,
        kind=ImportDraft.Kind.RESTAURANTS,
        wrong_kind="This is an expense import.",
        decisions=decisions,
    )
    if applied is not None:
        return applied
    existing = Restaurant.objects.in_bulk([r["existing_id"] for r in draft.rows if r["existing_id"]])
    taken_keys = {
        restaurant_io.restaurant_key({"name": n, "location_name": loc, "city": c}): pk
        for pk, n, loc, c in Restaurant.objects.filter(user=user).values_list("id", "name", "location_name", "city")
    }
    taken_places = dict(
        Restaurant.objects.filter(user=user, google_place_id__isnull=False).values_list("google_place_id", "id")
    )
    errors, creates, updates, warnings = [], [], [], []
    counts = {"created": 0, "updated": 0, "skipped": 0}
    now = timezone.now()
    for row in draft.rows:
        line = row["line"]
        action = decisions.get(line, row["action"])
        if action not in ("create", "update", "skip"):
            errors.append(f"line {line}: action must be create, update or skip")
            continue
        if action != "skip" and row["errors"]:
            errors.append(f"line {line}: the row has errors ({', '.join(sorted(row['errors']))}); skip it")
            continue
        if action == "skip":
            counts["skipped"] += 1
            continue
        values = dict(row["values"])
        if enrich and values.get("google_place_id"):
            _place_fill(values, warnings)
        if action == "update":
            restaurant = existing.get(row["existing_id"])
            if restaurant is None or restaurant.user_id != user.pk:
                errors.append(f"line {line}: there is no existing restaurant to update")
                continue
            for name, value in values.items():
                if value not in (None, ""):
                    setattr(restaurant, name, value)
            restaurant.updated_at = now
            updates.append(restaurant)
        else:
            restaurant = Restaurant(user=user, created_at=now, updated_at=now, **values)
            creates.append(restaurant)
        try:
            restaurant.clean_fields(exclude=["user"])
        except ValidationError as exc:
            errors.extend(f"line {line}: {f}: {' '.join(m)}" for f, m in exc.message_dict.items())
            continue
        # Who holds a name or place id: an existing restaurant's id, or this file's line for a new one.
        holder = restaurant.pk or f"line {line}"
        key = restaurant_io.restaurant_key(values if action == "create" else restaurant.__dict__)
        if taken_keys.get(key, holder) != holder:
            errors.append(f"line {line}: name: you already have “{restaurant.display_name}” in this city")
        taken_keys[key] = holder
        if restaurant.google_place_id:
            if taken_places.get(restaurant.google_place_id, holder) != holder:
                errors.append(f"line {line}: google_place_id: another of your restaurants is linked to this place")
            taken_places[restaurant.google_place_id] = holder
    if errors:
        raise ValidationError({"decisions": errors})
    reason = f"Import “{draft.filename}”"[:100]
    if creates:
        bulk_create_with_history(creates, Restaurant, default_user=user, default_change_reason=reason)
        merchant_link_restaurants(user=user, restaurants=creates)
    if updates:
        Restaurant.objects.bulk_update(updates, [*RESTAURANT_FIELDS, "updated_at"])
        insert_rows(
            Restaurant.history.model, history_rows(updates, history_type="~", user=user, reason=reason, when=now)
        )
    counts["created"], counts["updated"] = len(creates), len(updates)
    result = {**counts, "warnings": warnings}
    draft.status = ImportDraft.Status.APPLIED
    draft.applied_at = now
    draft.result = result
    draft.save(update_fields=["status", "applied_at", "result", "updated_at"])
    return {**result, "already_applied": False}
