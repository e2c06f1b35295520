"""Normalisation of Salesforce values at the edge (plain Python, no ORM): the normalisers and
picklists the mapping tables (`salesforce/mapping.py`) are made of.
- null, blank and the strings "None"/"null"/"N/A" are never stored as a name, email or phone;
- ALL-CAPS names are title-cased and flagged;
- unknown picklist values are kept as raw text (in the `*_source` column, or the flag's details)
  and flagged, never silently mapped to a default;
- a record that cannot be stored (no id, no last name, no start date, …) raises RecordError,
  which fails that record only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from integrations.salesforce.interface import parse_sf_datetime
from project.phones import InvalidPhone, phone_to_e164

from .. import rules

BLANK_MARKERS = frozenset({"", "none", "null", "n/a", "na", "nil", "undefined"})
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

# Issue codes (stored as DataQualityFlag.issue_type).
ALL_CAPS_NAME = "all_caps_name"
MISSING_FIRST_NAME = "missing_first_name"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"
UNKNOWN_PICKLIST = "unknown_picklist"
NULL_ORG_TYPE = "null_org_type"
END_BEFORE_START = "end_before_start"
REASON_WITHOUT_CANCELLATION = "reason_without_cancellation"
UNKNOWN_PARTICIPATION_STATUS = "unknown_participation_status"
UNMATCHED_PARTICIPATION = "unmatched_sf_participation"
MISSING_REFERENCE = "missing_reference"
# Issues the sync owns: an open flag of these types is auto-resolved when the record comes back clean.
SYNC_ISSUES = (
    ALL_CAPS_NAME,
    MISSING_FIRST_NAME,
    INVALID_EMAIL,
    INVALID_PHONE,
    UNKNOWN_PICKLIST,
    NULL_ORG_TYPE,
    END_BEFORE_START,
    REASON_WITHOUT_CANCELLATION,
    UNKNOWN_PARTICIPATION_STATUS,
    MISSING_REFERENCE,
)


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    severity: str = "warning"
    details: dict = field(default_factory=dict)


class RecordError(Exception):
    """This record cannot be stored; the rest of the batch goes on. `field` names the Salesforce
    field at fault (filled in by the mapping table when the normaliser did not know it)."""

    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


class Ref(NamedTuple):
    """A reference to another synced object by Salesforce id.

    on_missing: "fail" (record fails), "null" (stored empty + flagged), "pending" (pending queue),
    "skip" (not ours: e.g. an affiliation of a teacher to a school; counted as skipped)."""

    target: str
    salesforce_id: str
    on_missing: str = "null"


@dataclass(slots=True)
class Mapped:
    salesforce_id: str
    values: dict[str, Any]
    refs: dict[str, Ref] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    emails: list[tuple[str, str]] = field(default_factory=list)  # (address, kind) preferred first
    phones: list[tuple[str, str]] = field(default_factory=list)
    postal: dict[str, str] = field(default_factory=dict)
    m2m: dict[str, list[str]] = field(default_factory=dict)  # field → Salesforce ids
    raw: dict | None = None  # kept for participations, replayed from the pending queue


# --------------------------------------------------------------------------- normalisers
def clean(value: Any) -> str:
    """Text or "" — never the string "None"."""
    if value is None:
        return ""
    text = (value if value.__class__ is str else str(value)).strip()
    return "" if len(text) < 10 and text.lower() in BLANK_MARKERS else text


def is_all_caps(text: str) -> bool:
    if not text.isupper():  # the common case, answered in C
        return False
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def title_case(text: str) -> str:
    """ "O'NEIL-SMITH" → "O'Neil-Smith"; every word is capitalised ("VAN DER BERG" → "Van Der Berg"), which
    is why the record is flagged for a person to check."""
    return re.sub(
        r"[A-Za-z]+('[A-Za-z]+)?",
        lambda m: (
            m.group(0).capitalize()
            if "'" not in m.group(0)
            else "'".join(p.capitalize() for p in m.group(0).split("'"))
        ),
        text.lower(),
    )


def normalize_name(value: Any, *, field_name: str, issues: list[Issue]) -> str:
    text = clean(value)
    if text and is_all_caps(text):
        issues.append(
            Issue(
                ALL_CAPS_NAME,
                f"{field_name} was ALL CAPS in Salesforce ({text}); stored title-cased.",
                "info",
                {"field": field_name, "raw": text},
            )
        )
        text = title_case(text)
    return text


def normalize_email(value: Any, *, field_name: str, issues: list[Issue]) -> str:
    text = clean(value).lower()
    if text and not EMAIL_RE.match(text):
        issues.append(
            Issue(
                INVALID_EMAIL,
                f"{field_name} “{text}” is not an email address; not stored.",
                "warning",
                {"field": field_name, "raw": text},
            )
        )
        return ""
    return text


def normalize_phone(value: Any, *, field_name: str, issues: list[Issue]) -> str:
    text = clean(value)
    if not text:
        return ""
    try:
        return phone_to_e164(text)
    except InvalidPhone:
        pass
    issues.append(
        Issue(
            INVALID_PHONE,
            f"{field_name} “{text}” is not a valid phone number; not stored.",
            "warning",
            {"field": field_name, "raw": text},
        )
    )
    return ""


def picklist(value: Any, mapping: dict[str, str], *, field_name: str, issues: list[Issue]) -> str | None:
    """The Crewbase value for a Salesforce picklist label; None (and a flag) for an unknown label."""
    raw = clean(value)
    if not raw:
        return ""
    key = re.sub(r"[\s_\-/]+", " ", raw).strip().lower()
    mapped = mapping.get(key)
    if mapped is None:
        issues.append(
            Issue(
                UNKNOWN_PICKLIST,
                f"Unknown {field_name} “{raw}” kept as received.",
                "warning",
                {"field": field_name, "raw": raw},
            )
        )
    return mapped


def parse_date(value: Any, *, field_name: str) -> date | None:
    text = clean(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise RecordError("INVALID_DATE", f"{field_name} “{text}” is not a date.") from exc


def parse_datetime(value: Any, *, field_name: str) -> datetime | None:
    text = clean(value)
    if not text:
        return None
    parsed = parse_sf_datetime(text)
    if parsed is None:
        raise RecordError("INVALID_DATE", f"{field_name} “{text}” is not a date and time.")
    return parsed


def parse_decimal(value: Any, *, field_name: str, places: int = 2) -> Decimal | None:
    text = clean(value)
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal(10) ** -places)
    except InvalidOperation as exc:
        raise RecordError("INVALID_NUMBER", f"{field_name} “{text}” is not a number.") from exc
    if number < 0:
        raise RecordError("INVALID_NUMBER", f"{field_name} may not be negative ({text}).")
    return number


def parse_int(value: Any, *, field_name: str) -> int | None:
    number = parse_decimal(value, field_name=field_name, places=0)
    return int(number) if number is not None else None


def as_bool(value: Any) -> bool:
    return value is True or clean(value).lower() in ("true", "1", "yes")


def _key(label: str) -> str:
    return re.sub(r"[\s_\-/]+", " ", label).strip().lower()


def _labels(pairs: dict[str, str]) -> dict[str, str]:
    return {_key(k): v for k, v in pairs.items()}


# --------------------------------------------------------------------------- picklists
ORG_TYPES = _labels(
    {
        "Business": "business",
        "Corporate": "business",
        "Company": "business",
        "Non-Profit": "nonprofit",
        "Nonprofit": "nonprofit",
        "Government": "government",
        "Education": "education",
        "Higher Education": "education",
        "Other": "other",
    }
)
SCHOOL_LEVELS = _labels({"Elementary": "elementary", "Middle": "middle", "High": "high", "Other": "other"})
GENDERS = _labels(
    {
        "Female": "female",
        "Male": "male",
        "Non-Binary": "non_binary",
        "Nonbinary": "non_binary",
        "Other": "other",
        "Prefer not to say": "",
    }
)
SALUTATIONS = _labels(
    {
        "Mr.": "mr",
        "Mr": "mr",
        "Ms.": "ms",
        "Ms": "ms",
        "Mrs.": "mrs",
        "Mrs": "mrs",
        "Dr.": "dr",
        "Dr": "dr",
        "Prof.": "prof",
        "Prof": "prof",
    }
)
EVENT_TYPES = _labels(
    {
        "In-Person Session": "in_person",
        "In Person": "in_person",
        "Virtual Session": "virtual_session",
        "Connector Session": "connector_session",
        "Career Jumping": "career_jumping",
        "Career Speaker": "career_speaker",
        "Career Fair": "career_fair",
        "College Fair": "career_fair",
        "Career/College Fair": "career_fair",
        "DIA": "dia",
        "P2GD": "p2gd",
        "SLA": "sla",
        "HealthStart": "healthstart",
        "P2T": "p2t",
        "BFI": "bfi",
        "Math Relays": "math_relays",
        "Classroom Activity": "classroom_activity",
        "Workplace Visit": "workplace_visit",
        "Mentoring": "mentoring",
        "Other": "other",
    }
)
EVENT_FORMATS = _labels({"In-Person": "in_person", "In Person": "in_person", "Virtual": "virtual"})
EVENT_STATUSES = _labels(
    {
        "Draft": rules.DRAFT,
        "Requested": rules.REQUESTED,
        "Published": rules.PUBLISHED,
        "Confirmed": rules.CONFIRMED,
        "Completed": rules.COMPLETED,
        "Simulcast": rules.SIMULCAST,
        "No Show": rules.NO_SHOW,
        "No-Show": rules.NO_SHOW,
        "Cancelled": rules.CANCELLED,
        "Canceled": rules.CANCELLED,
    }
)
CANCELLATION_REASONS = _labels(
    {
        "Weather/Snow Day": "weather",
        "Weather": "weather",
        "Snow Day": "weather",
        "Presenter Cancelled": "presenter",
        "Teacher Cancelled": "teacher",
        "School Conflict": "school_conflict",
        "Technical Issues": "technical",
        "Low Enrollment": "low_enrollment",
        "Scheduling Error": "scheduling_error",
        "Other": rules.REASON_OTHER,
    }
)
AFFILIATION_STATUSES = _labels({"Current": "current", "Former": "past", "Past": "past"})
