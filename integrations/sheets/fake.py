"""In-memory Google Sheets with a demo teacher roster (deterministic)."""

from __future__ import annotations

from integrations.base import PermanentError

from .interface import SheetTable

DEMO_ROSTER_ID = "demo-roster"
DEMO_ROSTER = SheetTable(
    header=["Email", "First Name", "Last Name", "School", "Department"],
    rows=[
        ["teacher0@riverside.k12.example", "Liam", "Schmidt", "Riverside High", "Science"],
        ["Teacher1@Riverside.k12.example", "Sofia", "Ito", "Riverside Middle", "Math"],
        ["new.teacher@riverside.k12.example", "Nadia", "Okafor", "Riverside High", "English"],
        ["not-an-email", "Broken", "Row", "Riverside High", ""],
    ],
)


class FakeSheetsClient:
    store: dict[tuple[str, str], SheetTable] = {}

    def __init__(self, sheets: dict[tuple[str, str], SheetTable] | None = None):
        self.sheets = sheets if sheets is not None else {(DEMO_ROSTER_ID, ""): DEMO_ROSTER, **FakeSheetsClient.store}

    def read(self, sheet_id: str, *, worksheet: str = "") -> SheetTable:
        try:
            return self.sheets[(sheet_id, worksheet)]
        except KeyError:
            raise PermanentError(
                f"Sheet {sheet_id!r} not found or not shared with the service account.", system="sheets"
            ) from None

    def write(self, sheet_id: str, *, worksheet: str, header: list[str], rows: list[list[str]]) -> int:
        self.sheets[(sheet_id, worksheet)] = SheetTable(header=list(header), rows=[list(r) for r in rows])
        FakeSheetsClient.store[(sheet_id, worksheet)] = self.sheets[(sheet_id, worksheet)]
        return len(rows)
