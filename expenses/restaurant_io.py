"""Restaurant CSV export and import — plain Python, no ORM.

Export writes every restaurant field the importer reads back. Import reads CSV (or a JSON
list), refuses a file without the required `name` column, parses every row with per-field
errors, and matches each row to the user's existing restaurants (Google place id, then name +
location + city, as the unique constraints) to default to create / update / skip. The service
layer stores the review as an ImportDraft (kind "restaurants") and applies it atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from project.csv import cell_unescape

from .importing import (
    MAX_ROWS,
    ImportFileError,
    is_blank_row,
    normalize_header,
    read_csv_rows,
    read_json_rows,
)

# Column -> accepted headers. `name` is required; every other column is optional.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "restaurant", "restaurant_name"),
    "location_name": ("location_name", "location", "branch"),
    "address_line_1": ("address_line_1", "address", "street"),
    "address_line_2": ("address_line_2", "address_2", "suite"),
    "city": ("city", "town"),
    "state": ("state", "region", "province"),
    "postal_code": ("postal_code", "zip", "zip_code", "postcode"),
    "country": ("country",),
    "phone": ("phone", "telephone"),
    "website": ("website", "url", "web"),
    "cuisine": ("cuisine",),
    "service_level": ("service_level",),
    "price_level": ("price_level", "price"),
    "rating": ("rating", "my_rating"),
    "google_place_id": ("google_place_id", "place_id"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lng", "lon"),
    "notes": ("notes", "note", "description"),
}
EXPORT_COLUMNS = list(COLUMNS)
REQUIRED = ("name",)
LIMITS = {
    "name": 100,
    "location_name": 100,
    "address_line_1": 200,
    "address_line_2": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 100,
    "phone": 40,
    "website": 300,
    "cuisine": 60,
    "google_place_id": 255,
    "notes": 5000,
}
SERVICE_LEVELS = ("fine_dining", "casual_dining", "fast_casual", "quick_service")
COMPARED = [c for c in COLUMNS]
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}


def read_restaurant_upload(data: bytes, filename: str) -> list[dict]:
    """Bytes of a CSV/JSON file -> rows keyed by column (plus "line"). Raises ImportFileError."""
    name = (filename or "").lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file is not UTF-8 text; export it as CSV or JSON.") from exc
    if name.endswith(".json"):
        raw_rows, headers = read_json_rows(text)
    elif name.endswith((".csv", ".txt")):
        raw_rows, headers = read_csv_rows(text)
    else:
        raise ImportFileError("Upload a .csv or .json file.")
    mapping: dict[str, str] = {}
    for header in headers:
        column = _ALIASES.get(normalize_header(header))
        if column and column not in mapping.values():
            mapping[header] = column
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise ImportFileError(f"The file has no “{missing[0]}” column, which is required.")
    rows = []
    for raw in raw_rows:
        if is_blank_row(raw):
            continue
        row = {column: raw.get(header) for header, column in mapping.items()}
        row["line"] = raw.get("\x00line")
        rows.append(row)
    if not rows:
        raise ImportFileError("The file has no rows.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(rows)} rows; the limit is {MAX_ROWS}.")
    return rows


@dataclass
class ParsedRestaurant:
    line: int
    values: dict
    errors: dict


def _decimal(text: str, low: int, high: int, label: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"“{text}” is not a number") from exc
    if not low <= value <= high:
        raise ValueError(f"the {label} must be between {low} and {high}")
    return str(value.quantize(Decimal("0.000001")))


def _small_int(text: str, low: int, high: int, label: str) -> int:
    if not re.fullmatch(r"\d+(\.0+)?", text):
        raise ValueError(f"“{text}” is not a whole number")
    value = int(Decimal(text))
    if not low <= value <= high:
        raise ValueError(f"the {label} must be between {low} and {high}")
    return value


def parse_restaurant_row(raw: dict, *, line: int, unescape: bool) -> ParsedRestaurant:
    """One row -> values in the model's terms (JSON-ready) and errors by column (never raises)."""
    values: dict = {}
    errors: dict[str, str] = {}
    for column in COLUMNS:
        raw_value = raw.get(column)
        text = "" if raw_value is None else str(raw_value).strip()
        if unescape:
            text = cell_unescape(text)
        if text.lower() in ("none", "null", "n/a"):
            text = ""  # the literal strings some exports write for "nothing"
        try:
            if column in LIMITS:
                if len(text) > LIMITS[column]:
                    raise ValueError(f"at most {LIMITS[column]} characters")
                if column == "website" and text:
                    parts = urlsplit(text if "://" in text else f"https://{text}")
                    if parts.scheme not in ("http", "https") or "." not in (parts.hostname or ""):
                        raise ValueError(f"“{text}” is not a web address")
                    text = parts.geturl()
                values[column] = text
            elif column == "service_level":
                level = re.sub(r"[\s\-]+", "_", text.lower())
                if level and level not in SERVICE_LEVELS:
                    raise ValueError(f"“{text}” is not a service level ({', '.join(SERVICE_LEVELS)})")
                values[column] = level
            elif column == "price_level":
                values[column] = _small_int(text, 0, 4, "price level") if text else None
            elif column == "rating":
                values[column] = _small_int(text, 1, 5, "rating") if text else None
            elif column in ("latitude", "longitude"):
                bound = 90 if column == "latitude" else 180
                values[column] = _decimal(text, -bound, bound, column) if text else None
        except ValueError as exc:
            errors[column] = str(exc)
    if not values.get("name") and "name" not in errors:
        errors["name"] = "a name is required"
    values["google_place_id"] = values.get("google_place_id") or None
    return ParsedRestaurant(line=line, values=values, errors=errors)


def restaurant_key(values: dict) -> tuple[str, str, str]:
    return (
        str(values.get("name") or "").lower(),
        str(values.get("location_name") or "").lower(),
        str(values.get("city") or "").lower(),
    )


def build_restaurant_review(raw_rows: list[dict], *, existing: list[dict], unescape: bool) -> list[dict]:
    """Each row with its match among `existing` (JSON-ready dicts of the user's restaurants,
    with "id") and a default action: create (new), update (differs), skip (identical, error,
    or a repeat of an earlier line)."""
    by_place = {r["google_place_id"]: r for r in existing if r.get("google_place_id")}
    by_key = {restaurant_key(r): r for r in existing}
    seen: dict[tuple, int] = {}
    review = []
    for index, raw in enumerate(raw_rows, start=1):
        line = raw.get("line") or index
        parsed = parse_restaurant_row(raw, line=line, unescape=unescape)
        entry = {"line": line, "values": parsed.values, "errors": parsed.errors, "warnings": []}
        match = by_place.get(parsed.values.get("google_place_id")) or by_key.get(restaurant_key(parsed.values))
        entry["existing_id"] = match["id"] if match else None
        entry["changes"] = (
            {
                c: [match.get(c), parsed.values.get(c)]
                for c in COMPARED
                if parsed.values.get(c) not in (None, "") and str(match.get(c) or "") != str(parsed.values.get(c))
            }
            if match
            else {}
        )
        key = restaurant_key(parsed.values)
        if parsed.errors:
            entry["action"] = "skip"
        elif key in seen:
            entry["action"] = "skip"
            entry["warnings"].append(f"same restaurant as line {seen[key]}")
        elif match is None:
            entry["action"] = "create"
        else:
            entry["action"] = "update" if entry["changes"] else "skip"
        seen.setdefault(key, line)
        review.append(entry)
    return review


def restaurant_export_rows(restaurants) -> list[dict]:
    return [
        {column: ("" if getattr(r, column) is None else str(getattr(r, column))) for column in EXPORT_COLUMNS}
        for r in restaurants
    ]
