"""Phone numbers: the one parser every app uses to turn what people type into E.164.

A number written without a country code is read in `settings.PHONE_DEFAULT_REGION` (an ISO
country code, "US" unless configured). Callers turn `InvalidPhone` into their own kind of
error: a form/serializer message, a flagged sync row, a refused import row.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from django.conf import settings

BLANKS = {"", "none", "null", "n/a"}


class InvalidPhone(ValueError):
    """`str(exc)` is a message for people, naming the value."""


def phone_to_e164(raw: object, *, region: str | None = None) -> str:
    """`raw` as E.164 (`+13125550100`). Blank input → "". Raises InvalidPhone otherwise.

    `region` overrides the default region; pass "" to require an explicit country code."""
    text = "" if raw is None else str(raw).strip()
    if text.lower() in BLANKS:
        return ""
    return _parse(text, settings.PHONE_DEFAULT_REGION if region is None else region)


@lru_cache(maxsize=8192)
def _parse(text: str, default: str) -> str:
    """Cached: a sync or an import sees the same numbers again and again, and parsing is costly."""
    try:
        parsed = phonenumbers.parse(text, default or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"“{text}” is not a phone number.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"“{text}” is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
