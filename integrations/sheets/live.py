"""Google Sheets through gspread with a service account (the only module importing gspread)."""

from __future__ import annotations

import json

import gspread
import requests

from integrations.base import AuthenticationError, PermanentError, TransientError

from .interface import SheetTable

SYSTEM = "sheets"


def _mapped(exc: Exception) -> Exception:
    if isinstance(exc, gspread.exceptions.SpreadsheetNotFound | gspread.exceptions.WorksheetNotFound):
        return PermanentError(f"Sheet not found or not shared with the service account: {exc}", system=SYSTEM)
    if isinstance(exc, gspread.exceptions.APIError):
        status = getattr(exc.response, "status_code", 0) or 0
        if status in (401, 403):
            return AuthenticationError(f"Google refused access to the sheet ({status}).", system=SYSTEM, code=status)
        if status == 429 or status >= 500:
            return TransientError(f"Google Sheets error {status}", system=SYSTEM, code=status)
        return PermanentError(f"Google Sheets error {status}: {exc}", system=SYSTEM, code=status)
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return TransientError(f"Google Sheets unreachable: {exc}", system=SYSTEM)
    return exc


class LiveSheetsClient:
    def __init__(self, service_account_json: str):
        if not service_account_json:
            raise AuthenticationError(
                "Set the Google service account JSON (credential sheets/service_account_json).", system=SYSTEM
            )
        try:
            self.gc = gspread.service_account_from_dict(json.loads(service_account_json))
        except (ValueError, KeyError) as exc:
            raise AuthenticationError(f"The service account JSON is not valid: {exc}", system=SYSTEM) from exc

    def _worksheet(self, sheet_id: str, worksheet: str, *, create: bool = False):
        book = self.gc.open_by_key(sheet_id)
        if not worksheet:
            return book.sheet1
        try:
            return book.worksheet(worksheet)
        except gspread.exceptions.WorksheetNotFound:
            if not create:
                raise
            return book.add_worksheet(title=worksheet, rows=100, cols=26)

    def read(self, sheet_id: str, *, worksheet: str = "") -> SheetTable:
        try:
            values = self._worksheet(sheet_id, worksheet).get_all_values()
        except Exception as exc:
            raise _mapped(exc) from exc
        if not values:
            return SheetTable(header=[], rows=[])
        return SheetTable(header=[str(v) for v in values[0]], rows=[[str(v) for v in row] for row in values[1:]])

    def write(self, sheet_id: str, *, worksheet: str, header: list[str], rows: list[list[str]]) -> int:
        try:
            sheet = self._worksheet(sheet_id, worksheet, create=True)
            sheet.clear()
            sheet.update([header, *rows], "A1")
        except Exception as exc:
            raise _mapped(exc) from exc
        return len(rows)
