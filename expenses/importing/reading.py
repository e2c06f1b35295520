"""Reading an uploaded file into raw rows: CSV, JSON, OFX/QFX bank statements and Simplifi
exports; header aliases; blank lines. Plain Python, no ORM."""

from __future__ import annotations

import csv
import io
import json
import re

from ofxtools.header import OFXHeaderError
from ofxtools.Parser import OFXTree, ParseError

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
BANK_SOURCES = ("simplifi", "ofx")


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
    """Bytes of a CSV, JSON or OFX/QFX file -> (rows keyed by canonical column, file info).

    Lines whose every value is blank are skipped silently; each row keeps its data-row number
    under "line" so errors name the row as it is in the file."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    name = (filename or "").lower()
    head = data.lstrip()[:200].upper()
    sniffed_ofx = not name.endswith((".csv", ".json")) and any(m in head for m in (b"OFXHEADER", b"<?OFX", b"<OFX>"))
    if name.endswith((".ofx", ".qfx")) or sniffed_ofx:
        return read_ofx(data)  # OFX 1.x (SGML) declares its own charset, often not UTF-8
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file is not UTF-8 text; export it as CSV or JSON.") from exc
    if name.endswith(".json") or (not name.endswith(".csv") and text.lstrip()[:1] in ("[", "{")):
        raw_rows, headers = read_json_rows(text)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw_rows, headers = read_csv_rows(text)
    else:
        raise ImportFileError("Upload a .csv, .json, .ofx or .qfx file.")
    raw_rows = [r for r in raw_rows if not is_blank_row(r)]
    if not raw_rows:
        raise ImportFileError("The file has no rows.")
    if len(raw_rows) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(raw_rows)} rows; the limit is {MAX_ROWS}.")
    normalized = [normalize_header(h) for h in headers]
    simplifi = any(m in normalized for m in SIMPLIFI_MARKERS)
    mapping = map_headers(headers, bank=simplifi)
    if "date" not in mapping.values() and "cleared_date" not in mapping.values():
        raise ImportFileError("No date column found (expected a header such as “date” or “visit_date”).")
    if "amount" not in mapping.values():
        raise ImportFileError("No amount column found (expected a header such as “amount”).")
    rows = []
    for raw in raw_rows:
        row = {canonical: raw.get(header) for header, canonical in mapping.items()}
        row["line"] = raw.get(LINE_KEY)
        rows.append(row)
    return rows, {"columns": mapping, "source": "simplifi" if simplifi else "generic"}


LINE_KEY = "\x00line"  # the data-row number a raw row came from (blank rows keep their number)


def is_blank_row(raw: dict) -> bool:
    """`,,,` and friends: every value empty or whitespace. Such lines are skipped silently."""
    return all(
        value is None or (isinstance(value, str) and not value.strip())
        for key, value in raw.items()
        if key not in (LINE_KEY, "line")
    )


def read_ofx(data: bytes) -> tuple[list[dict], dict]:
    """An OFX/QFX bank or card statement (parsed by ofxtools) -> the same canonical rows as a
    bank CSV: DTPOSTED is the cleared date, DTUSER (when the bank sends it) the visit date,
    TRNAMT keeps the account's sign (negative = spending), NAME/PAYEE the payee, MEMO notes."""
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
        transactions = [tx for statement in ofx.statements for tx in statement.transactions]
    except (ParseError, OFXHeaderError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ImportFileError(f"The file is not a readable OFX/QFX statement: {exc}.") from exc
    if not transactions:
        raise ImportFileError("The file has no rows.")
    if len(transactions) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(transactions)} rows; the limit is {MAX_ROWS}.")
    rows = []
    for line, tx in enumerate(transactions, start=1):
        payee = getattr(tx, "name", None) or getattr(getattr(tx, "payee", None), "name", None) or ""
        visited = getattr(tx, "dtuser", None)
        rows.append(
            {
                "date": visited.date().isoformat() if visited else None,
                "cleared_date": tx.dtposted.date().isoformat() if tx.dtposted else None,
                "amount": format(tx.trnamt, "f") if tx.trnamt is not None else None,
                "restaurant": payee,
                "notes": getattr(tx, "memo", None) or "",
                "line": line,
            }
        )
    return rows, {"columns": {}, "source": "ofx"}


def map_headers(headers: list[str], *, bank: bool = False) -> dict[str, str]:
    """Original header -> canonical column; the first header claiming a column wins.

    Bank exports (`bank=True`, e.g. Simplifi): `Date` is when the charge cleared, so it maps to
    `cleared_date`; the visit date is known only from a `visit_date` column."""
    mapping: dict[str, str] = {}
    claimed: set[str] = set()
    if bank:
        keys = {header: normalize_header(header) for header in headers}
        has_cleared = any(_ALIAS_LOOKUP.get(key) == "cleared_date" for key in keys.values())
        for header, key in keys.items():
            canonical = {"visit_date": "date", "date": None if has_cleared else "cleared_date"}.get(key)
            if canonical and canonical not in claimed:
                mapping[header] = canonical
                claimed.add(canonical)
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


def read_csv_rows(text: str) -> tuple[list[dict], list[str]]:
    try:
        reader = csv.DictReader(io.StringIO(text))
        headers = [h for h in (reader.fieldnames or []) if h is not None]
        rows = [{**r, LINE_KEY: line} for line, r in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}.") from exc
    if not headers:
        raise ImportFileError("The CSV file has no header row.")
    return rows, headers


def read_json_rows(text: str) -> tuple[list[dict], list[str]]:
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
    return [{**item, LINE_KEY: line} for line, item in enumerate(payload, start=1)], headers
