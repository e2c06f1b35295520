"""Google Sheets: `get_client()` returns the live gspread client (service account) or the fake."""

from __future__ import annotations

from integrations.base import credential, is_live

from .interface import SheetsClient, SheetTable  # noqa: F401 - re-exported as the package interface


def get_client() -> SheetsClient:
    if is_live("sheets"):
        from .live import LiveSheetsClient  # lazy: gspread loads only in live mode

        return LiveSheetsClient(credential(system="sheets", key="service_account_json"))
    from .fake import FakeSheetsClient  # lazy, like the live client

    return FakeSheetsClient()
