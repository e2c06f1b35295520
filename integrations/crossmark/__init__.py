"""Crossmark MVRetail: interface (types.py), live session client (live.py), fake (fake.py)."""

from __future__ import annotations

from collections.abc import Callable

from integrations.base import base_url, is_live, timeout

from .fake import FakeCrossmarkClient
from .live import LiveCrossmarkClient
from .types import CrossmarkClient, CrossmarkEvent, CrossmarkRep, FetchPage, MalformedRecord

__all__ = [
    "CrossmarkClient",
    "CrossmarkEvent",
    "CrossmarkRep",
    "FetchPage",
    "MalformedRecord",
    "FakeCrossmarkClient",
    "LiveCrossmarkClient",
    "crossmark_client",
]


def crossmark_client(
    *,
    username: str,
    password: str,
    session_id: str = "",
    session_started_at: float | None = None,
    on_session: Callable[[str, float], None] | None = None,
) -> CrossmarkClient:
    """A client for one Crossmark account: live when CROSSMARK_MODE=live, else a fresh fake."""
    if is_live("crossmark"):
        return LiveCrossmarkClient(
            base_url=base_url("crossmark"),
            username=username,
            password=password,
            timeout=timeout(),
            session_id=session_id,
            session_started_at=session_started_at,
            on_session=on_session,
        )
    return FakeCrossmarkClient()
