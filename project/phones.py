"""Phone numbers: the one parser every app uses to turn what people type into E.164.

A number written without a country code is read in `settings.PHONE_DEFAULT_REGION` (an ISO
country code, "US" unless configured). Callers turn `InvalidPhone` into their own kind of
error: a form/serializer message, a flagged sync row, a refused import row.

A plain North American number ("(816) 555-0101", "816.555.0101", "+1 816 555 0101") read in a
North American region takes a fast path: its ten digits are the whole of what parsing would find,
so only the validity test is needed, and that test is the phone library's own metadata for the
region compiled into one pattern. Anything else (and a ten-digit number that pattern refuses)
goes through the library's parser, so the answer is the same either way; the fast path only makes
the commonest input (a sync or an import sends tens of thousands) cheap.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from django.conf import settings

BLANKS = {"", "none", "null", "n/a"}
NANP_PLAIN = re.compile(r"^(?:\+?1[\s.\-]?)?\(?([2-9]\d{2})\)?[\s.\-]?(\d{3})[\s.\-]?(\d{4})$")
_NUMBER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


class InvalidPhone(ValueError):
    """`str(exc)` is a message for people, naming the value."""


def phone_to_e164(raw: object, *, region: str | None = None) -> str:
    """`raw` as E.164 (`+13125550100`). Blank input → "". Raises InvalidPhone otherwise.

    `region` overrides the default region; pass "" to require an explicit country code."""
    text = "" if raw is None else (raw if raw.__class__ is str else str(raw)).strip()
    if text.lower() in BLANKS:
        return ""
    default = settings.PHONE_DEFAULT_REGION if region is None else region
    match = NANP_PLAIN.match(text)
    if match is not None:
        validity = _ten_digit_validity(default or "")
        if validity is not None:
            digits = "".join(match.groups())
            if validity.match(digits):
                return f"+1{digits}"
    return _parse(text, default)


@lru_cache(maxsize=8)
def _ten_digit_validity(region: str) -> re.Pattern | None:
    """The phone library's validity test for a ten-digit number of `region`, as one pattern:
    valid = the region's general pattern and one number type's pattern match (what
    `is_valid_number_for_region` checks type by type). None when the region is not North American
    (or not given): then every number goes through the parser."""
    if not region or phonenumbers.country_code_for_region(region) != 1:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)

    def usable(desc) -> bool:
        return bool(desc and desc.national_number_pattern) and (not desc.possible_length or 10 in desc.possible_length)

    types = [getattr(metadata, name) for name in _NUMBER_TYPES]
    patterns = [f"(?:{desc.national_number_pattern})" for desc in types if usable(desc)]
    if not usable(metadata.general_desc) or not patterns:
        return re.compile(r"(?!)")  # nothing of ten digits is valid there: the parser says why
    return re.compile(rf"(?=(?:{metadata.general_desc.national_number_pattern})\Z)(?:{'|'.join(patterns)})\Z")


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
