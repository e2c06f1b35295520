"""The expense file import: review build (a few flat queries, then the plain-Python
`expenses.importing` pipeline), the draft, and the set-based apply."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .. import importing
from ..models import Category, Expense, ExpenseProfile, ExpenseTag, ImportDraft, Restaurant, Tag
from .bulk import EXPENSE_CLEAN_EXCLUDE, history_rows, insert_instances, insert_rows, names_resolve
from .categories import category_defaults_ensure
from .merchants import merchant_link_restaurants

IMPORT_DRAFT_TTL = timedelta(days=14)


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


def draft_lock_for_apply(
    *, user, draft: ImportDraft, kind: str, wrong_kind: str, decisions: dict
) -> tuple[ImportDraft, dict | None]:
    """Lock the user's draft for applying (expense and restaurant imports alike). A draft of the
    other kind, an expired draft or a decision for a line the draft does not have is refused; an
    applied draft is returned with its first result (applying twice changes nothing)."""
    draft = ImportDraft.objects.select_for_update().get(pk=draft.pk, user=user)
    if draft.kind != kind:
        raise ValidationError({"draft": wrong_kind})
    if draft.status == ImportDraft.Status.APPLIED:
        return draft, {**draft.result, "already_applied": True}
    if draft.expires_at <= timezone.now():
        raise ValidationError({"draft": "This import draft has expired; upload the file again."})
    unknown_lines = set(decisions) - {r["line"] for r in draft.rows}
    if unknown_lines:
        raise ValidationError({"decisions": f"Unknown line numbers: {sorted(unknown_lines)}."})
    return draft, None


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
    decisions = decisions or {}
    draft, applied = draft_lock_for_apply(
        user=user,
        draft=draft,
        kind=ImportDraft.Kind.EXPENSES,
        wrong_kind="This is a restaurant import; apply it on its review page.",
        decisions=decisions,
    )
    if applied is not None:
        return applied
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
        category_ids = names_resolve(Category, user=user, names=draft.missing_categories, reason=reason)
    tag_ids = names_resolve(Tag, user=user, names=importing.parse_tags(tag_names), reason=reason) if tag_names else {}
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
    new_expenses = [expense for _, expense, _ in creates]
    insert_instances(Expense, new_expenses)
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


def import_drafts_purge_expired() -> int:
    deleted, _ = ImportDraft.objects.filter(Q(expires_at__lte=timezone.now())).delete()
    return deleted
