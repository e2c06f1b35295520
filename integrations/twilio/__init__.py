"""Twilio integration: the SMS gateway interface, a live client (twilio SDK) and a fake.

`sms_gateway()` returns the client for the configured mode (TWILIO_MODE=fake|live). Callers
see only `SentSms` dataclasses and the errors of `integrations.base`:
TransientError (retry later) and PermanentError (retrying cannot help).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from integrations.base import is_live


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str
    to: str
    body: str


class SmsGateway(Protocol):
    def send_sms(self, *, to: str, body: str, status_callback: str | None = None) -> SentSms: ...


def sms_gateway() -> SmsGateway:
    if is_live("twilio"):
        from .live import LiveTwilioGateway  # the SDK is imported only in live mode

        return LiveTwilioGateway.from_settings()
    from .fake import FAKE_GATEWAY

    return FAKE_GATEWAY
