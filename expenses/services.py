"""Writes for the expenses app. Every service takes the acting `user` and refuses objects
that belong to someone else with a ValidationError naming the field (an API 400)."""

from __future__ import annotations

import zoneinfo
from datetime import date, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from integrations.base import IntegrationError

from . import importing, restaurant_io
from .models import Category, Expense, ExpenseProfile, ExpenseTag, ImportDraft, Merchant, Restaurant, Tag
from .places import place_details

DEFAULT_CATEGORIES = [
    ("Restaurants", "#2f6fed"),
    ("Groceries", "#2e9e5b"),
    ("Drinks", "#8e44ad"),
    ("Fast Food", "#e67e22"),
    ("Entertainment", "#c0392b"),
    ("Snacks & Vending", "#d4ac0d"),
    ("Other", "#6c757d"),
]
IMPORT_DRAFT_TTL = timedelta(days=14)

EXPENSE_FIELDS = (
    "kind",
    "amount",
    "date",
    "time",
    "cleared_date",
    "meal_type",
    "order_type",
    "party_size",
    "restaurant",
    "category",
    "notes",
    "receipt",
)
RESTAURANT_FIELDS = (
    "name",
    "location_name",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "website",
    "cuisine",
    "service_level",
    "price_level",
    "rating",
    "google_place_id",
    "latitude",
    "longitude",
    "notes",
)


# --------------------------------------------------------------------------- ownership
def _require_owned(user, **objects) -> None:
    """Raise a field-named error for any related object that is not the user's."""
    errors = {}
    for field, obj in objects.items():
        if obj is None:
            continue
        items = obj if isinstance(obj, list | tuple) else [obj]
        if any(item.user_id != user.pk for item in items):
            errors[field] = "Not found."
    if errors:
        raise ValidationError(errors)


# --------------------------------------------------------------------------- preferences
@transaction.atomic
def expense_profile_set_timezone(*, user, timezone_name: str) -> ExpenseProfile:
    if timezone_name and timezone_name not in zoneinfo.available_timezones():
        raise ValidationError({"timezone": f"“{timezone_name}” is not a known timezone."})
    profile, _ = ExpenseProfile.objects.get_or_create(user=user)
    profile.timezone = timezone_name
    profile.save(update_fields=["timezone"])
    return profile


@transaction.atomic
def expense_profile_set_bank_match_days(*, user, days: int) -> ExpenseProfile:
    profile, _ = ExpenseProfile.objects.get_or_create(user=user)
    profile.bank_match_days = days
    profile.full_clean()
    profile.save(update_fields=["bank_match_days"])
    return profile


# --------------------------------------------------------------------------- categories
def category_defaults_ensure(*, user) -> None:
    """The seven default categories, created the first time the user needs categories."""
    if Category.objects.filter(user=user).exists():
        return
    with transaction.atomic():
        for name, color in DEFAULT_CATEGORIES:
            Category.objects.get_or_create(user=user, name=name, defaults={"color": color, "is_default": True})


def _clean_name_unique(model, *, user, name: str, instance=None, field="name") -> None:
    # Lowered by the database on both sides, exactly like the unique index (SQLite's lower() only
    # folds ASCII, so Python's str.lower() missed clashes like "Ë" and "Ë", which then hit the index).
    clash = model.objects.filter(user=user).annotate(lname=Lower("name")).filter(lname=Lower(Value(name)))
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({field: f"You already have a {model._meta.verbose_name} named “{name}”."})


@transaction.atomic
def category_create(*, user, name: str, color: str = "#6c757d", description: str = "") -> Category:
    name = name.strip()
    _clean_name_unique(Category, user=user, name=name)
    category = Category(user=user, name=name, color=color or "#6c757d", description=description)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_update(*, category: Category, name: str, color: str = "", description: str = "") -> Category:
    name = name.strip()
    _clean_name_unique(Category, user=category.user, name=name, instance=category)
    category.name, category.description = name, description
    category.color = color or category.color
    category.full_clean()
    category.save()
    return category


def _block_if_used(obj, label: str) -> None:
    # Expenses are never deleted with their restaurant or category: the delete is refused
    # and the message says what to do instead (reassign or delete those expenses first).
    alive = obj.expenses.filter(deleted_at__isnull=True).count()
    trashed = Expense.all_objects.filter(**{label: obj}, deleted_at__isnull=False).count()
    if alive or trashed:
        parts = [f"{alive} expense{'s' if alive != 1 else ''}"]
        if trashed:
            parts.append(f"{trashed} in the trash")
        raise ValidationError(
            f"“{obj}” cannot be deleted: it is used by {' and '.join(parts)}. "
            f"Move those expenses to another {label} (or delete them) first."
        )


@transaction.atomic
def category_delete(*, category: Category) -> None:
    _block_if_used(category, "category")
    category.delete()


# --------------------------------------------------------------------------- tags
def tags_resolve(*, user, names: list[str]) -> list[Tag]:
    """Normalised tag names -> the user's Tag rows (created when new), in the given order."""
    wanted = importing.parse_tags(names)
    if not wanted:
        return []
    existing = {
        t.name.lower(): t
        for t in Tag.objects.filter(user=user)
        .annotate(lname=Lower("name"))
        .filter(lname__in=[w.lower() for w in wanted])
    }
    tags = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag.objects.create(user=user, name=name)
            existing[name.lower()] = tag
        tags.append(tag)
    return tags


@transaction.atomic
def tag_create(*, user, name: str, color: str = "#6c757d") -> Tag:
    normalized = importing.normalize_tag(name)
    if not normalized:
        raise ValidationError({"name": "A tag needs at least one letter or digit."})
    _clean_name_unique(Tag, user=user, name=normalized)
    tag = Tag(user=user, name=normalized, color=color or "#6c757d")
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, name: str, color: str = "") -> Tag:
    normalized = importing.normalize_tag(name)
    if not normalized:
        raise ValidationError({"name": "A tag needs at least one letter or digit."})
    _clean_name_unique(Tag, user=tag.user, name=normalized, instance=tag)
    tag.name = normalized
    tag.color = color or tag.color
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    tag.delete()  # removes only the links; expenses stay


# --------------------------------------------------------------------------- restaurants
def _restaurant_clean(restaurant: Restaurant) -> None:
    restaurant.google_place_id = (restaurant.google_place_id or "").strip() or None
    restaurant.name = (restaurant.name or "").strip()
    restaurant.full_clean(validate_constraints=False)
    clash = (
        Restaurant.objects.filter(user=restaurant.user)
        .annotate(
            lname=Lower("name"),
            lloc=Lower("location_name"),
            lcity=Lower("city"),
        )
        .filter(
            lname=Lower(Value(restaurant.name)),
            lloc=Lower(Value(restaurant.location_name)),
            lcity=Lower(Value(restaurant.city)),
        )
    )  # as the unique index compares (see _clean_name_unique)
    if restaurant.pk:
        clash = clash.exclude(pk=restaurant.pk)
    if clash.exists():
        raise ValidationError(
            {"name": f"You already have “{restaurant.display_name}” in {restaurant.city or 'this city'}."}
        )
    if restaurant.google_place_id:
        taken = Restaurant.objects.filter(user=restaurant.user, google_place_id=restaurant.google_place_id)
        if restaurant.pk:
            taken = taken.exclude(pk=restaurant.pk)
        if taken.exists():
            raise ValidationError({"google_place_id": "Another of your restaurants is linked to this place."})


@transaction.atomic
def restaurant_create(*, user, **fields) -> Restaurant:
    unknown = set(fields) - set(RESTAURANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown restaurant fields {sorted(unknown)}")
    restaurant = Restaurant(user=user, **fields)
    _restaurant_clean(restaurant)
    restaurant.save()
    merchant_link_restaurants(user=user, restaurants=[restaurant])
    return restaurant


# --------------------------------------------------------------------------- merchants
MERCHANT_FIELDS = ("name", "short_name", "website", "category")


def _host(url: str) -> str:
    host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "") if url else ""
    return host.lower().removeprefix("www.")


def _brand(text: str) -> str:
    return " ".join(str(text or "").lower().replace("’", "'").split())


def merchant_for_restaurant(restaurant, merchants: list[Merchant]) -> Merchant | None:
    """The merchant a restaurant belongs to: by website host first (it wins over the name), then
    by short name or name equal to the restaurant's name or a word-prefix of it ("Chili's -
    Wylie" → Chili's). Short-name matches win over name matches; a tie means no link."""
    host = _host(restaurant.website)
    if host:
        by_host = [m for m in merchants if _host(m.website) == host]
        if len(by_host) == 1:
            return by_host[0]
        if by_host:
            return None
    name = _brand(restaurant.name)

    def matches(brand: str) -> bool:
        brand = _brand(brand)
        return bool(brand) and (name == brand or (name.startswith(brand) and not name[len(brand)].isalnum()))

    for attribute in ("short_name", "name"):
        found = [m for m in merchants if matches(getattr(m, attribute))]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def merchant_link_restaurants(*, user, restaurants: list[Restaurant] | None = None) -> int:
    """Link the user's unlinked restaurants (or the given ones) to their merchant; a restaurant
    already linked keeps its merchant. Two queries plus one UPDATE per merchant that gains some."""
    merchants = list(Merchant.objects.filter(user=user))
    if not merchants:
        return 0
    if restaurants is None:
        restaurants = list(Restaurant.objects.filter(user=user, merchant__isnull=True))
    gained: dict[int, list[int]] = {}
    for restaurant in restaurants:
        if restaurant.merchant_id:
            continue
        merchant = merchant_for_restaurant(restaurant, merchants)
        if merchant is not None:
            restaurant.merchant = merchant
            gained.setdefault(merchant.pk, []).append(restaurant.pk)
    for merchant_id, ids in gained.items():
        Restaurant.objects.filter(user=user, pk__in=ids, merchant__isnull=True).update(merchant_id=merchant_id)
    return sum(len(ids) for ids in gained.values())


def _merchant_clean(merchant: Merchant) -> None:
    merchant.name = merchant.name.strip()
    merchant.short_name = merchant.short_name.strip()
    merchant.full_clean(validate_constraints=False)
    _clean_name_unique(Merchant, user=merchant.user, name=merchant.name, instance=merchant)


@transaction.atomic
def merchant_create(*, user, **fields) -> Merchant:
    unknown = set(fields) - set(MERCHANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown merchant fields {sorted(unknown)}")
    merchant = Merchant(user=user, **fields)
    _merchant_clean(merchant)
    merchant.save()
    merchant_link_restaurants(user=user)
    return merchant


@transaction.atomic
def merchant_update(*, merchant: Merchant, **fields) -> Merchant:
    for name, value in fields.items():
        if name not in MERCHANT_FIELDS:
            raise TypeError(f"unknown merchant field {name}")
        setattr(merchant, name, value)
    _merchant_clean(merchant)
    merchant.save()
    merchant_link_restaurants(user=merchant.user)
    return merchant


@transaction.atomic
def merchant_delete(*, merchant: Merchant) -> None:
    merchant.delete()  # its restaurants stay, unlinked (SET_NULL)


@transaction.atomic
def restaurant_update(*, restaurant: Restaurant, **fields) -> Restaurant:
    for name, value in fields.items():
        if name not in RESTAURANT_FIELDS:
            raise TypeError(f"unknown restaurant field {name}")
        setattr(restaurant, name, value)
    _restaurant_clean(restaurant)
    restaurant.save()
    merchant_link_restaurants(user=restaurant.user, restaurants=[restaurant])
    return restaurant


@transaction.atomic
def restaurant_delete(*, restaurant: Restaurant) -> None:
    _block_if_used(restaurant, "restaurant")
    restaurant.delete()


# --------------------------------------------------------------------------- expenses
def _expense_set_tags(expense: Expense, tags: list[Tag]) -> None:
    ExpenseTag.objects.filter(expense=expense).delete()
    ExpenseTag.objects.bulk_create([ExpenseTag(expense=expense, tag=tag, position=i) for i, tag in enumerate(tags)])


def _coerce_tags(user, tags) -> list[Tag] | None:
    if tags is None:
        return None
    if all(isinstance(t, Tag) for t in tags):
        _require_owned(user, tags=list(tags))
        return list(tags)
    return tags_resolve(user=user, names=[str(t) for t in tags])


@transaction.atomic
def expense_create(*, user, tags=None, **fields) -> Expense:
    unknown = set(fields) - set(EXPENSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown expense fields {sorted(unknown)}")
    _require_owned(user, restaurant=fields.get("restaurant"), category=fields.get("category"))
    expense = Expense(user=user, **fields)
    expense.full_clean()
    expense.save()
    _expense_set_tags(expense, _coerce_tags(user, tags) or [])
    return expense


@transaction.atomic
def expense_update(*, expense: Expense, user, tags=None, **fields) -> Expense:
    if expense.user_id != user.pk:
        raise ValidationError("Not found.")
    for name, value in fields.items():
        if name not in EXPENSE_FIELDS:
            raise TypeError(f"unknown expense field {name}")
        setattr(expense, name, value)
    _require_owned(user, restaurant=expense.restaurant, category=expense.category)
    expense.full_clean()
    expense.save()
    resolved = _coerce_tags(user, tags)
    if resolved is not None:
        _expense_set_tags(expense, resolved)
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense) -> None:
    expense.soft_delete()


@transaction.atomic
def expense_restore(*, expense: Expense) -> None:
    expense.restore()


# --------------------------------------------------------------------------- import
def _category_lookup(user) -> dict[str, tuple[int, str]]:
    category_defaults_ensure(user=user)
    return {name.lower(): (pk, name) for pk, name in Category.objects.filter(user=user).values_list("id", "name")}


def _bank_match_days(user) -> int:
    days = ExpenseProfile.objects.filter(user=user).values_list("bank_match_days", flat=True).first()
    return importing.BANK_MATCH_DAYS if days is None else days


def import_review_build(*, user, raw_rows: list[dict], unescape: bool, bank: bool = False) -> list[dict]:
    """Load what matching needs in a fixed handful of queries, then let the plain-Python
    module work. `bank`: the file is a bank export (its signs are the account's)."""
    categories = _category_lookup(user)
    category_names = {pk: name for pk, name in categories.values()}
    bank_days = _bank_match_days(user)
    refs = [
        importing.RestaurantRef(id=r[0], name=r[1], location_name=r[2], address=r[3], city=r[4])
        for r in Restaurant.objects.filter(user=user).values_list(
            "id", "name", "location_name", "address_line_1", "city"
        )
    ]
    index = importing.RestaurantIndex(refs)
    names = {r.id: r.display_name for r in refs}
    keys = _row_keys(raw_rows, bank=bank)
    dates = [k[0] for k in keys]
    amounts = {k[1] for k in keys}
    existing = []
    window = importing.duplicate_window(dates, bank_days=bank_days)
    if window and amounts:
        # Plain tuples, not model instances: a 2,000-row file can touch most of a year.
        rows = list(
            Expense.objects.filter(user=user, date__range=window, amount__in=amounts).values_list(
                "id",
                "date",
                "time",
                "cleared_date",
                "amount",
                "kind",
                "restaurant_id",
                "category_id",
                "meal_type",
                "order_type",
                "party_size",
                "notes",
            )
        )
        by_amount: dict[tuple, list] = {}
        for r in rows:
            by_amount.setdefault((r[4], r[5]), []).append(r)
        # Tags matter only for the expenses that some row could actually match.
        before = timedelta(days=max(importing.DUPLICATE_WINDOW_DAYS, bank_days))
        after = timedelta(days=importing.DUPLICATE_WINDOW_DAYS)
        wanted = {
            r[0]
            for parsed_date, parsed_amount, parsed_kind in keys
            for r in by_amount.get((parsed_amount, parsed_kind), ())
            if parsed_date - before <= r[1] <= parsed_date + after
        }
        tags_by_expense: dict[int, list[str]] = {}
        for expense_id, tag_name in (
            ExpenseTag.objects.filter(expense_id__in=wanted)
            .order_by("expense_id", "position", "id")
            .values_list("expense_id", "tag__name")
        ):
            tags_by_expense.setdefault(expense_id, []).append(tag_name)
        for r in rows:
            if r[0] not in wanted:
                continue
            tags = tags_by_expense.get(r[0], [])
            values = {
                "amount": str(r[4]),
                "kind": r[5],
                "date": r[1].isoformat(),
                "time": r[2].isoformat() if r[2] else None,
                "cleared_date": r[3].isoformat() if r[3] else None,
                "meal_type": r[8],
                "order_type": r[9],
                "party_size": r[10],
                "category": category_names.get(r[7], ""),
                "notes": r[11],
                "tags": tags,
            }
            fingerprint = (
                values["date"],
                values["time"],
                values["cleared_date"],
                values["amount"],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                tuple(t.lower() for t in tags),
                r[11],
            )
            existing.append(
                importing.ExistingExpense(
                    id=r[0],
                    date=r[1],
                    amount=r[4],
                    kind=r[5],
                    restaurant_id=r[6],
                    restaurant_name=names.get(r[6], ""),
                    fingerprint=fingerprint,
                    cleared_date=r[3],
                    values=values,
                )
            )
    duplicates = importing.DuplicateIndex(existing)

    def duplicates_for(row, restaurant_id):
        return duplicates.find(
            amount=Decimal(row.amount), kind=row.kind, on=date.fromisoformat(row.date), restaurant_id=restaurant_id
        )

    def bank_matches_for(row, restaurant_ids):
        return duplicates.find_bank(
            amount=Decimal(row.amount),
            kind=row.kind,
            cleared=date.fromisoformat(row.cleared_date),
            restaurant_ids=restaurant_ids,
            days=bank_days,
        )

    return importing.build_review(
        raw_rows,
        restaurants=index,
        duplicates_for=duplicates_for,
        bank_matches_for=bank_matches_for,
        categories=categories,
        unescape=unescape,
        bank=bank,
    )


def _row_keys(raw_rows: list[dict], *, bank: bool) -> list[tuple[date, Decimal, str]]:
    """(date, amount, kind) of every row that parses, for the duplicate lookup."""
    keys = []
    for raw in raw_rows:
        try:
            day = importing.parse_date(
                raw.get("date") if raw.get("date") not in (None, "") else raw.get("cleared_date")
            )
            amount, kind = importing.parse_amount(raw.get("amount"), bank=bank)
            kind = importing.parse_kind(raw.get("kind")) or kind
        except ValueError:
            continue
        keys.append((day, amount, kind))
    return keys


@transaction.atomic
def import_draft_create(*, user, filename: str, data: bytes) -> ImportDraft:
    """Parse and review an upload; raises ValidationError({"file": ...}) for a bad file.
    Nothing but the draft is written until apply."""
    try:
        raw_rows, info = importing.read_upload(data, filename)
    except importing.ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    rows = import_review_build(
        user=user,
        raw_rows=raw_rows,
        unescape=filename.lower().endswith(".csv"),
        bank=info["source"] in importing.BANK_SOURCES,
    )
    missing = sorted({r["missing_category"] for r in rows if r.get("missing_category")}, key=str.lower)
    return ImportDraft.objects.create(
        user=user,
        filename=filename[:255],
        rows=rows,
        row_count=len(rows),
        missing_categories=missing,
        expires_at=timezone.now() + IMPORT_DRAFT_TTL,
    )


EXPENSE_ACTIONS = ("create", "update", "skip", "clear")


def _decision_errors(decision: dict, row: dict, owned_restaurants: set[int]) -> str | None:
    action = decision["expense_action"]
    if action not in EXPENSE_ACTIONS:
        return "expense_action must be create, update, clear or skip"
    if action in ("update", "clear"):
        allowed = {d["id"] for d in row.get("duplicates", [])}
        if decision.get("duplicate_id") not in allowed:
            return "duplicate_id must be one of the row's possible duplicates"
        if action == "clear" and not row.get("cleared_date"):
            return "the row has no cleared date to set"
        unknown = set(decision.get("fields") or ()) - set(importing.UPDATE_FIELDS)
        if unknown:
            return f"fields must be among {', '.join(importing.UPDATE_FIELDS)} (not {', '.join(sorted(unknown))})"
        return None  # an update keeps the expense's restaurant: the restaurant decision does not apply
    restaurant_action = decision["restaurant_action"]
    if restaurant_action == "decide":
        return "several restaurants match equally well: choose one (restaurant_action match or create)"
    if restaurant_action not in ("match", "create"):
        return "restaurant_action must be match or create"
    if restaurant_action == "match" and decision.get("restaurant_id") not in owned_restaurants:
        return "restaurant_id must be one of your restaurants"
    if restaurant_action == "create":
        exact = [c for c in row.get("candidates", []) if c["score"] >= importing.EXACT_DISPLAY_SCORE]
        if exact:
            return f"“{exact[0]['name']}” already exists: match it instead of creating another"
    return None


def _import_plan(draft: ImportDraft, decisions: dict, owned_restaurants: set[int], create_missing: bool) -> list:
    """Each row with its effective decision; raises (writing nothing) naming every bad line."""
    errors = []
    plan = []
    for row in draft.rows:
        decision = {
            "restaurant_action": row["restaurant_action"],
            "restaurant_id": row["suggested_restaurant_id"],
            "expense_action": row["expense_action"],
            "duplicate_id": row["duplicate_id"],
            **decisions.get(row["line"], {}),
        }
        blocking = set(row["errors"]) - ({"category"} if create_missing else set())
        if blocking or (row["errors"] and decision["expense_action"] != "skip" and not create_missing):
            decision["expense_action"] = "skip"
        if decision["expense_action"] != "skip":
            problem = _decision_errors(decision, row, owned_restaurants)
            if problem:
                errors.append(f"line {row['line']}: {problem}")
        plan.append((row, decision))
    if errors:
        raise ValidationError({"decisions": errors})
    return plan


def _update_fields_for(row: dict, decision: dict) -> list[str]:
    if decision["expense_action"] == "clear":
        return ["cleared_date"]
    if decision.get("fields") is not None:
        return [f for f in importing.UPDATE_FIELDS if f in decision["fields"]]
    chosen = next((d for d in row["duplicates"] if d["id"] == decision["duplicate_id"]), None)
    if chosen is not None and "take" in chosen:
        return list(chosen["take"])
    return [f for f in importing.UPDATE_FIELDS if f not in ("date", "time") or row.get("visit_date_known", True)]


def _row_model_values(row: dict, category_id: int | None) -> dict:
    return {
        "kind": row["kind"],
        "amount": Decimal(row["amount"]),
        "date": date.fromisoformat(row["date"]),
        "time": time.fromisoformat(row["time"]) if row["time"] else None,
        "cleared_date": date.fromisoformat(row["cleared_date"]) if row["cleared_date"] else None,
        "meal_type": row["meal_type"],
        "order_type": row["order_type"],
        "party_size": row["party_size"],
        "category_id": category_id,
        "notes": row["notes"],
    }


def _clean_or_collect(obj, exclude: list[str], line: int, errors: list[str]) -> None:
    """The model's own field rules (validators, choices, lengths) in Python, without the
    per-row queries full_clean() makes for foreign keys and check constraints; the database
    constraints stay as the last guard."""
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            errors.append(f"line {line}: {field_name}: {' '.join(messages)}")


def _names_resolve(model, *, user, names: list[str], reason: str, extra=None) -> dict[str, int]:
    """lower-cased name -> id for the user's rows of `model` (Category or Tag), creating the
    missing ones in one bulk insert (with their history rows)."""
    found = {name.lower(): pk for pk, name in model.objects.filter(user=user).values_list("id", "name")}
    new = []
    for name in names:
        if name.lower() not in found:
            found[name.lower()] = None
            new.append(model(user=user, name=name, **(extra or {})))
    if new:
        for obj in bulk_create_with_history(new, model, default_user=user, default_change_reason=reason):
            found[obj.name.lower()] = obj.pk
    return found


# Checked elsewhere (owner, foreign keys resolved from the user's own rows) or set by us.
EXPENSE_CLEAN_EXCLUDE = ["id", "user", "restaurant", "category", "receipt", "created_at", "updated_at", "deleted_at"]
_ADAPTED_FIELDS = (models.DateField, models.TimeField, models.DecimalField)  # DateTimeField is a DateField


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT plain dicts (keyed by attname) with one executemany: no model instances and no SQL
    compiled per batch. For the bulk rows of an import whose ids are never needed (history rows,
    tag links); dates, times and decimals go through the field's own database preparation."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    adapted = [isinstance(f, _ADAPTED_FIELDS) for f in fields]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Bandit B608: table and column names come from the model's meta, every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - see above # nosec B608
    prepared: dict[tuple[int, object], object] = {}  # an import repeats its dates and timestamps

    def prep(index: int, value):
        if value is None or not adapted[index]:
            return value
        key = (index, value)
        if key not in prepared:
            prepared[key] = fields[index].get_db_prep_save(value, connection)
        return prepared[key]

    params = [[prep(i, row[f.attname]) for i, f in enumerate(fields)] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def history_rows(objs, *, history_type: str, user, reason: str, when) -> list[dict]:
    """What simple-history's bulk_history_create writes, as plain dicts for `insert_rows`."""
    tracked = objs[0].__class__.history.model.tracked_fields if objs else []
    rows = []
    for obj in objs:
        row = {}
        for f in tracked:
            value = getattr(obj, f.attname)
            row[f.attname] = value.name or "" if isinstance(value, FieldFile) else value
        row.update(history_date=when, history_change_reason=reason, history_type=history_type, history_user_id=user.pk)
        rows.append(row)
    return rows


@transaction.atomic
def import_draft_apply(
    *, user, draft: ImportDraft, decisions: dict[int, dict] | None = None, create_missing_categories: bool = False
) -> dict:
    """Apply a reviewed draft atomically, set-based: every row is validated in Python first (the
    model's field rules), restaurants, categories and tags are resolved once for the whole
    import, and expenses are written with bulk inserts/updates (each with its history row,
    whose change reason names the import). The number of queries does not grow with the rows
    (beyond the database's own batching of very large inserts).

    Applying an applied draft returns its first result and changes nothing. Any invalid
    decision or value raises before anything is written."""
    draft = ImportDraft.objects.select_for_update().get(pk=draft.pk, user=user)
    if draft.kind != ImportDraft.Kind.EXPENSES:
        raise ValidationError({"draft": "This is a restaurant import; apply it on its review page."})
    if draft.status == ImportDraft.Status.APPLIED:
        return {**draft.result, "already_applied": True}
    if draft.expires_at <= timezone.now():
        raise ValidationError({"draft": "This import draft has expired; upload the file again."})
    decisions = decisions or {}
    unknown_lines = set(decisions) - {r["line"] for r in draft.rows}
    if unknown_lines:
        raise ValidationError({"decisions": f"Unknown line numbers: {sorted(unknown_lines)}."})
    restaurant_keys = {
        (name.lower(), location.lower(), city.lower()): pk
        for pk, name, location, city in Restaurant.objects.filter(user=user).values_list(
            "id", "name", "location_name", "city"
        )
    }
    plan = _import_plan(draft, decisions, set(restaurant_keys.values()), create_missing_categories)
    reason = f"Import “{draft.filename}”"[:100]
    now = timezone.now()

    # 1. Build and validate every write in Python; nothing touches the database yet.
    errors: list[str] = []
    targets = Expense.objects.in_bulk(
        [d["duplicate_id"] for _, d in plan if d["expense_action"] in ("update", "clear")]
    )
    new_restaurants: dict[tuple[str, str, str], Restaurant] = {}
    creates, updates, tag_names = [], [], []
    updated_by: dict[int, int] = {}
    counts = {"imported": 0, "updated": 0, "skipped": 0, "restaurants_created": 0}
    per_row = []
    for row, decision in plan:
        action = decision["expense_action"]
        line = row["line"]
        if action == "skip":
            counts["skipped"] += 1
            per_row.append({"line": line, "action": "skipped", "expense_id": decision.get("duplicate_id")})
            continue
        if action in ("update", "clear"):
            expense = targets.get(decision["duplicate_id"])
            if expense is None or expense.user_id != user.pk:
                errors.append(f"line {line}: duplicate_id must be one of the row's possible duplicates")
                continue
            if expense.pk in updated_by:
                errors.append(f"line {line}: expense #{expense.pk} is already updated by line {updated_by[expense.pk]}")
                continue
            updated_by[expense.pk] = line
            fields = _update_fields_for(row, decision)
            values = _row_model_values(row, None)
            for name in fields:
                if name not in ("category", "tags"):
                    setattr(expense, name, values[name])
            expense.updated_at = now
            _clean_or_collect(expense, EXPENSE_CLEAN_EXCLUDE, line, errors)
            updates.append((row, expense, fields))
            tag_names.extend(row["tags"] if "tags" in fields else [])
            continue
        restaurant_key = None
        if decision["restaurant_action"] == "create":
            restaurant_key = (row["restaurant"].lower(), row["location_name"].lower(), row["city"].lower())
            if restaurant_key not in restaurant_keys and restaurant_key not in new_restaurants:
                restaurant = Restaurant(
                    user=user,
                    name=row["restaurant"],
                    location_name=row["location_name"],
                    address_line_1=row["address"],
                    city=row["city"],
                    state=row["state"],
                    postal_code=row["postal_code"],
                )
                _clean_or_collect(restaurant, ["user"], line, errors)
                new_restaurants[restaurant_key] = restaurant
        expense = Expense(
            user=user,
            restaurant_id=decision.get("restaurant_id"),
            created_at=now,
            updated_at=now,
            **_row_model_values(row, None),
        )
        _clean_or_collect(expense, EXPENSE_CLEAN_EXCLUDE, line, errors)
        creates.append((row, expense, restaurant_key))
        tag_names.extend(row["tags"])
    if errors:
        raise ValidationError({"decisions": errors})

    # 2. Resolve categories, tags and new restaurants once for the whole import.
    categories = _category_lookup(user)
    category_ids = {key: pk for key, (pk, _) in categories.items()}
    if create_missing_categories and draft.missing_categories:
        category_ids = _names_resolve(Category, user=user, names=draft.missing_categories, reason=reason)
    tag_ids = _names_resolve(Tag, user=user, names=importing.parse_tags(tag_names), reason=reason) if tag_names else {}
    if new_restaurants:
        bulk_create_with_history(
            list(new_restaurants.values()), Restaurant, default_user=user, default_change_reason=reason
        )
        restaurant_keys.update({key: r.pk for key, r in new_restaurants.items()})
        merchant_link_restaurants(user=user, restaurants=list(new_restaurants.values()))
        counts["restaurants_created"] = len(new_restaurants)

    # 3. Write the expenses and their tag links in bulk.
    for row, expense, restaurant_key in creates:
        if restaurant_key is not None:
            expense.restaurant_id = restaurant_keys[restaurant_key]
        expense.category_id = category_ids.get(row["category"].lower()) if row["category"] else None
    # SQLite (3.35+) and PostgreSQL return the new ids, so the instances get their pk here.
    new_expenses = Expense.objects.bulk_create([expense for _, expense, _ in creates])
    history = history_rows(new_expenses, history_type="+", user=user, reason=reason, when=now)
    update_fields = {"updated_at"}
    for row, expense, fields in updates:
        if "category" in fields:
            expense.category_id = category_ids.get(row["category"].lower()) if row["category"] else None
        update_fields.update("category" if f == "category" else f for f in fields if f != "tags")
    if updates:
        changed = [expense for _, expense, _ in updates]
        Expense.objects.bulk_update(changed, sorted(update_fields))
        history += history_rows(changed, history_type="~", user=user, reason=reason, when=now)
    insert_rows(Expense.history.model, history)
    retagged = [expense.pk for row, expense, fields in updates if "tags" in fields]
    if retagged:
        ExpenseTag.objects.filter(expense_id__in=retagged).delete()
    insert_rows(
        ExpenseTag,
        [
            {"expense_id": expense.pk, "tag_id": tag_ids[name.lower()], "position": position}
            for row, expense, *_ in [*creates, *[(r, e, f) for r, e, f in updates if "tags" in f]]
            for position, name in enumerate(row["tags"])
        ],
    )

    for row, expense, _ in creates:
        counts["imported"] += 1
        per_row.append({"line": row["line"], "action": "imported", "expense_id": expense.pk})
    for row, expense, _ in updates:
        counts["updated"] += 1
        per_row.append({"line": row["line"], "action": "updated", "expense_id": expense.pk})
    per_row.sort(key=lambda r: r["line"])
    result = {**counts, "rows": per_row}
    draft.status = ImportDraft.Status.APPLIED
    draft.applied_at = now
    draft.result = result
    draft.save(update_fields=["status", "applied_at", "result", "updated_at"])
    return {**result, "already_applied": False}


# --------------------------------------------------------------------------- restaurant import
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
    draft = ImportDraft.objects.select_for_update().get(pk=draft.pk, user=user)
    if draft.kind != ImportDraft.Kind.RESTAURANTS:
        raise ValidationError({"draft": "This is an expense import."})
    if draft.status == ImportDraft.Status.APPLIED:
        return {**draft.result, "already_applied": True}
    if draft.expires_at <= timezone.now():
        raise ValidationError({"draft": "This import draft has expired; upload the file again."})
    decisions = decisions or {}
    unknown_lines = set(decisions) - {r["line"] for r in draft.rows}
    if unknown_lines:
        raise ValidationError({"decisions": f"Unknown line numbers: {sorted(unknown_lines)}."})
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


def import_drafts_purge_expired() -> int:
    deleted, _ = ImportDraft.objects.filter(Q(expires_at__lte=timezone.now())).delete()
    return deleted
