"""Full backup and restore of one user's expense data: merchants, loyalty programmes, restaurants,
categories, tags, expenses (with cleared dates, tags in order, the trash) and the expense
preferences, as one JSON document
with a schema version, optionally zipped together with the receipt files.

What a backup never holds: the user row itself (no password hash, no e-mail), ids of other
users' rows, or anything of another user. Rows refer to each other by name (categories, tags)
or by a reference local to the file (restaurants).

Restore is idempotent and exact: restaurants, categories and tags are matched by their unique
names (case-insensitively, like the database constraints) and created when missing; an expense
is created only when the account holds fewer expenses with exactly the same values than the
backup does, so restoring twice, or into the account it came from, changes nothing, while two
identical lunches on one day stay two. Loyalty programmes are matched by programme name: one
the account already has is kept as it is, a missing one is created with every field.

Schema versions: 1 (no loyalty programmes) and 2 (with them) are both read; backups are written
as 2.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from project.roles import ADMINISTRATOR, user_has_role

from . import services
from .forms import RECEIPT_EXTENSIONS, RECEIPT_MAX_BYTES
from .models import Category, Expense, ExpenseProfile, ExpenseTag, LoyaltyAccount, Merchant, Restaurant, Tag

KIND = "crewbase_expenses_backup"
SCHEMA_VERSION = 2
SUPPORTED_SCHEMA_VERSIONS = (1, 2)  # 1: before loyalty programmes
LISTS = ("merchants", "loyalty", "restaurants", "categories", "tags", "expenses")
LOYALTY_FIELDS = ("number", "tier", "points", "portal_url")
MAX_BACKUP_BYTES = 200 * 1024 * 1024
JSON_NAME = "backup.json"
RECEIPTS_DIR = "receipts/"


def backup_any_user_allowed(actor) -> bool:
    return actor.is_superuser or user_has_role(actor, ADMINISTRATOR)


def backup_allowed(*, actor, owner) -> bool:
    """Everyone may back up (and restore into) their own account; Administrators any user's."""
    return actor.pk == owner.pk or backup_any_user_allowed(actor)


# --------------------------------------------------------------------------- backup
def backup_build(*, owner) -> dict:
    """The owner's data as a JSON-ready document (eight queries, whatever the size)."""
    restaurants = list(Restaurant.objects.filter(user=owner).select_related("merchant").order_by("id"))
    merchants = list(Merchant.objects.filter(user=owner).order_by("id"))
    loyalty = list(LoyaltyAccount.objects.filter(user=owner).select_related("merchant").order_by("id"))
    categories = list(Category.objects.filter(user=owner).order_by("id"))
    tags = list(Tag.objects.filter(user=owner).order_by("id"))
    expenses = list(
        Expense.all_objects.filter(user=owner).select_related("restaurant", "category").order_by("date", "id")
    )
    links: dict[int, list[str]] = {}
    for expense_id, name in (
        ExpenseTag.objects.filter(expense__user=owner)
        .order_by("expense_id", "position", "id")
        .values_list("expense_id", "tag__name")
    ):
        links.setdefault(expense_id, []).append(name)
    profile = ExpenseProfile.objects.filter(user=owner).first()
    document = {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "created_at": timezone.now().isoformat(),
        "profile": {
            "timezone": profile.timezone if profile else "",
            "bank_match_days": profile.bank_match_days if profile else 14,
        },
        "merchants": [
            {"name": m.name, "short_name": m.short_name, "website": m.website, "category": m.category}
            for m in merchants
        ],
        "loyalty": [
            {
                "program": a.program,
                "merchant": a.merchant.name if a.merchant else None,
                **{name: getattr(a, name) for name in LOYALTY_FIELDS},
            }
            for a in loyalty
        ],
        "restaurants": [
            {
                "ref": r.pk,
                "merchant": r.merchant.name if r.merchant else None,
                **{name: _plain(getattr(r, name)) for name in services.RESTAURANT_FIELDS},
            }
            for r in restaurants
        ],
        "categories": [
            {"name": c.name, "description": c.description, "color": c.color, "is_default": c.is_default}
            for c in categories
        ],
        "tags": [{"name": t.name, "color": t.color} for t in tags],
        "expenses": [
            {
                "date": e.date.isoformat(),
                "time": e.time.isoformat() if e.time else None,
                "cleared_date": e.cleared_date.isoformat() if e.cleared_date else None,
                "amount": str(e.amount),
                "kind": e.kind,
                "restaurant": e.restaurant_id,
                "category": e.category.name if e.category else None,
                "meal_type": e.meal_type,
                "order_type": e.order_type,
                "party_size": e.party_size,
                "tags": links.get(e.pk, []),
                "notes": e.notes,
                "receipt": f"{RECEIPTS_DIR}{e.pk}{PurePosixPath(e.receipt.name).suffix}" if e.receipt else "",
                "deleted": e.deleted_at is not None,
            }
            for e in expenses
        ],
    }
    document["counts"] = {key: len(document[key]) for key in LISTS}
    document["_receipt_files"] = {
        item["receipt"]: e.receipt.name for item, e in zip(document["expenses"], expenses, strict=True) if e.receipt
    }
    return document


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def backup_json(*, owner) -> bytes:
    document = backup_build(owner=owner)
    document.pop("_receipt_files")
    return json.dumps(document, indent=1, ensure_ascii=False).encode()


def backup_zip(*, owner) -> bytes:
    """backup.json plus every receipt file under receipts/."""
    document = backup_build(owner=owner)
    files = document.pop("_receipt_files")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(document, indent=1, ensure_ascii=False))
        storage = Expense._meta.get_field("receipt").storage
        for member, stored_name in files.items():
            if storage.exists(stored_name):
                with storage.open(stored_name, "rb") as handle:
                    archive.writestr(member, handle.read())
    return out.getvalue()


# --------------------------------------------------------------------------- reading
def backup_read(data: bytes, filename: str) -> tuple[dict, dict[str, bytes]]:
    """An uploaded backup (.json, or .zip with backup.json and receipts/) -> (document,
    receipt bytes by member name). Raises ValidationError({"file": reason})."""
    if len(data) > MAX_BACKUP_BYTES:
        raise ValidationError({"file": "The backup is larger than 200 MB."})
    receipts: dict[str, bytes] = {}
    if filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = {info.filename: info for info in archive.infolist()}
            if JSON_NAME not in members:
                raise ValidationError({"file": f"The zip has no {JSON_NAME}."})
            if sum(info.file_size for info in members.values()) > MAX_BACKUP_BYTES:
                raise ValidationError({"file": "The backup unpacks to more than 200 MB."})
            text = archive.read(JSON_NAME)
            for name, info in members.items():
                if name.startswith(RECEIPTS_DIR) and not info.is_dir() and info.file_size <= RECEIPT_MAX_BYTES:
                    receipts[name] = archive.read(name)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise ValidationError({"file": f"The file is not a readable zip: {exc}."}) from exc
    else:
        text = data
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError({"file": "The backup is not valid JSON."}) from exc
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise ValidationError({"file": f"This is not a Crewbase expenses backup (kind must be “{KIND}”)."})
    version = document.get("schema_version")
    if isinstance(version, bool) or version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = " or ".join(str(v) for v in SUPPORTED_SCHEMA_VERSIONS)
        raise ValidationError({"file": f"Backup schema version {version!r} is not supported (expected {supported})."})
    for key in LISTS:
        if not isinstance(document.get(key, []), list) or not all(
            isinstance(item, dict) for item in document.get(key, [])
        ):
            raise ValidationError({"file": f"“{key}” must be a list of objects."})
    return document, receipts


# --------------------------------------------------------------------------- restore
def _fingerprint(values: dict, restaurant_id: int, category_id: int | None, tags: list[str], deleted: bool) -> tuple:
    return (
        values["date"],
        values["time"],
        values["cleared_date"],
        values["amount"],
        values["kind"],
        restaurant_id,
        category_id,
        values["meal_type"],
        values["order_type"],
        values["party_size"],
        values["notes"],
        tuple(t.lower() for t in tags),
        deleted,
    )


def _expense_values(item: dict, where: str) -> dict:
    try:
        return {
            "date": date.fromisoformat(item["date"]),
            "time": time.fromisoformat(item["time"]) if item.get("time") else None,
            "cleared_date": date.fromisoformat(item["cleared_date"]) if item.get("cleared_date") else None,
            "amount": Decimal(str(item["amount"])),
            "kind": item.get("kind") or "expense",
            "meal_type": item.get("meal_type") or "",
            "order_type": item.get("order_type") or "",
            "party_size": int(item.get("party_size") or 1),
            "notes": item.get("notes") or "",
        }
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise ValidationError({"file": f"{where}: {exc.__class__.__name__} {exc}"}) from exc


@transaction.atomic
def backup_restore(*, actor, owner, document: dict, receipts: dict[str, bytes] | None = None) -> dict:
    """Restore a backup document into `owner`'s account (see the module docstring). Everything is
    validated before anything is written; a bad item is a ValidationError naming it."""
    if not backup_allowed(actor=actor, owner=owner):
        raise ValidationError({"user": "You may restore only into your own account."})
    receipts = receipts or {}
    reason = "Restore from backup"
    counts = Counter()
    errors: list[str] = []

    # Categories and tags by name (case-insensitive, as the unique constraints).
    categories = {c.name.lower(): c for c in Category.objects.filter(user=owner)}
    new_categories = []
    for index, item in enumerate(document.get("categories", []), start=1):
        name = str(item.get("name") or "").strip()
        if not name or name.lower() in categories:
            continue
        category = Category(
            user=owner,
            name=name,
            description=item.get("description") or "",
            color=item.get("color") or "#6c757d",
            is_default=bool(item.get("is_default")),
        )
        _collect(category, ["user"], f"categories[{index}]", errors)
        categories[name.lower()] = category
        new_categories.append(category)
    tags = {t.name.lower(): t for t in Tag.objects.filter(user=owner)}
    new_tags = []
    wanted_tags = [item.get("name") for item in document.get("tags", [])] + [
        name for item in document.get("expenses", []) for name in item.get("tags") or []
    ]
    for index, raw in enumerate(wanted_tags, start=1):
        name = str(raw or "")
        if not name or name.lower() in tags:
            continue
        tag = Tag(user=owner, name=name)
        _collect(tag, ["user"], f"tags[{index}]", errors)
        tags[name.lower()] = tag
        new_tags.append(tag)
    for item in document.get("tags", []):
        tag = tags.get(str(item.get("name") or "").lower())
        if tag is not None and tag.pk is None and item.get("color"):
            tag.color = item["color"]

    # Merchants by name (case-insensitive, as the unique constraint).
    merchants = {m.name.lower(): m for m in Merchant.objects.filter(user=owner)}
    new_merchants = []
    for index, item in enumerate(document.get("merchants", []), start=1):
        name = str(item.get("name") or "").strip()
        if not name or name.lower() in merchants:
            continue
        merchant = Merchant(
            user=owner,
            name=name,
            short_name=str(item.get("short_name") or ""),
            website=str(item.get("website") or ""),
            category=str(item.get("category") or ""),
        )
        _collect(merchant, ["user"], f"merchants[{index}]", errors)
        merchants[name.lower()] = merchant
        new_merchants.append(merchant)

    # Loyalty programmes by programme name (case-insensitive, as the unique constraint): one the
    # account has is kept as it is; a missing one is created with every field of the backup.
    programmes = {a.program.lower() for a in LoyaltyAccount.objects.filter(user=owner)}
    new_loyalty = []
    for index, item in enumerate(document.get("loyalty", []), start=1):
        where = f"loyalty[{index}]"
        program = str(item.get("program") or "").strip()
        if not program:
            errors.append(f"{where}: program: This field cannot be blank.")
            continue
        if program.lower() in programmes:
            counts["loyalty_present"] += 1
            continue
        merchant = merchants.get(str(item.get("merchant") or "").lower()) if item.get("merchant") else None
        if item.get("merchant") and merchant is None:
            errors.append(f"{where}: merchant {item.get('merchant')!r} is not in the backup")
            continue
        account = LoyaltyAccount(
            user=owner,
            program=program,
            number=str(item.get("number") or ""),
            tier=str(item.get("tier") or ""),
            points=item.get("points"),
            portal_url=str(item.get("portal_url") or ""),
        )
        account.merchant = merchant
        _collect(account, ["user", "merchant"], where, errors)
        programmes.add(program.lower())
        new_loyalty.append(account)

    # Restaurants by (name, location, city), as the unique constraint.
    restaurants = {
        (r.name.lower(), r.location_name.lower(), r.city.lower()): r for r in Restaurant.objects.filter(user=owner)
    }
    place_ids = {r.google_place_id for r in restaurants.values() if r.google_place_id}
    by_ref: dict = {}
    new_restaurants = []
    for index, item in enumerate(document.get("restaurants", []), start=1):
        fields = {name: item[name] for name in services.RESTAURANT_FIELDS if item.get(name) is not None}
        key = (
            str(fields.get("name", "")).lower(),
            str(fields.get("location_name", "")).lower(),
            str(fields.get("city", "")).lower(),
        )
        restaurant = restaurants.get(key)
        if restaurant is None:
            restaurant = Restaurant(user=owner, **fields)
            restaurant.merchant = merchants.get(str(item.get("merchant") or "").lower())
            restaurant.google_place_id = (restaurant.google_place_id or "").strip() or None
            if restaurant.google_place_id in place_ids:
                restaurant.google_place_id = None  # already linked to another of the account's restaurants
            place_ids.add(restaurant.google_place_id)
            _collect(restaurant, ["user", "merchant"], f"restaurants[{index}]", errors)
            restaurants[key] = restaurant
            new_restaurants.append(restaurant)
        by_ref[item.get("ref")] = restaurant

    # Expenses: create only what the account has fewer of.
    existing_links: dict[int, list[str]] = {}
    for expense_id, name in (
        ExpenseTag.objects.filter(expense__user=owner)
        .order_by("expense_id", "position", "id")
        .values_list("expense_id", "tag__name")
    ):
        existing_links.setdefault(expense_id, []).append(name)
    have = Counter(
        _fingerprint(
            {
                "date": e.date,
                "time": e.time,
                "cleared_date": e.cleared_date,
                "amount": e.amount,
                "kind": e.kind,
                "meal_type": e.meal_type,
                "order_type": e.order_type,
                "party_size": e.party_size,
                "notes": e.notes,
            },
            ("id", e.restaurant_id),
            ("id", e.category_id) if e.category_id else None,
            existing_links.get(e.pk, []),
            e.deleted_at is not None,
        )
        for e in Expense.all_objects.filter(user=owner)
    )
    now = timezone.now()
    planned = []
    for index, item in enumerate(document.get("expenses", []), start=1):
        where = f"expenses[{index}]"
        values = _expense_values(item, where)
        restaurant = by_ref.get(item.get("restaurant"))
        if restaurant is None:
            errors.append(f"{where}: restaurant {item.get('restaurant')!r} is not in the backup")
            continue
        category = categories.get(str(item.get("category") or "").lower()) if item.get("category") else None
        if item.get("category") and category is None:
            errors.append(f"{where}: category {item.get('category')!r} is not in the backup")
            continue
        names = [str(n) for n in item.get("tags") or []]
        key = _fingerprint(
            values,
            ("id", restaurant.pk) if restaurant.pk else ("new", id(restaurant)),
            (("id", category.pk) if category.pk else ("new", id(category))) if category else None,
            names,
            bool(item.get("deleted")),
        )
        if have[key] > 0:
            have[key] -= 1
            counts["expenses_present"] += 1
            continue
        expense = Expense(
            user=owner,
            created_at=now,
            updated_at=now,
            deleted_at=now if item.get("deleted") else None,
            **values,
        )
        _collect(expense, services.EXPENSE_CLEAN_EXCLUDE, where, errors)
        planned.append((item, expense, restaurant, category, names))
    if errors:
        raise ValidationError({"file": errors[:50]})

    # Write: names first, then restaurants, then expenses with their history and links.
    for model, objs, label in (
        (Merchant, new_merchants, "merchants"),
        (Category, new_categories, "categories"),
        (Tag, new_tags, "tags"),
        (LoyaltyAccount, new_loyalty, "loyalty"),
        (Restaurant, new_restaurants, "restaurants"),
    ):
        if model in (Restaurant, LoyaltyAccount):
            for obj in objs:
                obj.merchant = obj.merchant  # the merchant saved just before: sets merchant_id
        if objs:
            bulk_create_with_history(objs, model, default_user=actor, default_change_reason=reason)
        counts[f"{label}_created"] = len(objs)
    storage = Expense._meta.get_field("receipt").storage
    for item, expense, restaurant, category, _ in planned:
        expense.restaurant_id = restaurant.pk
        expense.category_id = category.pk if category else None
        member = item.get("receipt") or ""
        suffix = PurePosixPath(member).suffix.lower()
        if member in receipts and suffix in RECEIPT_EXTENSIONS:
            expense.receipt.name = storage.save(
                expense.receipt.field.generate_filename(expense, f"receipt{suffix}"), ContentFile(receipts[member])
            )
            counts["receipts_restored"] += 1
    Expense.objects.bulk_create([expense for _, expense, *_ in planned])
    services.insert_rows(
        Expense.history.model,
        services.history_rows([e for _, e, *_ in planned], history_type="+", user=actor, reason=reason, when=now),
    )
    services.insert_rows(
        ExpenseTag,
        [
            {"expense_id": expense.pk, "tag_id": tags[name.lower()].pk, "position": position}
            for _, expense, _, _, names in planned
            for position, name in enumerate(dict.fromkeys(names))
        ],
    )
    counts["expenses_created"] = len(planned)
    profile = document.get("profile") or {}
    if profile and not ExpenseProfile.objects.filter(user=owner).exists():
        ExpenseProfile.objects.create(
            user=owner,
            timezone=str(profile.get("timezone") or ""),
            bank_match_days=min(max(int(profile.get("bank_match_days") or 14), 0), 60),
        )
    return {
        key: counts[key]
        for key in (
            "merchants_created",
            "loyalty_created",
            "loyalty_present",
            "restaurants_created",
            "categories_created",
            "tags_created",
            "expenses_created",
            "expenses_present",
            "receipts_restored",
        )
    }


def _collect(obj, exclude: list[str], where: str, errors: list[str]) -> None:
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            errors.append(f"{where}: {field_name}: {' '.join(messages)}")
