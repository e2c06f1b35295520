"""What callers of the SMS gateway see: a protocol and the plain result dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str
    to: str
    body: str


class SmsGateway(Protocol):
    def send_sms(self, *, to: str, body: str, status_callback: str | None = None) -> SentSms: ...
