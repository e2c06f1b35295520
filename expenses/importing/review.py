"""Restaurant matching, duplicate and bank-match detection and the review of every row — plain Python, no ORM.

The service layer (services.import_draft_create) loads the user's restaurants, categories
and nearby expenses once, hands them to `build_review` as plain tuples, and stores the
result as JSON in an ImportDraft. Everything here is deterministic and tested on its own."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .parsing import CLEARED_LAG_WARNING_DAYS, ParsedRow, parse_row
from .reading import is_blank_row

DUPLICATE_WINDOW_DAYS = 3
BANK_MATCH_DAYS = 14  # default; each user can change it (ExpenseProfile.bank_match_days)
MAX_CANDIDATES = 10
EXACT_DISPLAY_SCORE = 130  # a candidate at or above this has exactly the row's display name
EXACT_NAME_SCORE = 100
# Fields a row can update on an existing expense, one checkbox each in the review.
UPDATE_FIELDS = (
    "amount",
    "kind",
    "date",
    "time",
    "cleared_date",
    "meal_type",
    "order_type",
    "party_size",
    "category",
    "notes",
    "tags",
)


# --------------------------------------------------------------------------- matching
_DROP_WORDS = {"the", "app", "online", "order", "mobile"}


def normalize_name(text: str) -> str:
    text = str(text or "").lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(w for w in text.split() if w not in _DROP_WORDS)


@dataclass(frozen=True)
class RestaurantRef:
    id: int
    name: str
    location_name: str = ""
    address: str = ""
    city: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.name} - {self.location_name}" if self.location_name else self.name


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    score: int
    reason: str


class RestaurantIndex:
    """The user's restaurants indexed once so each row is matched without a scan per rule."""

    def __init__(self, restaurants: list[RestaurantRef]):
        self.restaurants = restaurants
        self.by_display: dict[str, list[RestaurantRef]] = defaultdict(list)
        self.by_name: dict[str, list[RestaurantRef]] = defaultdict(list)
        self.by_address: dict[str, list[RestaurantRef]] = defaultdict(list)
        self.by_words2: dict[str, list[RestaurantRef]] = defaultdict(list)
        self.by_words3: dict[str, list[RestaurantRef]] = defaultdict(list)
        self.normalized: list[tuple[str, RestaurantRef]] = []
        self.addresses: list[tuple[str, RestaurantRef]] = []
        for ref in restaurants:
            self.by_display[normalize_name(ref.display_name)].append(ref)
            name = normalize_name(ref.name)
            self.by_name[name].append(ref)
            if ref.address:
                normalized_address = normalize_name(ref.address)
                self.by_address[normalized_address].append(ref)
                self.addresses.append((normalized_address, ref))
            words = name.split()
            if len(words) >= 2:
                self.by_words2[" ".join(words[:2])].append(ref)
            if len(words) >= 3:
                self.by_words3[" ".join(words[:3])].append(ref)
            self.normalized.append((name, ref))
        self._cache: dict[tuple[str, str, str], list[Candidate]] = {}

    def candidates(self, payee: str, location_name: str = "", address: str = "") -> list[Candidate]:
        key = (payee, location_name, address)
        if key not in self._cache:
            self._cache[key] = self._candidates(payee, location_name, address)
        return self._cache[key]

    def _candidates(self, payee: str, location_name: str, address: str) -> list[Candidate]:
        best: dict[int, Candidate] = {}

        def offer(ref: RestaurantRef, score: int, reason: str) -> None:
            current = best.get(ref.id)
            if current is None or score > current.score:
                best[ref.id] = Candidate(id=ref.id, name=ref.display_name, score=score, reason=reason)

        display = normalize_name(f"{payee} - {location_name}" if location_name else payee)
        name = normalize_name(payee)
        addr = normalize_name(address)
        for ref in self.by_display.get(display, ()):
            if addr and normalize_name(ref.address) == addr:
                offer(ref, 160, "exact display name and address")
            else:
                offer(ref, EXACT_DISPLAY_SCORE, "exact display name")
        if addr:
            for ref in self.by_address.get(addr, ()):
                offer(ref, 120, "exact address")
        for ref in self.by_name.get(name, ()):
            offer(ref, EXACT_NAME_SCORE, "exact name, other location")
        words = name.split()
        if len(words) >= 3:
            for ref in self.by_words3.get(" ".join(words[:3]), ()):
                offer(ref, 88, "shared prefix (first three words)")
        if len(words) >= 2:
            for ref in self.by_words2.get(" ".join(words[:2]), ()):
                offer(ref, 84, "shared prefix (first two words)")
        exact = any(c.score >= EXACT_DISPLAY_SCORE for c in best.values())
        # The substring scans are the costly part; an exact name match makes them moot.
        if len(name) >= 4 and not exact:
            for other, ref in self.normalized:
                if len(other) >= 4 and (name in other or other in name):
                    offer(ref, 80, "partial name")
        if addr and len(addr) >= 6 and not exact:
            for ref_addr, ref in self.addresses:
                if ref_addr != addr and (addr in ref_addr or ref_addr in addr):
                    offer(ref, 95, "partial address")
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.name.lower(), c.id))
        return ranked[:MAX_CANDIDATES]


def suggest_restaurant(candidates: list[Candidate]) -> int | None:
    """The best candidate when it is clearly the best; else none (the user decides).

    Clearly the best: the only candidate, or an exact display-name match scoring higher than
    every other candidate. Two equally good candidates are never chosen between automatically."""
    if len(candidates) == 1:
        return candidates[0].id
    if len(candidates) >= 2:
        first, second = candidates[0], candidates[1]
        if first.score >= EXACT_DISPLAY_SCORE and first.score > second.score:
            return first.id
    return None


def restaurant_default_action(candidates: list[Candidate], suggested: int | None) -> str:
    """match (a clear choice) / decide (equally good or same-name candidates: the user must
    choose; creating would make a second restaurant of that name) / create (nothing close)."""
    if suggested is not None:
        return "match"
    if any(c.score >= EXACT_NAME_SCORE for c in candidates):
        return "decide"
    return "create"


# --------------------------------------------------------------------------- duplicates
@dataclass(frozen=True)
class ExistingExpense:
    id: int
    date: date
    amount: Decimal
    kind: str
    restaurant_id: int
    restaurant_name: str
    fingerprint: tuple = ()
    cleared_date: date | None = None
    # The expense's current values of UPDATE_FIELDS, as the review shows them (JSON-ready).
    values: dict = field(default_factory=dict, compare=False)


class DuplicateIndex:
    """Existing expenses by amount, so each row looks at a handful, not the whole account."""

    def __init__(self, expenses: list[ExistingExpense]):
        self.by_amount: dict[tuple[Decimal, str], list[ExistingExpense]] = defaultdict(list)
        for expense in expenses:
            self.by_amount[(expense.amount, expense.kind)].append(expense)

    def find(self, *, amount: Decimal, kind: str, on: date, restaurant_id: int | None) -> list[ExistingExpense]:
        window = timedelta(days=DUPLICATE_WINDOW_DAYS)
        found = [e for e in self.by_amount.get((amount, kind), ()) if abs(e.date - on) <= window]
        # Same restaurant first, then the closest date: the likeliest duplicate leads.
        return sorted(found, key=lambda e: (e.restaurant_id != restaurant_id, abs((e.date - on).days), e.id))

    def find_bank(
        self, *, amount: Decimal, kind: str, cleared: date, restaurant_ids: set[int], days: int
    ) -> list[ExistingExpense]:
        """Expenses a bank row (which knows only the cleared date) can be the charge of: same
        amount and kind, one of the row's restaurants, visited from `days` before the cleared
        date up to that date. Not yet cleared ones first, then the closest visit."""
        earliest = cleared - timedelta(days=days)
        found = [
            e
            for e in self.by_amount.get((amount, kind), ())
            if e.restaurant_id in restaurant_ids and earliest <= e.date <= cleared
        ]
        return sorted(found, key=lambda e: (e.cleared_date not in (None, cleared), (cleared - e.date).days, e.id))


def duplicate_window(dates: list[date], *, bank_days: int = 0) -> tuple[date, date] | None:
    if not dates:
        return None
    span = timedelta(days=DUPLICATE_WINDOW_DAYS)
    return min(dates) - max(span, timedelta(days=bank_days)), max(dates) + span


def row_values(row: ParsedRow) -> dict:
    """The row's values of UPDATE_FIELDS in the same JSON shape as ExistingExpense.values."""
    return {
        "amount": row.amount,
        "kind": row.kind,
        "date": row.date,
        "time": row.time,
        "cleared_date": row.cleared_date,
        "meal_type": row.meal_type,
        "order_type": row.order_type,
        "party_size": row.party_size,
        "category": row.category,
        "notes": row.notes,
        "tags": list(row.tags),
    }


def _same(field_name: str, current, incoming) -> bool:
    if field_name == "tags":
        return [t.lower() for t in current or []] == [t.lower() for t in incoming or []]
    if field_name == "category":
        return (current or "").lower() == (incoming or "").lower()
    return current == incoming


def field_changes(row: ParsedRow, existing: ExistingExpense) -> tuple[dict, list[str]]:
    """-> ({field: [current, incoming]} for every differing field, fields to take by default).

    By default a row's non-blank values are taken; a blank in the file (no meal type, no notes)
    is shown but not taken, so an update never wipes what the user entered by hand. A bank
    row's stand-in visit date and time are never offered."""
    incoming = row_values(row)
    changes, take = {}, []
    for name in UPDATE_FIELDS:
        if name in ("date", "time") and not row.visit_date_known:
            continue
        current = existing.values.get(name)
        if _same(name, current, incoming[name]):
            continue
        changes[name] = [current, incoming[name]]
        if incoming[name] not in (None, "", []):
            take.append(name)
    return changes, take


def row_fingerprint(row: ParsedRow, restaurant_id: int | None) -> tuple:
    """What makes two expenses identical (used to default to skip rather than update)."""
    return (
        row.date,
        row.time,
        row.cleared_date,
        row.amount,
        row.kind,
        restaurant_id,
        row.category_id,
        row.meal_type,
        row.order_type,
        row.party_size,
        tuple(t.lower() for t in row.tags),
        row.notes,
    )


# --------------------------------------------------------------------------- review
def build_review(
    raw_rows: list[dict],
    *,
    restaurants: RestaurantIndex,
    duplicates_for,
    categories: dict[str, tuple[int, str]],
    unescape: bool = False,
    bank: bool = False,
    bank_matches_for=None,
) -> list[dict]:
    """Every row parsed, matched and checked for duplicates, with a default decision.

    `duplicates_for(row, restaurant_id)` returns existing ExistingExpense candidates (±3 days);
    `bank_matches_for(row, restaurant_ids)` those a bank row (cleared date, no visit date) can
    be the charge of. Each row's `expense_action` is create / update / skip / clear (set the
    matched expense's cleared date); `restaurant_action` is match / create / decide."""
    review = []
    seen_in_file: dict[tuple, int] = {}
    claimed: dict[int, int] = {}  # expense id -> the line whose bank row already clears it
    for index, raw in enumerate(raw_rows, start=1):
        if is_blank_row(raw):
            continue
        line = raw.get("line") or index
        row = parse_row(
            {k: v for k, v in raw.items() if k != "line"},
            line=line,
            categories=categories,
            unescape=unescape,
            bank=bank,
        )
        # A shallow copy with fresh containers: dataclasses.asdict is slow on 2,000 rows.
        entry = {**row.__dict__, "tags": list(row.tags), "errors": dict(row.errors), "warnings": list(row.warnings)}
        candidates = restaurants.candidates(row.restaurant, row.location_name, row.address) if row.restaurant else []
        suggested = suggest_restaurant(candidates)
        entry["candidates"] = [{"id": c.id, "name": c.name, "score": c.score, "reason": c.reason} for c in candidates]
        entry["suggested_restaurant_id"] = suggested
        entry["duplicates"] = []
        entry["restaurant_action"] = restaurant_default_action(candidates, suggested)
        if entry["restaurant_action"] == "decide":
            entry["warnings"].append(
                "several restaurants match equally well: choose one (or create a new one for another location)"
            )
        entry["expense_action"] = "create"
        entry["duplicate_id"] = None
        entry["missing_category"] = row.category if "category" in row.errors else ""
        if set(row.errors) - {"category"}:
            # Unparseable rows cannot be applied; an unknown category alone can be fixed at
            # apply time by creating the missing categories.
            entry["expense_action"] = "skip"
            review.append(entry)
            continue
        fingerprint = row_fingerprint(row, suggested)
        matches: list[dict] = []
        if not row.visit_date_known and bank_matches_for is not None and candidates:
            ids = {suggested} if suggested is not None else {c.id for c in candidates}
            for found in bank_matches_for(row, ids):
                if found.id in claimed:
                    continue
                lag = (date.fromisoformat(row.cleared_date) - found.date).days
                changes, _ = field_changes(row, found)
                matches.append(
                    {
                        "id": found.id,
                        "date": found.date.isoformat(),
                        "amount": str(found.amount),
                        "restaurant": found.restaurant_name,
                        "same_restaurant": found.restaurant_id == suggested,
                        "identical": found.cleared_date is not None
                        and found.cleared_date.isoformat() == row.cleared_date,
                        "bank_match": True,
                        "days_before_cleared": lag,
                        "changes": changes,
                        "take": ["cleared_date"] if "cleared_date" in changes else [],
                    }
                )
        dupes = duplicates_for(row, suggested)
        known = {m["id"] for m in matches}
        for d in dupes:
            if d.id in known or len(matches) >= MAX_CANDIDATES:
                continue
            changes, take = field_changes(row, d)
            matches.append(
                {
                    "id": d.id,
                    "date": d.date.isoformat(),
                    "amount": str(d.amount),
                    "restaurant": d.restaurant_name,
                    "same_restaurant": d.restaurant_id == suggested,
                    "identical": d.fingerprint == fingerprint,
                    "bank_match": False,
                    "changes": changes,
                    "take": take,
                }
            )
        entry["duplicates"] = matches
        if matches:
            first = matches[0]
            entry["duplicate_id"] = first["id"]
            if first["bank_match"]:
                claimed[first["id"]] = line
                entry["expense_action"] = "skip" if first["identical"] else "clear"
                if first["days_before_cleared"] > CLEARED_LAG_WARNING_DAYS:
                    entry["warnings"].append(
                        f"matches the expense of {first['date']} (${first['amount']} at {first['restaurant']}, "
                        f"#{first['id']}), {first['days_before_cleared']} days before it cleared"
                    )
            elif any(d["identical"] for d in matches):
                entry["expense_action"] = "skip"
                entry["duplicate_id"] = next(d["id"] for d in matches if d["identical"])
            elif first["same_restaurant"]:
                entry["expense_action"] = "update"
        in_file_key = fingerprint[:6]
        if in_file_key in seen_in_file:
            entry["warnings"].append(f"same amount, date and restaurant as line {seen_in_file[in_file_key]}")
        else:
            seen_in_file[in_file_key] = line
        review.append(entry)
    return review
