"""One raw row's values parsed and checked (dates, amounts and signs, kinds, party size, meal and
order types, tags), each error naming its column. Plain Python, no ORM."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from project.csv import cell_unescape

MAX_AMOUNT = Decimal("100000.00")
CLEARED_LAG_WARNING_DAYS = 3

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


# --------------------------------------------------------------------------- value parsing
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value) -> date:
    """ISO `2025-01-31` (or `2025/01/31`), `1/31/2025` or `1-31-2025` (month first, M/D/YY too),
    `7-Mar-26`, `Jan 1, 2025`, `January 1 2025`, or an Excel serial number such as 45230
    (2023-10-31). Day-first numeric dates are not guessed (3/7 is 7 March, never 3 July).
    Raises ValueError."""
    if isinstance(value, bool) or value is None:
        raise ValueError("a date is required")
    if isinstance(value, int | float):
        return _excel_serial(float(value))
    text = str(value).strip()
    if not text:
        raise ValueError("a date is required")
    match = re.fullmatch(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ].*)?", text)
    if match:
        return _make_date(int(match[1]), int(match[3]), int(match[4]), text)
    match = re.fullmatch(r"(\d{1,2})([/-])(\d{1,2})\2(\d{2}|\d{4})", text)
    if match:
        return _make_date(_year(match[4]), int(match[1]), int(match[3]), text)
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


def parse_amount(value, *, bank: bool = False) -> tuple[Decimal, str]:
    """-> (positive amount, kind). `$1,234.56`, `(24.77)` and `-24.77` are expenses of the
    absolute value; a leading `+` marks a refund. In a bank export (`bank=True`) the sign is the
    account's: negative is spending, positive (signed or not) is a refund. Zero, more than two
    decimals and amounts over 100,000 are errors. Raises ValueError."""
    if value is None or isinstance(value, bool):
        raise ValueError("an amount is required")
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = str(value).strip()
    if not text:
        raise ValueError("an amount is required")
    kind = "refund" if bank else "expense"
    body = text.replace(" ", "")
    if body.startswith("(") and body.endswith(")"):
        kind = "expense"
        body = body[1:-1]
    elif body.startswith("+"):
        kind = "refund"
        body = body[1:]
    elif body.startswith("-"):
        kind = "expense"
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
    # False for a bank row: only the cleared date is known and `date` is a stand-in for the visit.
    visit_date_known: bool = True
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_row(
    raw: dict, *, line: int, categories: dict[str, tuple[int, str]], unescape: bool, bank: bool = False
) -> ParsedRow:
    """One canonical-keyed raw row -> ParsedRow with per-field errors (never raises).

    `categories` maps a lower-cased category name to (id, name); names are matched whole
    (`Travel: Meals` is its own category, never `Meals`)."""
    row = ParsedRow(line=line)
    row.visit_date_known = raw.get("date") not in (None, "") or raw.get("cleared_date") in (None, "")

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
        amount, sign_kind = parse_amount(raw.get("amount"), bank=bank)
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
    if row.cleared_date and row.date and "date" not in row.errors and row.visit_date_known:
        lag = (date.fromisoformat(row.cleared_date) - date.fromisoformat(row.date)).days
        if lag > CLEARED_LAG_WARNING_DAYS:
            row.warnings.append(f"cleared {lag} days after the visit")
        elif lag < 0:
            row.warnings.append("cleared before the visit date")
    return row
