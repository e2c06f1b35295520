"""Export of a filtered expense list as CSV or JSON, in exactly the shape the importer reads
back: local date and time as written, positive amount plus `kind`, tags in their order."""

from __future__ import annotations

import json

from project.csv import Escaped, cell_escape, csv_text

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
    """Tags are joined with `;`, each escaped on its own so that the importer can split them."""
    tags = EXPORT_COLUMNS.index("tags")
    return csv_text(
        EXPORT_COLUMNS,
        (
            [
                Escaped(";".join(cell_escape(t) for t in row[c])) if i == tags else row[c]
                for i, c in enumerate(EXPORT_COLUMNS)
            ]
            for row in rows
        ),
    )


def rows_to_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False)
