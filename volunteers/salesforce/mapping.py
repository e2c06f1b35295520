"""Salesforce → Crewbase mapping and normalisation (plain Python, no ORM).

Each synced object has an ObjectSpec: the SOQL object, fields and filter, and a mapper turning one
raw record into a `Mapped` (model field values, references by Salesforce id, contact details, and
data-quality issues). Normalisation happens here, at the edge:
- null, blank and the strings "None"/"null"/"N/A" are never stored as a name, email or phone;
- ALL-CAPS names are title-cased and flagged;
- unknown picklist values are kept as raw text (in the `*_source` column, or the flag's details)
  and flagged, never silently mapped to a default;
- a record that cannot be stored (no id, no last name, no start date, …) raises RecordError,
  which fails that record only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

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
    """This record cannot be stored; the rest of the batch goes on."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Ref:
    """A reference to another synced object by Salesforce id.

    on_missing: "fail" (record fails), "null" (stored empty + flagged), "pending" (pending queue),
    "skip" (not ours: e.g. an affiliation of a teacher to a school; counted as skipped)."""

    target: str
    salesforce_id: str
    on_missing: str = "null"


@dataclass
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
    text = str(value).strip()
    return "" if text.lower() in BLANK_MARKERS else text


def is_all_caps(text: str) -> bool:
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


# --------------------------------------------------------------------------- mappers
def _require_id(raw: dict) -> str:
    sf_id = clean(raw.get("Id"))
    if not sf_id:
        raise RecordError("MISSING_SF_ID", "The record has no Salesforce id.")
    return sf_id


def _ref_id(raw: dict, name: str) -> str:
    return clean(raw.get(name))


def map_district(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    name = clean(raw.get("Name"))
    if not name:
        raise RecordError("MISSING_FIELD", "District has no name.")
    return Mapped(sf_id, {"name": name, "code": clean(raw.get("School_Code_External_ID__c"))[:40]}, issues=issues)


def map_school(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    name = clean(raw.get("Name"))
    if not name:
        raise RecordError("MISSING_FIELD", "School has no name.")
    values = {"name": name, "code": clean(raw.get("School_Code_External_ID__c"))[:40]}
    level = picklist(raw.get("Level__c"), SCHOOL_LEVELS, field_name="school level", issues=issues)
    values["level"] = level or "other"
    return Mapped(
        sf_id, values, refs={"district_id": Ref("districts", _ref_id(raw, "ParentId"), "fail")}, issues=issues
    )


def map_organization(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    name = clean(raw.get("Name"))
    if not name:
        raise RecordError("MISSING_FIELD", "Organization has no name.")
    raw_type = clean(raw.get("Type"))
    values = {
        "name": name[:255],
        "kind_source": raw_type[:100],
        "description": clean(raw.get("Description")),
        "city": clean(raw.get("BillingCity"))[:100],
        "state": clean(raw.get("BillingState"))[:40],
        "postal_code": clean(raw.get("BillingPostalCode"))[:20],
        "last_activity_date": parse_date(raw.get("LastActivityDate"), field_name="LastActivityDate"),
    }
    if not raw_type:
        issues.append(Issue(NULL_ORG_TYPE, "Organization has no type in Salesforce; stored as Other.", "info"))
        values["kind"] = "other"
    else:
        kind = picklist(raw_type, ORG_TYPES, field_name="organization type", issues=issues)
        values["kind"] = kind or "other"  # raw label kept in kind_source
    return Mapped(sf_id, values, issues=issues)


def map_class(raw: dict) -> Mapped:
    sf_id = _require_id(raw)
    name = clean(raw.get("Name"))
    if not name:
        raise RecordError("MISSING_FIELD", "Class has no name.")
    return Mapped(
        sf_id,
        {
            "name": name[:200],
            "class_year": parse_int(raw.get("Class_Year_Number__c"), field_name="Class_Year_Number__c"),
        },
        refs={"school_id": Ref("schools", _ref_id(raw, "School__c"), "null")},
    )


def _contact_common(raw: dict, issues: list[Issue]) -> dict[str, Any]:
    last = normalize_name(raw.get("LastName"), field_name="last name", issues=issues)
    if not last:
        raise RecordError("MISSING_FIELD", "Contact has no last name.")
    first = normalize_name(raw.get("FirstName"), field_name="first name", issues=issues)
    if not first:
        issues.append(Issue(MISSING_FIRST_NAME, "Contact has no first name in Salesforce.", "warning"))
    values = {"first_name": first[:100], "last_name": last[:100]}
    if "MiddleName" in raw:  # only what the object's query asks for: an unqueried field is not ours to blank
        values["middle_name"] = normalize_name(raw.get("MiddleName"), field_name="middle name", issues=issues)[:100]
    if "Suffix" in raw:
        values["suffix"] = clean(raw.get("Suffix"))[:20]
    if "Salutation" in raw:
        salutation = picklist(raw.get("Salutation"), SALUTATIONS, field_name="salutation", issues=issues)
        if salutation is not None:
            values["salutation"] = salutation
    if "Gender__c" in raw:
        gender = picklist(raw.get("Gender__c"), GENDERS, field_name="gender", issues=issues)
        if gender is not None:
            values["gender"] = gender
    if "Birthdate" in raw:
        values["birthdate"] = parse_date(raw.get("Birthdate"), field_name="Birthdate")
    if "DoNotCall" in raw:
        values["do_not_call"] = as_bool(raw.get("DoNotCall"))
    if "Do_Not_Contact__c" in raw:
        values["do_not_contact"] = as_bool(raw.get("Do_Not_Contact__c"))
    if "HasOptedOutOfEmail" in raw:
        values["email_opt_out"] = as_bool(raw.get("HasOptedOutOfEmail"))
    if "Racial_Ethnic_Background__c" in raw:
        values["race_ethnicity"] = " ".join(clean(raw.get("Racial_Ethnic_Background__c")).split())[:100]
    if "Age_Group__c" in raw:
        values["age_group"] = clean(raw.get("Age_Group__c"))[:40]
    if "EmailBouncedDate" in raw:
        values["email_bounced_at"] = parse_datetime(raw.get("EmailBouncedDate"), field_name="EmailBouncedDate")
    return values


# Salesforce field → (kind, the value of the "preferred" picklist that names it). NPSP keeps the
# standard Email/Phone as a copy of the preferred one; the preferred one becomes primary.
EMAIL_FIELDS = (
    ("npe01__HomeEmail__c", "personal", ("personal", "home")),
    ("npe01__WorkEmail__c", "work", ("work",)),
    ("npe01__AlternateEmail__c", "other", ("alternate", "other")),
    ("Email", "personal", ("email",)),
)
PHONE_FIELDS = (
    ("HomePhone", "personal", ("home", "personal")),
    ("MobilePhone", "personal", ("mobile", "cell")),
    ("npe01__WorkPhone__c", "work", ("work",)),
    ("OtherPhone", "other", ("other",)),
    ("Phone", "personal", ("phone",)),
)
PREFERRED_EMAIL = "npe01__Preferred_Email__c"
PREFERRED_PHONE = "npe01__PreferredPhone__c"
SKILL_FIELDS = ("Volunteer_Skills__c", "Volunteer_Skills_Text__c")  # a multi-select picklist and free text
SKILL_SPLIT = re.compile(r"[;,\n]+")


def _preferred_first(raw: dict, fields: tuple, preferred_field: str) -> list[tuple[str, str]]:
    """(field, kind) in the order to store: the one Salesforce prefers first, then the standard
    field (NPSP's copy of the preferred one), then the rest in table order."""
    wanted = clean(raw.get(preferred_field)).lower()
    ordered = [(name, kind) for name, kind, labels in fields if wanted and wanted in labels]
    ordered += [(name, kind) for name, kind, _ in fields if name in ("Email", "Phone")]
    ordered += [(name, kind) for name, kind, _ in fields]
    seen, result = set(), []
    for name, kind in ordered:
        if name not in seen:
            seen.add(name)
            result.append((name, kind))
    return result


def split_skills(*values: Any) -> list[str]:
    """Skills from Salesforce's two skill fields: split on ; , and new lines, trimmed, blanks and
    "None" dropped, de-duplicated case-insensitively (first spelling kept)."""
    seen, skills = set(), []
    for value in values:
        for part in SKILL_SPLIT.split(clean(value)):
            name = " ".join(clean(part).split())[:100]
            if name and name.lower() not in seen:
                seen.add(name.lower())
                skills.append(name)
    return skills


def _details(raw: dict, mapped: Mapped) -> Mapped:
    seen = set()
    for name, kind in _preferred_first(raw, EMAIL_FIELDS, PREFERRED_EMAIL):
        if name in raw:
            email = normalize_email(raw.get(name), field_name=name, issues=mapped.issues)
            if email and email not in seen:
                seen.add(email)
                mapped.emails.append((email, kind))
    seen = set()
    for name, kind in _preferred_first(raw, PHONE_FIELDS, PREFERRED_PHONE):
        if name in raw:
            phone = normalize_phone(raw.get(name), field_name=name, issues=mapped.issues)
            if phone and phone not in seen:
                seen.add(phone)
                mapped.phones.append((phone, kind))
    postal = {
        "city": clean(raw.get("MailingCity"))[:100],
        "state": clean(raw.get("MailingState"))[:40],
        "postal_code": clean(raw.get("MailingPostalCode"))[:20],
        "street": clean(raw.get("MailingStreet"))[:255],
    }
    if any(postal.values()):
        mapped.postal = postal
    return mapped


def map_volunteer(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    values = _contact_common(raw, issues)
    values.update(
        title=clean(raw.get("Title"))[:200],
        department=clean(raw.get("Department"))[:200],
        education=clean(raw.get("Highest_Level_of_Educational__c"))[:100],
        interests=clean(raw.get("Volunteer_Interests__c")),
    )
    mapped = _details(raw, Mapped(sf_id, values, issues=issues))
    if any(name in raw for name in SKILL_FIELDS):
        mapped.m2m["skills"] = split_skills(*(raw.get(name) for name in SKILL_FIELDS))
    return mapped


def map_teacher(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    values = _contact_common(raw, issues)
    values["department"] = clean(raw.get("Department"))[:200]
    refs = {"school_id": Ref("schools", _ref_id(raw, "npsp__Primary_Affiliation__c"), "null")}
    return _details(raw, Mapped(sf_id, values, refs=refs, issues=issues))


def map_student(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    values = _contact_common(raw, issues)
    grade = parse_int(raw.get("Current_Grade__c"), field_name="Current_Grade__c")
    if grade is not None and grade > 12:
        raise RecordError("INVALID_NUMBER", f"Current grade {grade} is outside K-12.")
    values.update(local_student_id=clean(raw.get("Local_Student_ID__c"))[:40], current_grade=grade)
    refs = {
        "school_id": Ref("schools", _ref_id(raw, "npsp__Primary_Affiliation__c"), "null"),
        "school_class_id": Ref("classes", _ref_id(raw, "Class__c"), "null"),
    }
    return _details(raw, Mapped(sf_id, values, refs=refs, issues=issues))


def map_affiliation(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    status = picklist(raw.get("npe5__Status__c"), AFFILIATION_STATUSES, field_name="affiliation status", issues=issues)
    start = parse_date(raw.get("npe5__StartDate__c"), field_name="npe5__StartDate__c")
    end = parse_date(raw.get("npe5__EndDate__c"), field_name="npe5__EndDate__c")
    if start and end and end < start:
        issues.append(
            Issue(END_BEFORE_START, f"Affiliation ends ({end}) before it starts ({start}); end dropped.", "warning")
        )
        end = None
    values = {
        "role": clean(raw.get("npe5__Role__c"))[:200],
        "is_primary": as_bool(raw.get("npe5__Primary__c")),
        "start_date": start,
        "end_date": end,
    }
    if status:
        values["status"] = status
    refs = {
        "volunteer_id": Ref("volunteers", _ref_id(raw, "npe5__Contact__c"), "skip"),
        "organization_id": Ref("organizations", _ref_id(raw, "npe5__Organization__c"), "skip"),
    }
    return Mapped(sf_id, values, refs=refs, issues=issues)


def map_event(raw: dict) -> Mapped:
    sf_id, issues = _require_id(raw), []
    title = clean(raw.get("Name"))
    if not title:
        raise RecordError("MISSING_FIELD", "Session has no name.")
    start = parse_datetime(raw.get("Start_Date_and_Time__c"), field_name="Start_Date_and_Time__c")
    if start is None:  # never invent a date (the system we replace used 2000-01-01)
        raise RecordError("INVALID_DATE", "Session has no start date and time.")
    end = parse_datetime(raw.get("End_Date_and_Time__c"), field_name="End_Date_and_Time__c")
    if end is not None and end < start:
        issues.append(
            Issue(END_BEFORE_START, f"Session ends ({end:%Y-%m-%d %H:%M}) before it starts; end dropped.", "error")
        )
        end = None
    raw_type, raw_status = clean(raw.get("Session_Type__c")), clean(raw.get("Session_Status__c"))
    values: dict[str, Any] = {
        "title": title[:255],
        "description": clean(raw.get("Description__c")),
        "start": start,
        "end": end,
        "duration_minutes": int((end - start).total_seconds() // 60) if end else None,
        "location": clean(raw.get("Location_Information__c"))[:255],
        "event_type_source": raw_type[:100],
        "status_source": raw_status[:100],
        "session_host": clean(raw.get("Session_Host__c"))[:200],
        "registration_link": clean(raw.get("Registration_Link__c"))[:200],
        "volunteers_needed": parse_int(
            raw.get("Total_Requested_Volunteer_Jobs__c"), field_name="Total_Requested_Volunteer_Jobs__c"
        )
        or 0,
    }
    event_type = picklist(raw_type, EVENT_TYPES, field_name="session type", issues=issues)
    values["event_type"] = event_type or "other"  # the raw label stays in event_type_source
    fmt = picklist(raw.get("Format__c"), EVENT_FORMATS, field_name="session format", issues=issues)
    values["format"] = fmt or ("virtual" if values["event_type"] == "virtual_session" else "in_person")
    status = picklist(raw_status, EVENT_STATUSES, field_name="session status", issues=issues)
    if status:
        values["status"] = status  # unknown: the stored status is left as is, the raw one is in status_source
    reason = (
        picklist(
            raw.get("Cancellation_Reason__c"), CANCELLATION_REASONS, field_name="cancellation reason", issues=issues
        )
        or ""
    )
    notes = clean(raw.get("Cancellation_Notes__c"))
    if reason and status and status != rules.CANCELLED:
        issues.append(
            Issue(
                REASON_WITHOUT_CANCELLATION,
                "A cancellation reason on a session that is not cancelled; reason not stored.",
                "warning",
                {"raw": clean(raw.get("Cancellation_Reason__c"))},
            )
        )
        reason = ""
    if reason == rules.REASON_OTHER and len(notes) < rules.OTHER_NOTES_MIN_LENGTH:
        notes = notes or "Other (no notes in Salesforce)"
    if status:
        values["cancellation_reason"] = reason if status == rules.CANCELLED else ""
        values["cancellation_notes"] = notes if status == rules.CANCELLED else ""
    district = _ref_id(raw, "District__c")
    return Mapped(
        sf_id,
        values,
        refs={"school_id": Ref("schools", _ref_id(raw, "School__c"), "null")},
        issues=issues,
        m2m={"districts": [district] if district else []},
    )


def _map_participation(raw: dict, contact_target: str, contact_field: str) -> Mapped:
    sf_id, issues = _require_id(raw), []
    raw_status = clean(raw.get("Status__c"))
    status = rules.participation_status_from_source(raw_status)
    if raw_status and status == rules.P_UNKNOWN:
        issues.append(
            Issue(
                UNKNOWN_PARTICIPATION_STATUS,
                f"Unknown participation status “{raw_status}” kept as received.",
                "warning",
                {"raw": raw_status},
            )
        )
    values = {
        "status": status,
        "status_source": raw_status[:100],
        "delivery_hours": parse_decimal(raw.get("Delivery_Hours__c"), field_name="Delivery_Hours__c"),
    }
    refs = {
        contact_field: Ref(contact_target, _ref_id(raw, "Contact__c"), "pending"),
        "event_id": Ref("events", _ref_id(raw, "Session__c"), "pending"),
    }
    return Mapped(sf_id, values, refs=refs, issues=issues)


def map_volunteer_participation(raw: dict) -> Mapped:
    mapped = _map_participation(raw, "volunteers", "volunteer_id")
    mapped.values["role"] = clean(raw.get("Title__c"))[:100]
    return mapped


def map_student_participation(raw: dict) -> Mapped:
    return _map_participation(raw, "students", "student_id")


def map_task(raw: dict) -> Mapped:
    sf_id = _require_id(raw)
    occurred = parse_date(raw.get("ActivityDate"), field_name="ActivityDate")
    when = (
        datetime.combine(occurred, datetime.min.time(), tzinfo=UTC)
        if occurred
        else parse_sf_datetime(raw.get("LastModifiedDate"))
    )
    return Mapped(
        sf_id,
        {
            "kind": "activity",
            "subject": clean(raw.get("Subject"))[:255],
            "body": clean(raw.get("Description")),
            "occurred_at": when,
        },
        refs={"contact_id": Ref("contacts", _ref_id(raw, "WhoId"), "skip")},
    )


def map_email_message(raw: dict) -> Mapped:
    sf_id = _require_id(raw)
    when = parse_datetime(raw.get("MessageDate"), field_name="MessageDate") or parse_sf_datetime(
        raw.get("LastModifiedDate")
    )
    body = clean(raw.get("TextBody")) or re.sub(r"<[^>]+>", " ", clean(raw.get("HtmlBody"))).strip()
    return Mapped(
        sf_id,
        {"kind": "email", "subject": clean(raw.get("Subject"))[:255], "body": body, "occurred_at": when},
        refs={"contact_id": Ref("contacts", _ref_id(raw, "RelatedToId"), "skip")},
    )


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class ObjectSpec:
    key: str  # SyncRun.object_name
    label: str
    sobject: str
    fields: tuple[str, ...]
    where: str
    mapper: Callable[[dict], Mapped]
    entity: str  # DataQualityFlag.entity_type


CONTACT_FIELDS = (
    "FirstName",
    "LastName",
    "MiddleName",
    "Salutation",
    "Suffix",
    *(name for name, _, _ in EMAIL_FIELDS),
    PREFERRED_EMAIL,
    *(name for name, _, _ in PHONE_FIELDS),
    PREFERRED_PHONE,
    "Gender__c",
    "Birthdate",
    "Racial_Ethnic_Background__c",
    "Age_Group__c",
    "DoNotCall",
    "Do_Not_Contact__c",
    "HasOptedOutOfEmail",
    "EmailBouncedDate",
    "MailingStreet",
    "MailingCity",
    "MailingState",
    "MailingPostalCode",
)
NON_ORG_ACCOUNT_TYPES = "'Household', 'School District', 'School'"

SPECS: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "districts",
        "Districts",
        "Account",
        ("Name", "Type", "School_Code_External_ID__c"),
        "Type = 'School District'",
        map_district,
        "district",
    ),
    ObjectSpec(
        "schools",
        "Schools",
        "Account",
        ("Name", "Type", "ParentId", "School_Code_External_ID__c", "Level__c"),
        "Type = 'School'",
        map_school,
        "school",
    ),
    ObjectSpec(
        "organizations",
        "Organizations",
        "Account",
        (
            "Name",
            "Type",
            "Description",
            "ParentId",
            "BillingCity",
            "BillingState",
            "BillingPostalCode",
            "LastActivityDate",
        ),
        f"Type NOT IN ({NON_ORG_ACCOUNT_TYPES}) OR Type = null",
        map_organization,
        "organization",
    ),
    ObjectSpec("classes", "Classes", "Class__c", ("Name", "School__c", "Class_Year_Number__c"), "", map_class, "class"),
    ObjectSpec(
        "volunteers",
        "Volunteers",
        "Contact",
        (
            *CONTACT_FIELDS,
            "Title",
            "Department",
            "Highest_Level_of_Educational__c",
            "Volunteer_Interests__c",
            *SKILL_FIELDS,
            "Contact_Type__c",
        ),
        "Contact_Type__c = 'Volunteer' OR Contact_Type__c = null",
        map_volunteer,
        "volunteer",
    ),
    ObjectSpec(
        "teachers",
        "Teachers",
        "Contact",
        (
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Gender__c",
            "Department",
            "npsp__Primary_Affiliation__c",
            "Contact_Type__c",
        ),
        "Contact_Type__c = 'Teacher'",
        map_teacher,
        "teacher",
    ),
    ObjectSpec(
        "students",
        "Students",
        "Contact",
        (
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Gender__c",
            "Birthdate",
            "npsp__Primary_Affiliation__c",
            "Racial_Ethnic_Background__c",
            "Local_Student_ID__c",
            "Class__c",
            "Current_Grade__c",
            "Contact_Type__c",
        ),
        "Contact_Type__c = 'Student'",
        map_student,
        "student",
    ),
    ObjectSpec(
        "affiliations",
        "Affiliations",
        "npe5__Affiliation__c",
        (
            "npe5__Contact__c",
            "npe5__Organization__c",
            "npe5__Role__c",
            "npe5__Primary__c",
            "npe5__Status__c",
            "npe5__StartDate__c",
            "npe5__EndDate__c",
        ),
        "",
        map_affiliation,
        "affiliation",
    ),
    ObjectSpec(
        "events",
        "Events",
        "Session__c",
        (
            "Name",
            "Session_Type__c",
            "Format__c",
            "Start_Date_and_Time__c",
            "End_Date_and_Time__c",
            "Session_Status__c",
            "Location_Information__c",
            "Description__c",
            "Cancellation_Reason__c",
            "School__c",
            "District__c",
            "Session_Host__c",
            "Registration_Link__c",
            "Total_Requested_Volunteer_Jobs__c",
        ),
        "Session_Status__c != 'Draft' AND Session_Type__c != 'Connector Session'",
        map_event,
        "event",
    ),
    ObjectSpec(
        "volunteer_participations",
        "Volunteer participations",
        "Session_Participant__c",
        ("Participant_Type__c", "Contact__c", "Session__c", "Status__c", "Delivery_Hours__c", "Title__c"),
        "Participant_Type__c = 'Volunteer'",
        map_volunteer_participation,
        "participation",
    ),
    ObjectSpec(
        "student_participations",
        "Student participations",
        "Session_Participant__c",
        ("Participant_Type__c", "Contact__c", "Session__c", "Status__c", "Delivery_Hours__c"),
        "Participant_Type__c = 'Student'",
        map_student_participation,
        "participation",
    ),
    ObjectSpec(
        "tasks",
        "Contact history (tasks)",
        "Task",
        ("WhoId", "Subject", "Description", "ActivityDate", "Type", "Status"),
        "WhoId != null",
        map_task,
        "history",
    ),
    ObjectSpec(
        "emails",
        "Contact history (emails)",
        "EmailMessage",
        ("RelatedToId", "Subject", "TextBody", "MessageDate", "FromAddress", "ToAddress"),
        "RelatedToId != null",
        map_email_message,
        "history",
    ),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}

# --------------------------------------------------------------------------- Salesforce wins
# The model fields each object's mapper writes, declared once. The sync writes exactly these (a
# mapper that produces anything else fails its record), and the API, the admin and page forms
# make them read-only on records that have a salesforce_id; every other field is local and the
# sync never touches it (notes, local status, exclusions, hand-entered skills and contact details).
_CONTACT = (
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "salutation",
    "gender",
    "birthdate",
    "race_ethnicity",
    "age_group",
    "do_not_call",
    "do_not_contact",
    "email_opt_out",
    "email_bounced_at",
)
_PARTICIPATION = ("event", "status", "status_source", "delivery_hours")
_HISTORY = ("contact", "kind", "subject", "body", "occurred_at")
SYNCED_FIELDS: dict[str, frozenset[str]] = {
    key: frozenset(names)
    for key, names in {
        "districts": ("name", "code"),
        "schools": ("name", "code", "level", "district"),
        "organizations": (
            "name",
            "kind",
            "kind_source",
            "description",
            "city",
            "state",
            "postal_code",
            "last_activity_date",
        ),
        "classes": ("name", "class_year", "school"),
        "volunteers": (*_CONTACT, "title", "department", "education", "interests"),
        "teachers": ("first_name", "last_name", "gender", "department", "school"),
        "students": (
            "first_name",
            "last_name",
            "gender",
            "birthdate",
            "race_ethnicity",
            "local_student_id",
            "current_grade",
            "school",
            "school_class",
        ),
        "affiliations": ("volunteer", "organization", "role", "is_primary", "status", "start_date", "end_date"),
        "events": (
            "title",
            "description",
            "start",
            "end",
            "duration_minutes",
            "location",
            "event_type",
            "event_type_source",
            "format",
            "status",
            "status_source",
            "cancellation_reason",
            "cancellation_notes",
            "session_host",
            "registration_link",
            "volunteers_needed",
            "school",
        ),
        "volunteer_participations": (*_PARTICIPATION, "volunteer", "role"),
        "student_participations": (*_PARTICIPATION, "student"),
        "tasks": _HISTORY,
        "emails": _HISTORY,
    }.items()
}


def undeclared_fields(key: str, mapped: Mapped) -> set[str]:
    """Fields a mapper produced that SYNCED_FIELDS does not declare for its object (a bug)."""
    produced = set(mapped.values) | {attname.removesuffix("_id") for attname in mapped.refs}
    return produced - SYNCED_FIELDS[key]


ORDER = tuple(spec.key for spec in SPECS)  # dependency order

# --------------------------------------------------------------------------- delta window
DELTA_BUFFER_HOURS = 1
AFTER_FAILURE_BUFFER_HOURS = 48


def delta_since(
    *,
    last_watermark: datetime | None,
    last_status: str | None,
    last_since: datetime | None,
    last_mode: str | None,
    requested: str,
) -> tuple[str, datetime | None]:
    """(mode, modified_since) for the next run of one object.

    - "full" requested, or no earlier run → full (no lower bound).
    - After a failed *full* run → full again (it never finished loading everything).
    - After a failed delta run → watermark − 48 h, but never later than that run's own lower bound,
      so consecutive failures never skip a window.
    - Otherwise → watermark − 1 h.
    """

    if requested == "full" or last_watermark is None:
        return "full", None
    if last_status == "failed":
        if last_mode == "full":
            return "full", None
        since = last_watermark - timedelta(hours=AFTER_FAILURE_BUFFER_HOURS)
        if last_since is not None:
            since = min(since, last_since)
        return "delta", since
    return "delta", last_watermark - timedelta(hours=DELTA_BUFFER_HOURS)


def run_status(*, failed: int, fatal: bool) -> str:
    if fatal:
        return "failed"
    return "partial" if failed else "success"
