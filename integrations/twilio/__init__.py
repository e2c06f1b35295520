"""Twilio integration: the SMS gateway interface, a live client (twilio SDK) and a fake.

`sms_gateway()` returns the client for the configured mode (TWILIO_MODE=fake|live). Callers
see only `SentSms` dataclasses and the errors of `integrations.base`:
TransientError (retry later) and PermanentError (retrying cannot help).
"""

from __future__ import annotations

from integrations.base import is_live

from .fake import FAKE_GATEWAY
from .interface import SentSms, SmsGateway

__all__ = ["SentSms", "SmsGateway", "sms_gateway"]


def sms_gateway() -> SmsGateway:
    if is_live("twilio"):
        from .live import LiveTwilioGateway  # lazy: the twilio SDK loads only in live mode

        return LiveTwilioGateway.from_settings()
    return FAKE_GATEWAY
