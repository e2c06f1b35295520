"""Google Sheets: `get_client()` returns the live gspread client (service account) or the fake."""

from __future__ import annotations

from integrations.base import is_live
from project.credentials import credential_get

from .interface import SheetsClient, SheetTable  # noqa: F401


def get_client() -> SheetsClient:
    if is_live("sheets"):
        from .live import LiveSheetsClient

        return LiveSheetsClient(credential_get(system="sheets", key="service_account_json"))
    from .fake import FakeSheetsClient

    return FakeSheetsClient()
