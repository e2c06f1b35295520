from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SheetTable:
    """A worksheet as text: the header row and the data rows (row 2 onwards)."""

    header: list[str]
    rows: list[list[str]]


class SheetsClient(Protocol):
    def read(self, sheet_id: str, *, worksheet: str = "") -> SheetTable: ...

    def write(self, sheet_id: str, *, worksheet: str, header: list[str], rows: list[list[str]]) -> int:
        """Replace the worksheet's content; returns the number of data rows written."""
        ...
