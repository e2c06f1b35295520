"""The one CSV writer (and spreadsheet-cell rule) every download uses.

- **Formula escaping.** Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`, a
  tab or a carriage return (CSV injection: a restaurant named `=HYPERLINK(...)`). Text cells
  starting with one of them get a leading apostrophe. A text that already starts with an
  apostrophe gets one more, so `cell_unescape` turns every escaped cell back into exactly the
  original (the expenses round trip relies on it). Numbers are never escaped: `-12.50` stays a
  number.
- **Encoding.** UTF-8 with a byte-order mark, so Excel on Windows shows non-ASCII names
  (`Zoë`, `Café`) correctly; every reader of ours decodes with `utf-8-sig`.
- **XLSX.** openpyxl writes text cells as text, so no apostrophe is needed (and none is shown):
  `xlsx_cell` only converts values, and `xlsx_append` stores formula-looking strings as strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


class Escaped(str):
    """A cell its caller has already made safe (e.g. a list whose items were each escaped)."""


def cell_escape(value) -> str:
    """A spreadsheet-safe cell for `value`; `cell_unescape(cell_escape(text)) == text`."""
    if isinstance(value, Escaped):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in (*FORMULA_PREFIXES, "'") else text


def cell_unescape(text: str) -> str:
    """Undo `cell_escape` on a cell read back from one of our files: one leading apostrophe."""
    return text[1:] if text.startswith("'") else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True) -> str:
    """The whole file as text: a header row, then each row's cells escaped."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell_escape(h) for h in header])
    for row in rows:
        writer.writerow([cell_escape(v) for v in row])
    return out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download. `filename` without the extension; it is made header-safe."""
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export"
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
    return response


def xlsx_cell(value):
    """A value openpyxl stores faithfully: Decimals as numbers, everything else unchanged."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def xlsx_append(sheet, row: Sequence) -> None:
    """Append a row; text that looks like a formula is stored as text, never as a formula."""
    sheet.append([xlsx_cell(v) for v in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
