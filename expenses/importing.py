"""Import parsing, restaurant matching and duplicate detection — plain Python, no ORM.

The service layer (services.import_draft_create) loads the user's restaurants, categories
and nearby expenses once, hands them to `build_review` as plain tuples, and stores the
result as JSON in an ImportDraft. Everything here is deterministic and tested on its own.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from project.csv import cell_unescape

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
MAX_AMOUNT = Decimal("100000.00")
DUPLICATE_WINDOW_DAYS = 3
MAX_CANDIDATES = 5

MEAL_TYPES = (
    "breakfast",
    "brunch",
    "lunch",
    "dinner",
    "snacks",
    "drinks",
    "dessert",
    "late_night",
    "groceries",
    "other",
)
ORDER_TYPES = ("dine_in", "takeout", "delivery", "drive_thru", "catering", "other")

# Canonical column -> accepted headers (compared after `normalize_header`).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "visit_date", "expense_date", "transaction_date", "day"),
    "time": ("time", "visit_time", "expense_time"),
    "cleared_date": ("cleared_date", "cleared", "posted_date", "posted", "post_date"),
    "amount": ("amount", "total", "price", "cost", "amount_usd"),
    "kind": ("kind", "type_of_amount", "transaction_kind"),
    "restaurant": ("restaurant", "restaurant_name", "payee", "merchant", "vendor", "place", "name", "description"),
    "location_name": ("location_name", "location", "branch", "restaurant_location"),
    "address": ("address", "address_line_1", "street", "restaurant_address"),
    "city": ("city", "restaurant_city", "town"),
    "state": ("state", "region", "province"),
    "postal_code": ("postal_code", "zip", "zip_code", "postcode"),
    "category": ("category", "category_name", "expense_category"),
    "meal_type": ("meal_type", "meal"),
    "order_type": ("order_type", "order", "service"),
    "party_size": ("party_size", "party", "guests", "people", "covers", "diners"),
    "tags": ("tags", "tag", "labels"),
    "notes": ("notes", "note", "memo", "comment", "comments"),
}
_ALIAS_LOOKUP = {alias: canonical for canonical, aliases in HEADER_ALIASES.items() for alias in aliases}
SIMPLIFI_MARKERS = ("payee", "exclusion")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, too big, too many rows, not a list)."""


# --------------------------------------------------------------------------- file reading
def normalize_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


def read_upload(data: bytes, filename: str) -> tuple[list[dict[str, str]], dict]:
    """Bytes of a CSV or JSON file -> (rows keyed by canonical column, file info)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    name = (filename or "").lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file is not UTF-8 text; export it as CSV or JSON.") from exc
    if name.endswith(".json") or (not name.endswith(".csv") and text.lstrip()[:1] in ("[", "{")):
        raw_rows, headers = _read_json(text)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw_rows, headers = _read_csv(text)
    else:
        raise ImportFileError("Upload a .csv or .json file.")
    if not raw_rows:
        raise ImportFileError("The file has no rows.")
    if len(raw_rows) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(raw_rows)} rows; the limit is {MAX_ROWS}.")
    mapping = map_headers(headers)
    if "date" not in mapping.values() and "cleared_date" not in mapping.values():
        raise ImportFileError("No date column found (expected a header such as “date” or “visit_date”).")
    if "amount" not in mapping.values():
        raise ImportFileError("No amount column found (expected a header such as “amount”).")
    normalized = [normalize_header(h) for h in headers]
    simplifi = any(m in normalized for m in SIMPLIFI_MARKERS) and "visit_date" not in normalized
    rows = []
    for raw in raw_rows:
        row = {canonical: raw.get(header) for header, canonical in mapping.items()}
        if simplifi and row.get("date") not in (None, "") and not row.get("cleared_date"):
            # Bank exports: the date is when the charge cleared; it is also our best visit date.
            row["cleared_date"] = row["date"]
        rows.append(row)
    return rows, {"columns": mapping, "source": "simplifi" if simplifi else "generic"}


def map_headers(headers: list[str]) -> dict[str, str]:
    """Original header -> canonical column; the first header claiming a column wins."""
    mapping: dict[str, str] = {}
    claimed: set[str] = set()
    # Exact canonical names first, so `restaurant` beats a generic `description` column.
    for exact_pass in (True, False):
        for header in headers:
            if header in mapping:
                continue
            key = normalize_header(header)
            canonical = _ALIAS_LOOKUP.get(key)
            if canonical is None or canonical in claimed:
                continue
            if exact_pass and key != canonical:
                continue
            mapping[header] = canonical
            claimed.add(canonical)
    return mapping


def _read_csv(text: str) -> tuple[list[dict], list[str]]:
    try:
        reader = csv.DictReader(io.StringIO(text))
        headers = [h for h in (reader.fieldnames or []) if h is not None]
        rows = [dict(r) for r in reader]
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}.") from exc
    if not headers:
        raise ImportFileError("The CSV file has no header row.")
    return rows, headers


def _read_json(text: str) -> tuple[list[dict], list[str]]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"The JSON file is not valid JSON (line {exc.lineno}).") from exc
    if not isinstance(payload, list):
        raise ImportFileError("The JSON file must contain a list of expense objects.")
    headers: list[str] = []
    seen = set()
    for index, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            raise ImportFileError(f"Item {index} of the JSON list is not an object.")
        for key in item:
            if key not in seen:
                seen.add(key)
                headers.append(key)
    return payload, headers


# --------------------------------------------------------------------------- value parsing
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value) -> date:
    """ISO `2025-01-31`, `1/31/2025` (M/D/YYYY or M/D/YY), `7-Mar-26`, `Jan 1, 2025`,
    `January 1 2025`, or an Excel serial number such as 45658. Raises ValueError."""
    if isinstance(value, bool) or value is None:
        raise ValueError("a date is required")
    if isinstance(value, int | float):
        return _excel_serial(float(value))
    text = str(value).strip()
    if not text:
        raise ValueError("a date is required")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", text)
    if match:
        return _make_date(_year(match[3]), int(match[1]), int(match[2]), text)
    match = re.fullmatch(r"(\d{1,2})[- ]([A-Za-z]{3,9})[- ](\d{2}|\d{4})", text)
    if match:
        return _make_date(_year(match[3]), _month(match[2], text), int(match[1]), text)
    match = re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})", text)
    if match:
        return _make_date(int(match[3]), _month(match[1], text), int(match[2]), text)
    if re.fullmatch(r"\d{1,6}(\.\d+)?", text):
        return _excel_serial(float(text))
    raise ValueError(f"“{text}” is not a date (use YYYY-MM-DD, M/D/YYYY, 7-Mar-26 or Jan 1, 2025)")


def _year(text: str) -> int:
    # Two-digit years are this century: bank exports of meals never reach back to the 1900s.
    return 2000 + int(text) if len(text) == 2 else int(text)


def _month(text: str, original: str) -> int:
    month = _MONTHS.get(text[:3].lower())
    if month is None or (len(text) > 3 and not _full_month_ok(text)):
        raise ValueError(f"“{original}” has an unknown month “{text}”")
    return month


def _full_month_ok(text: str) -> bool:
    names = (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "sept",
    )
    return text.lower() in names


def _make_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"“{original}” is not a valid calendar date") from exc


def _excel_serial(number: float) -> date:
    # Serial 1 is 1900-01-01 in Excel; 60 is its fictional 1900-02-29, so count from 1899-12-30.
    if number < 61 or number > 2958465:
        raise ValueError(f"“{number:g}” is not a date (Excel serial numbers start at 61)")
    return EXCEL_EPOCH + timedelta(days=int(number))


def parse_time(value) -> time | None:
    """`19:30`, `19:30:15`, `7:30 PM`, `7 pm`; blank -> None. Raises ValueError."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    else:
        match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*([AaPp])\.?[Mm]\.?", text)
        if not match:
            raise ValueError(f"“{text}” is not a time (use HH:MM or 7:30 PM)")
        hour, minute, second = int(match[1]), int(match[2] or 0), 0
        if not 1 <= hour <= 12:
            raise ValueError(f"“{text}” is not a valid time")
        hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
    try:
        return time(hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"“{text}” is not a valid time") from exc


def parse_amount(value) -> tuple[Decimal, str]:
    """-> (positive amount, kind). `$1,234.56`, `(24.77)` and `-24.77` are expenses of the
    absolute value; a leading `+` marks a refund. Zero, more than two decimals and amounts
    over 100,000 are errors. Raises ValueError."""
    if value is None or isinstance(value, bool):
        raise ValueError("an amount is required")
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = str(value).strip()
    if not text:
        raise ValueError("an amount is required")
    kind = "expense"
    body = text.replace(" ", "")
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    elif body.startswith("+"):
        kind = "refund"
        body = body[1:]
    elif body.startswith("-"):
        body = body[1:]
    body = body.replace("$", "", 1) if body.startswith("$") else body
    if body.startswith(("+", "-")):
        raise ValueError(f"“{text}” has more than one sign")
    if not re.fullmatch(r"(\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+", body):
        raise ValueError(f"“{text}” is not an amount")
    try:
        amount = Decimal(body.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex already rejects these
        raise ValueError(f"“{text}” is not an amount") from exc
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"“{text}” has more than two decimal places")
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise ValueError("the amount must be greater than zero")
    if amount > MAX_AMOUNT:
        raise ValueError(f"the amount must be at most {MAX_AMOUNT:,}")
    return amount, kind


def parse_kind(value) -> str | None:
    text = str(value or "").strip().lower()
    if not text:
        return None
    if text in ("expense", "debit", "charge", "purchase"):
        return "expense"
    if text in ("refund", "credit", "reimbursement"):
        return "refund"
    raise ValueError(f"“{value}” is not a kind (expense or refund)")


def parse_party_size(value) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"“{text}” is not a whole number")
    size = int(text)
    if not 1 <= size <= 50:
        raise ValueError("the party size must be between 1 and 50")
    return size


def parse_choice(value, choices: tuple[str, ...], label: str) -> str:
    text = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    if not text:
        return ""
    text = {
        "takeaway": "takeout",
        "take_out": "takeout",
        "drive_through": "drive_thru",
        "drivethru": "drive_thru",
        "snack": "snacks",
        "late": "late_night",
    }.get(text, text)
    if text not in choices:
        raise ValueError(f"“{value}” is not a {label} ({', '.join(choices)})")
    return text


def normalize_tag(name: str) -> str:
    """Tags are slugs: spaces become hyphens; only letters, digits and hyphens remain."""
    text = re.sub(r"\s+", "-", str(name).strip())
    text = re.sub(r"[^0-9A-Za-z-]", "", text)
    return re.sub(r"-{2,}", "-", text).strip("-")[:50]


def parse_tags(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else re.split(r"[,;|]", str(value))
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = normalize_tag(str(item))
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def _text(value, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


# --------------------------------------------------------------------------- rows
@dataclass
class ParsedRow:
    line: int
    date: str | None = None
    time: str | None = None
    cleared_date: str | None = None
    amount: str | None = None
    kind: str = "expense"
    restaurant: str = ""
    location_name: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    category: str = ""
    category_id: int | None = None
    meal_type: str = ""
    order_type: str = ""
    party_size: int = 1
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_row(raw: dict, *, line: int, categories: dict[str, tuple[int, str]], unescape: bool) -> ParsedRow:
    """One canonical-keyed raw row -> ParsedRow with per-field errors (never raises).

    `categories` maps a lower-cased category name to (id, name)."""
    row = ParsedRow(line=line)

    def text(key: str, limit: int) -> str:
        value = _text(raw.get(key), limit)
        return cell_unescape(value) if unescape else value

    try:
        row.date = parse_date(
            raw.get("date") if raw.get("date") not in (None, "") else raw.get("cleared_date")
        ).isoformat()
    except ValueError as exc:
        row.errors["date"] = str(exc)
    for key, setter in (("time", "time"), ("cleared_date", "cleared_date")):
        try:
            if key == "time":
                parsed_time = parse_time(raw.get("time"))
                row.time = parsed_time.isoformat() if parsed_time else None
            elif raw.get(key) not in (None, ""):
                row.cleared_date = parse_date(raw.get(key)).isoformat()
        except ValueError as exc:
            row.errors[setter] = str(exc)
    raw_kind = None
    try:
        raw_kind = parse_kind(raw.get("kind"))
    except ValueError as exc:
        row.errors["kind"] = str(exc)
    try:
        amount, sign_kind = parse_amount(raw.get("amount"))
        row.amount = str(amount)
        row.kind = raw_kind or sign_kind
    except ValueError as exc:
        row.errors["amount"] = str(exc)
    row.restaurant = text("restaurant", 100)
    if not row.restaurant:
        row.errors["restaurant"] = "a restaurant (payee) is required"
    row.location_name = text("location_name", 100)
    row.address = text("address", 200)
    row.city = text("city", 100)
    row.state = text("state", 100)
    row.postal_code = text("postal_code", 20)
    row.notes = text("notes", 5000)
    category = text("category", 100)
    if ":" in category:
        category = category.rsplit(":", 1)[1].strip()  # "Food:Restaurants" -> "Restaurants"
    row.category = category
    if category:
        found = categories.get(category.lower())
        if found is None:
            row.errors["category"] = f"unknown category “{category}”"
        else:
            row.category_id, row.category = found
    try:
        row.meal_type = parse_choice(raw.get("meal_type"), MEAL_TYPES, "meal type")
    except ValueError as exc:
        row.errors["meal_type"] = str(exc)
    try:
        row.order_type = parse_choice(raw.get("order_type"), ORDER_TYPES, "order type")
    except ValueError as exc:
        row.errors["order_type"] = str(exc)
    try:
        row.party_size = parse_party_size(raw.get("party_size"))
    except ValueError as exc:
        row.errors["party_size"] = str(exc)
    raw_tags = raw.get("tags")
    if unescape and isinstance(raw_tags, str):
        raw_tags = [cell_unescape(t.strip()) for t in re.split(r"[,;|]", raw_tags)]
    row.tags = parse_tags(raw_tags)
    if row.cleared_date and row.date and "date" not in row.errors:
        lag = (date.fromisoformat(row.cleared_date) - date.fromisoformat(row.date)).days
        if lag > 3:
            row.warnings.append(f"cleared {lag} days after the visit")
        elif lag < 0:
            row.warnings.append("cleared before the visit date")
    return row


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
                offer(ref, 160, "same name and address")
            else:
                offer(ref, 130, "same name")
        if addr:
            for ref in self.by_address.get(addr, ()):
                offer(ref, 120, "same address")
        for ref in self.by_name.get(name, ()):
            offer(ref, 100, "same name, other location")
        words = name.split()
        if len(words) >= 3:
            for ref in self.by_words3.get(" ".join(words[:3]), ()):
                offer(ref, 88, "first three words match")
        if len(words) >= 2:
            for ref in self.by_words2.get(" ".join(words[:2]), ()):
                offer(ref, 84, "first two words match")
        exact = any(c.score >= 130 for c in best.values())
        # The substring scans are the costly part; an exact name match makes them moot.
        if len(name) >= 4 and not exact:
            for other, ref in self.normalized:
                if len(other) >= 4 and (name in other or other in name):
                    offer(ref, 80, "name contains the other")
        if addr and len(addr) >= 6 and not exact:
            for ref_addr, ref in self.addresses:
                if ref_addr != addr and (addr in ref_addr or ref_addr in addr):
                    offer(ref, 95, "address contains the other")
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.name.lower(), c.id))
        return ranked[:MAX_CANDIDATES]


def suggest_restaurant(candidates: list[Candidate]) -> int | None:
    """The one exact-name candidate; else the only candidate; else none (the user decides)."""
    exact = [c for c in candidates if c.score >= 130]
    if len(exact) == 1:
        return exact[0].id
    if len(candidates) == 1 and not exact:
        return candidates[0].id
    return None


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


def duplicate_window(dates: list[date]) -> tuple[date, date] | None:
    if not dates:
        return None
    span = timedelta(days=DUPLICATE_WINDOW_DAYS)
    return min(dates) - span, max(dates) + span


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
) -> list[dict]:
    """Every row parsed, matched and checked for duplicates, with a default decision.

    `duplicates_for(row, restaurant_id)` returns existing ExistingExpense candidates."""
    review = []
    seen_in_file: dict[tuple, int] = {}
    for index, raw in enumerate(raw_rows, start=1):
        row = parse_row(raw, line=index, categories=categories, unescape=unescape)
        # A shallow copy with fresh containers: dataclasses.asdict is slow on 2,000 rows.
        entry = {**row.__dict__, "tags": list(row.tags), "errors": dict(row.errors), "warnings": list(row.warnings)}
        candidates = restaurants.candidates(row.restaurant, row.location_name, row.address) if row.restaurant else []
        suggested = suggest_restaurant(candidates)
        entry["candidates"] = [{"id": c.id, "name": c.name, "score": c.score, "reason": c.reason} for c in candidates]
        entry["suggested_restaurant_id"] = suggested
        entry["duplicates"] = []
        entry["restaurant_action"] = "match" if suggested else "create"
        entry["expense_action"] = "create"
        entry["duplicate_id"] = None
        entry["missing_category"] = row.category if "category" in row.errors else ""
        if set(row.errors) - {"category"}:
            # Unparseable rows cannot be applied; an unknown category alone can be fixed at
            # apply time by creating the missing categories.
            entry["expense_action"] = "skip"
        else:
            dupes = duplicates_for(row, suggested)
            fingerprint = row_fingerprint(row, suggested)
            entry["duplicates"] = [
                {
                    "id": d.id,
                    "date": d.date.isoformat(),
                    "amount": str(d.amount),
                    "restaurant": d.restaurant_name,
                    "same_restaurant": d.restaurant_id == suggested,
                    "identical": d.fingerprint == fingerprint,
                }
                for d in dupes[:MAX_CANDIDATES]
            ]
            if entry["duplicates"]:
                first = entry["duplicates"][0]
                entry["duplicate_id"] = first["id"]
                if any(d["identical"] for d in entry["duplicates"]):
                    entry["expense_action"] = "skip"
                    entry["duplicate_id"] = next(d["id"] for d in entry["duplicates"] if d["identical"])
                elif first["same_restaurant"]:
                    entry["expense_action"] = "update"
            in_file_key = fingerprint[:6]
            if in_file_key in seen_in_file:
                entry["warnings"].append(f"same amount, date and restaurant as line {seen_in_file[in_file_key]}")
            else:
                seen_in_file[in_file_key] = index
        review.append(entry)
    return review
