"""Export of a filtered expense list as CSV or JSON, in exactly the shape the importer reads
back: local date and time as written, positive amount plus `kind`, tags in their order."""

from __future__ import annotations

import csv
import io
import json

from .importing import csv_escape

EXPORT_COLUMNS = [
    "date",
    "time",
    "cleared_date",
    "amount",
    "kind",
    "restaurant",
    "location_name",
    "address",
    "city",
    "state",
    "postal_code",
    "category",
    "meal_type",
    "order_type",
    "party_size",
    "tags",
    "notes",
]
TEXT_COLUMNS = {"restaurant", "location_name", "address", "city", "state", "postal_code", "category", "notes"}


def expense_export_rows(expenses) -> list[dict]:
    """Expenses (with restaurant, category and tag_links prefetched) -> plain dicts."""
    rows = []
    for e in expenses:
        r = e.restaurant
        rows.append(
            {
                "date": e.date.isoformat(),
                "time": e.time.isoformat() if e.time else "",
                "cleared_date": e.cleared_date.isoformat() if e.cleared_date else "",
                "amount": str(e.amount),
                "kind": e.kind,
                "restaurant": r.name,
                "location_name": r.location_name,
                "address": r.address_line_1,
                "city": r.city,
                "state": r.state,
                "postal_code": r.postal_code,
                "category": e.category.name if e.category else "",
                "meal_type": e.meal_type,
                "order_type": e.order_type,
                "party_size": e.party_size,
                "tags": [link.tag.name for link in e.tag_links.all()],
                "notes": e.notes,
            }
        )
    return rows


def rows_to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        line = dict(row)
        line["tags"] = ";".join(csv_escape(t) for t in row["tags"])
        for column in TEXT_COLUMNS:
            line[column] = csv_escape(str(row[column]))
        writer.writerow(line)
    return out.getvalue()


def rows_to_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False)


def restaurants_to_csv(rows: list[dict], columns: list[str]) -> str:
    """Restaurant export, escaped like the expense export so the importer reads it back exactly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: csv_escape(str(row[column])) for column in columns})
    return out.getvalue()
