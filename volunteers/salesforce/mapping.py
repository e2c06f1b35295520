"""Salesforce → Crewbase mapping: one declarative table per synced object (plain Python, no ORM).

Each object is an `ObjectSpec` whose table says, field by field, which Salesforce field feeds which
model field through which normaliser (`salesforce/normalise.py`):
- `Field(source, target, normaliser)`: one value; the normaliser may flag an issue or refuse the
  record (RecordError, naming the field), and returns SKIP when it has nothing to write;
- `Link(source, target, to, on_missing)`: a reference by Salesforce id to another synced object;
- `Rule(apply, reads, writes)`: what needs several fields at once (an end before the start, the
  preferred e-mail, skills from two fields), with the Salesforce fields it reads and the model
  fields it writes declared.
The same table is the SOQL field list (`spec.fields`) and the "Salesforce wins" declaration
(`SYNCED_FIELDS`): what the sync writes is exactly what the table names, and the API, the admin and
page forms make those fields read-only on synced records. A field the query did not return is not
written (an unqueried field is not ours to blank); blanks and the string "None" are never stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from integrations.salesforce.interface import parse_sf_datetime

from .. import rules
from .normalise import (
    AFFILIATION_STATUSES,
    ALL_CAPS_NAME,
    BLANK_MARKERS,
    CANCELLATION_REASONS,
    END_BEFORE_START,
    EVENT_FORMATS,
    EVENT_STATUSES,
    EVENT_TYPES,
    GENDERS,
    INVALID_EMAIL,
    INVALID_PHONE,
    MISSING_FIRST_NAME,
    MISSING_REFERENCE,
    NULL_ORG_TYPE,
    ORG_TYPES,
    REASON_WITHOUT_CANCELLATION,
    SALUTATIONS,
    SCHOOL_LEVELS,
    SYNC_ISSUES,
    UNKNOWN_PARTICIPATION_STATUS,
    UNKNOWN_PICKLIST,
    UNMATCHED_PARTICIPATION,
    Issue,
    Mapped,
    RecordError,
    Ref,
    as_bool,
    clean,
    normalize_email,
    normalize_name,
    normalize_phone,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    picklist,
)

__all__ = [  # what the sync and the tests use from here, the normalise names included
    "ALL_CAPS_NAME",
    "INVALID_EMAIL",
    "INVALID_PHONE",
    "MISSING_REFERENCE",
    "SYNC_ISSUES",
    "UNKNOWN_PICKLIST",
    "UNMATCHED_PARTICIPATION",
    "Issue",
    "Mapped",
    "RecordError",
    "Ref",
]

SKIP = object()  # a normaliser's "nothing to write" (an unknown picklist value keeps the stored one)
MISSING = object()  # a field the record does not carry (not queried): not ours to write


def _blank_of(normalise) -> Any:
    """What `normalise` makes of a null when that is a plain value with no issue and no refusal
    (then the mapping skips the call for nulls); MISSING otherwise."""
    issues: list[Issue] = []
    try:
        value = normalise(None, issues)
    except RecordError:
        return MISSING
    return MISSING if issues or value is SKIP else value


Normaliser = Callable[[Any, list[Issue]], Any]


# --------------------------------------------------------------------------- table entries
@dataclass(frozen=True)
class Field:
    """Salesforce field → model field (attname) through a normaliser (value, issues) → value."""

    source: str
    target: str
    normalise: Normaliser
    required: bool = False  # absent from the record counts as blank (the normaliser refuses it)


@dataclass(frozen=True)
class Link:
    """Salesforce id field → foreign key attname → the synced object it points to.

    on_missing: "fail" (record fails), "null" (stored empty + flagged), "pending" (pending queue),
    "skip" (not ours: e.g. an affiliation of a teacher to a school; counted as skipped)."""

    source: str
    target: str
    to: str
    on_missing: str = "null"


@dataclass(frozen=True)
class Rule:
    """Logic over several fields: `apply(raw, mapped)` reads `reads`, writes `writes` into mapped.values
    (and contact details, skills, m2m ids, issues)."""

    apply: Callable[[dict, Mapped], None]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- normalisers by kind
def text(max_length: int | None = None) -> Normaliser:
    def normalise(value, issues):  # clean() inlined: the commonest normaliser by far
        if value is None:
            return ""
        value = (value if value.__class__ is str else str(value)).strip()
        return "" if len(value) < 10 and value.lower() in BLANK_MARKERS else value[:max_length]

    return normalise


def single_spaced(max_length: int) -> Normaliser:
    def normalise(value, issues):
        return " ".join(clean(value).split())[:max_length]

    return normalise


def required_text(what: str, max_length: int | None = None) -> Normaliser:
    def normalise(value, issues):
        value = clean(value)
        if not value:
            raise RecordError("MISSING_FIELD", f"{what} has no name.")
        return value[:max_length]

    return normalise


def name(label: str, max_length: int = 100) -> Normaliser:
    def normalise(value, issues):
        return normalize_name(value, field_name=label, issues=issues)[:max_length]

    return normalise


def choice(table: dict[str, str], label: str, *, unknown=SKIP, blank=None) -> Normaliser:
    """A picklist: unknown labels are flagged and give `unknown` (SKIP keeps the stored value);
    a blank gives `blank` (None: "" as for any blank)."""

    def normalise(value, issues):
        mapped = picklist(value, table, field_name=label, issues=issues)
        if mapped is None:
            return unknown
        if mapped == "" and blank is not None:
            return blank
        return mapped

    return normalise


def a_date(source: str) -> Normaliser:
    return lambda value, issues: parse_date(value, field_name=source)


def a_datetime(source: str) -> Normaliser:
    return lambda value, issues: parse_datetime(value, field_name=source)


def a_decimal(source: str) -> Normaliser:
    known: dict[Any, Any] = {}  # hours and amounts repeat: each distinct value is parsed once

    def normalise(value, issues):
        number = known.get(value, MISSING)
        if number is MISSING:
            number = parse_decimal(value, field_name=source)
            if len(known) < 4096:
                known[value] = number
        return number

    return normalise


def an_int(source: str, *, blank=None) -> Normaliser:
    def normalise(value, issues):
        number = parse_int(value, field_name=source)
        return blank if number is None else number

    return normalise


def a_bool(value, issues) -> bool:
    return as_bool(value)


# --------------------------------------------------------------------------- object spec
@dataclass(frozen=True)
class ObjectSpec:
    key: str  # SyncRun.object_name
    label: str
    sobject: str
    where: str
    entity: str  # DataQualityFlag.entity_type
    table: tuple[Field | Link | Rule, ...]
    mapper: Callable[[dict], Mapped] | None = None  # replaces the table's mapping (tests)
    keep_raw: bool = False  # participations: the raw record is kept for the pending queue

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The SOQL field list: every Salesforce field the table reads, once, in table order."""
        names: list[str] = []
        for entry in self.table:
            for source in entry.reads if isinstance(entry, Rule) else (entry.source,):
                if source not in names:
                    names.append(source)
        return tuple(names)

    @cached_property
    def synced(self) -> frozenset[str]:
        """The model fields the table writes (foreign keys by field name: "school", not "school_id")."""
        names = set()
        for entry in self.table:
            if isinstance(entry, Rule):
                names.update(entry.writes)
            else:
                names.add(entry.target.removesuffix("_id") if isinstance(entry, Link) else entry.target)
        return frozenset(names)

    @cached_property
    def _plan(self):
        fields = tuple(
            (f.source, f.target, f.normalise, f.required, _blank_of(f.normalise))
            for f in self.table
            if isinstance(f, Field)
        )
        links = tuple(f for f in self.table if isinstance(f, Link))
        rules_ = tuple(f.apply for f in self.table if isinstance(f, Rule))
        return fields, links, rules_

    def map(self, raw: dict) -> Mapped:
        """One raw record (a dict with its Id) → Mapped. Raises RecordError naming the field."""
        if self.mapper is not None:
            return self.mapper(raw)
        sf_id = clean(raw.get("Id"))
        if not sf_id:
            raise RecordError("MISSING_SF_ID", "The record has no Salesforce id.", "Id")
        fields, links, rules_ = self._plan
        issues: list[Issue] = []
        values: dict[str, Any] = {}
        for source, target, normalise, required, blank in fields:
            value = raw.get(source, MISSING)
            if value is None and blank is not MISSING:
                values[target] = blank  # what the normaliser makes of a null, worked out once
                continue
            if value is MISSING:
                if not required:
                    continue
                value = None
            try:
                value = normalise(value, issues)
            except RecordError as exc:
                exc.field = exc.field or source
                raise
            if value is not SKIP:
                values[target] = value
        refs = {link.target: Ref(link.to, clean(raw.get(link.source)), link.on_missing) for link in links}
        mapped = Mapped(sf_id, values, refs, issues)
        for apply in rules_:
            apply(raw, mapped)
        if self.keep_raw:
            mapped.raw = {k: v for k, v in raw.items() if k != "attributes"} if "attributes" in raw else raw
        return mapped


# --------------------------------------------------------------------------- rules
def _organization_kind(raw: dict, mapped: Mapped) -> None:
    raw_type = clean(raw.get("Type"))
    if not raw_type:
        mapped.issues.append(Issue(NULL_ORG_TYPE, "Organization has no type in Salesforce; stored as Other.", "info"))
        mapped.values["kind"] = "other"
    else:  # the raw label is kept in kind_source
        mapped.values["kind"] = picklist(raw_type, ORG_TYPES, field_name="organization type", issues=mapped.issues) or (
            "other"
        )


def _first_name_given(raw: dict, mapped: Mapped) -> None:
    if not mapped.values.get("first_name"):
        mapped.issues.append(Issue(MISSING_FIRST_NAME, "Contact has no first name in Salesforce.", "warning"))


def _grade_k12(raw: dict, mapped: Mapped) -> None:
    grade = mapped.values.get("current_grade")
    if grade is not None and grade > 12:
        raise RecordError("INVALID_NUMBER", f"Current grade {grade} is outside K-12.", "Current_Grade__c")


def _affiliation_dates(raw: dict, mapped: Mapped) -> None:
    start, end = mapped.values.get("start_date"), mapped.values.get("end_date")
    if start and end and end < start:
        mapped.issues.append(
            Issue(END_BEFORE_START, f"Affiliation ends ({end}) before it starts ({start}); end dropped.", "warning")
        )
        mapped.values["end_date"] = None


def _event_schedule(raw: dict, mapped: Mapped) -> None:
    """Never invent a start (the system we replace used 2000-01-01); an end before the start is dropped."""
    values = mapped.values
    start, end = values["start"], values.get("end")
    if start is None:
        raise RecordError("INVALID_DATE", "Session has no start date and time.", "Start_Date_and_Time__c")
    if end is not None and end < start:
        mapped.issues.append(
            Issue(END_BEFORE_START, f"Session ends ({end:%Y-%m-%d %H:%M}) before it starts; end dropped.", "error")
        )
        values["end"] = end = None
    values["duration_minutes"] = int((end - start).total_seconds() // 60) if end else None


def _event_kind(raw: dict, mapped: Mapped) -> None:
    """Type and format: an unknown type is "other" (its label stays in event_type_source); a session
    without a format is virtual when its type is a virtual session."""
    values, issues = mapped.values, mapped.issues
    values["event_type"] = picklist(
        raw.get("Session_Type__c"), EVENT_TYPES, field_name="session type", issues=issues
    ) or ("other")
    fmt = picklist(raw.get("Format__c"), EVENT_FORMATS, field_name="session format", issues=issues)
    values["format"] = fmt or ("virtual" if values["event_type"] == "virtual_session" else "in_person")


def _event_status(raw: dict, mapped: Mapped) -> None:
    """An unknown status leaves the stored one (the raw label is in status_source); a cancellation
    reason counts only on a cancelled session."""
    values, issues = mapped.values, mapped.issues
    status = picklist(raw.get("Session_Status__c"), EVENT_STATUSES, field_name="session status", issues=issues)
    if status:
        values["status"] = status
    reason = (
        picklist(
            raw.get("Cancellation_Reason__c"), CANCELLATION_REASONS, field_name="cancellation reason", issues=issues
        )
        or ""
    )
    notes = ""  # Salesforce has no notes field for it: "Other" gets the stock sentence below
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


def _event_districts(raw: dict, mapped: Mapped) -> None:
    district = clean(raw.get("District__c"))
    mapped.m2m["districts"] = [district] if district else []


def _participation_status(raw: dict, mapped: Mapped) -> None:
    raw_status = clean(raw.get("Status__c"))
    status = rules.participation_status_from_source(raw_status)
    if raw_status and status == rules.P_UNKNOWN:
        mapped.issues.append(
            Issue(
                UNKNOWN_PARTICIPATION_STATUS,
                f"Unknown participation status “{raw_status}” kept as received.",
                "warning",
                {"raw": raw_status},
            )
        )
    mapped.values["status"] = status
    mapped.values["status_source"] = raw_status[:100]


def _task_history(raw: dict, mapped: Mapped) -> None:
    occurred = parse_date(raw.get("ActivityDate"), field_name="ActivityDate")
    mapped.values["kind"] = "activity"
    mapped.values["occurred_at"] = (
        datetime.combine(occurred, datetime.min.time(), tzinfo=UTC)
        if occurred
        else parse_sf_datetime(raw.get("LastModifiedDate"))
    )


def _email_history(raw: dict, mapped: Mapped) -> None:
    when = parse_datetime(raw.get("MessageDate"), field_name="MessageDate")
    mapped.values["kind"] = "email"
    mapped.values["body"] = clean(raw.get("TextBody")) or re.sub(r"<[^>]+>", " ", clean(raw.get("HtmlBody"))).strip()
    mapped.values["occurred_at"] = when or parse_sf_datetime(raw.get("LastModifiedDate"))


# --------------------------------------------------------------------------- contact details
# Salesforce field → (kind, the values of the "preferred" picklist that name it). NPSP keeps the
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
MAILING_FIELDS = (
    ("MailingStreet", "street", 255),
    ("MailingCity", "city", 100),
    ("MailingState", "state", 40),
    ("MailingPostalCode", "postal_code", 20),
)
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


def contact_details(emails: tuple, phones: tuple, *, mailing: bool) -> Rule:
    """E-mails and phones with the preferred one first (it becomes primary); the mailing address."""
    email_fields = tuple(f for f in EMAIL_FIELDS if f[0] in emails)
    phone_fields = tuple(f for f in PHONE_FIELDS if f[0] in phones)
    preferences = (PREFERRED_EMAIL, PREFERRED_PHONE) if len(emails) > 1 else ()

    orders: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (preference field, its value) → order

    def order_for(fields: tuple, preferred: str, raw: dict) -> list[tuple[str, str]]:
        key = (preferred, raw.get(preferred) if len(fields) > 1 else None)
        order = orders.get(key)
        if order is None:
            order = _preferred_first(raw, fields, preferred)
            if len(orders) < 64:  # a picklist has a handful of values; never grow without bound
                orders[key] = order
        return order

    def apply(raw: dict, mapped: Mapped) -> None:
        for fields, preferred, normalise, into in (
            (email_fields, PREFERRED_EMAIL, normalize_email, mapped.emails),
            (phone_fields, PREFERRED_PHONE, normalize_phone, mapped.phones),
        ):
            seen = set()
            for source, kind in order_for(fields, preferred, raw):
                value = raw.get(source)
                if value is None:
                    continue
                normalised = normalise(value, field_name=source, issues=mapped.issues)
                if normalised and normalised not in seen:
                    seen.add(normalised)
                    into.append((normalised, kind))
        if mailing:
            postal = {target: clean(raw.get(source))[:length] for source, target, length in MAILING_FIELDS}
            if any(postal.values()):
                mapped.postal = postal

    reads = (*emails, *phones, *preferences, *(source for source, _, _ in MAILING_FIELDS if mailing))
    return Rule(apply, reads=reads)


def _skills(raw: dict, mapped: Mapped) -> None:
    if any(source in raw for source in SKILL_FIELDS):
        mapped.m2m["skills"] = split_skills(*(raw.get(source) for source in SKILL_FIELDS))


# --------------------------------------------------------------------------- the tables
def _contact(*, full: bool) -> tuple:
    """The fields every contact kind shares; `full` for volunteers (the richest record)."""
    common = (
        Field("LastName", "last_name", _last_name, required=True),
        Field("FirstName", "first_name", name("first name")),
        Field("Gender__c", "gender", choice(GENDERS, "gender")),
        Rule(_first_name_given),
    )
    if not full:
        return common
    return (
        *common,
        Field("MiddleName", "middle_name", name("middle name")),
        Field("Salutation", "salutation", choice(SALUTATIONS, "salutation")),
        Field("Suffix", "suffix", text(20)),
        Field("Birthdate", "birthdate", a_date("Birthdate")),
        Field("Racial_Ethnic_Background__c", "race_ethnicity", single_spaced(100)),
        Field("Age_Group__c", "age_group", text(40)),
        Field("DoNotCall", "do_not_call", a_bool),
        Field("Do_Not_Contact__c", "do_not_contact", a_bool),
        Field("HasOptedOutOfEmail", "email_opt_out", a_bool),
        Field("EmailBouncedDate", "email_bounced_at", a_datetime("EmailBouncedDate")),
    )


def _last_name(value, issues) -> str:
    last = normalize_name(value, field_name="last name", issues=issues)
    if not last:
        raise RecordError("MISSING_FIELD", "Contact has no last name.", "LastName")
    return last[:100]


def _participation(contact_to: str, contact_target: str) -> tuple:
    return (
        Rule(_participation_status, reads=("Status__c",), writes=("status", "status_source")),
        Field("Delivery_Hours__c", "delivery_hours", a_decimal("Delivery_Hours__c")),
        Link("Contact__c", contact_target, contact_to, "pending"),
        Link("Session__c", "event_id", "events", "pending"),
    )


NON_ORG_ACCOUNT_TYPES = "'Household', 'School District', 'School'"
ALL_EMAILS = tuple(name for name, _, _ in EMAIL_FIELDS)
ALL_PHONES = tuple(name for name, _, _ in PHONE_FIELDS)

SPECS: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "districts",
        "Districts",
        "Account",
        "Type = 'School District'",
        "district",
        (
            Field("Name", "name", required_text("District"), required=True),
            Field("School_Code_External_ID__c", "code", text(40)),
        ),
    ),
    ObjectSpec(
        "schools",
        "Schools",
        "Account",
        "Type = 'School'",
        "school",
        (
            Field("Name", "name", required_text("School"), required=True),
            Field("School_Code_External_ID__c", "code", text(40)),
            Field(
                "Level__c",
                "level",
                choice(SCHOOL_LEVELS, "school level", unknown="other", blank="other"),
                required=True,
            ),
            Link("ParentId", "district_id", "districts", "fail"),
        ),
    ),
    ObjectSpec(
        "organizations",
        "Organizations",
        "Account",
        f"Type NOT IN ({NON_ORG_ACCOUNT_TYPES}) OR Type = null",
        "organization",
        (
            Field("Name", "name", required_text("Organization", 255), required=True),
            Field("Type", "kind_source", text(100)),
            Rule(_organization_kind, reads=("Type",), writes=("kind",)),
            Field("Description", "description", text()),
            Field("BillingCity", "city", text(100)),
            Field("BillingState", "state", text(40)),
            Field("BillingPostalCode", "postal_code", text(20)),
            Field("LastActivityDate", "last_activity_date", a_date("LastActivityDate")),
        ),
    ),
    ObjectSpec(
        "classes",
        "Classes",
        "Class__c",
        "",
        "class",
        (
            Field("Name", "name", required_text("Class", 200), required=True),
            Field("Class_Year_Number__c", "class_year", an_int("Class_Year_Number__c")),
            Link("School__c", "school_id", "schools"),
        ),
    ),
    ObjectSpec(
        "volunteers",
        "Volunteers",
        "Contact",
        "Contact_Type__c = 'Volunteer' OR Contact_Type__c = null",
        "volunteer",
        (
            *_contact(full=True),
            contact_details(ALL_EMAILS, ALL_PHONES, mailing=True),
            Field("Title", "title", text(200)),
            Field("Department", "department", text(200)),
            Field("Highest_Level_of_Educational__c", "education", text(100)),
            Field("Volunteer_Interests__c", "interests", text()),
            Rule(_skills, reads=SKILL_FIELDS),
        ),
    ),
    ObjectSpec(
        "teachers",
        "Teachers",
        "Contact",
        "Contact_Type__c = 'Teacher'",
        "teacher",
        (
            *_contact(full=False),
            contact_details(("Email",), ("Phone",), mailing=False),
            Field("Department", "department", text(200)),
            Link("npsp__Primary_Affiliation__c", "school_id", "schools"),
        ),
    ),
    ObjectSpec(
        "students",
        "Students",
        "Contact",
        "Contact_Type__c = 'Student'",
        "student",
        (
            *_contact(full=False),
            contact_details(("Email",), ("Phone",), mailing=False),
            Field("Birthdate", "birthdate", a_date("Birthdate")),
            Field("Racial_Ethnic_Background__c", "race_ethnicity", single_spaced(100)),
            Field("Local_Student_ID__c", "local_student_id", text(40)),
            Field("Current_Grade__c", "current_grade", an_int("Current_Grade__c")),
            Rule(_grade_k12),
            Link("npsp__Primary_Affiliation__c", "school_id", "schools"),
            Link("Class__c", "school_class_id", "classes"),
        ),
    ),
    ObjectSpec(
        "affiliations",
        "Affiliations",
        "npe5__Affiliation__c",
        "",
        "affiliation",
        (
            Field("npe5__Role__c", "role", text(200)),
            Field("npe5__Primary__c", "is_primary", a_bool),
            Field("npe5__Status__c", "status", choice(AFFILIATION_STATUSES, "affiliation status", blank=SKIP)),
            Field("npe5__StartDate__c", "start_date", a_date("npe5__StartDate__c")),
            Field("npe5__EndDate__c", "end_date", a_date("npe5__EndDate__c")),
            Rule(_affiliation_dates),
            Link("npe5__Contact__c", "volunteer_id", "volunteers", "skip"),
            Link("npe5__Organization__c", "organization_id", "organizations", "skip"),
        ),
    ),
    ObjectSpec(
        "events",
        "Events",
        "Session__c",
        "Session_Status__c != 'Draft' AND Session_Type__c != 'Connector Session'",
        "event",
        (
            Field("Name", "title", required_text("Session", 255), required=True),
            Field("Start_Date_and_Time__c", "start", a_datetime("Start_Date_and_Time__c"), required=True),
            Field("End_Date_and_Time__c", "end", a_datetime("End_Date_and_Time__c")),
            Rule(_event_schedule, writes=("duration_minutes",)),
            Field("Session_Type__c", "event_type_source", text(100)),
            Rule(_event_kind, reads=("Session_Type__c", "Format__c"), writes=("event_type", "format")),
            Field("Session_Status__c", "status_source", text(100)),
            Rule(
                _event_status,
                reads=("Session_Status__c", "Cancellation_Reason__c"),
                writes=("status", "cancellation_reason", "cancellation_notes"),
            ),
            Field("Location_Information__c", "location", text(255)),
            Field("Description__c", "description", text()),
            Field("Session_Host__c", "session_host", text(200)),
            Field("Registration_Link__c", "registration_link", text(200)),
            Field(
                "Total_Requested_Volunteer_Jobs__c",
                "volunteers_needed",
                an_int("Total_Requested_Volunteer_Jobs__c", blank=0),
                required=True,
            ),
            Link("School__c", "school_id", "schools"),
            Rule(_event_districts, reads=("District__c",)),
        ),
    ),
    ObjectSpec(
        "volunteer_participations",
        "Volunteer participations",
        "Session_Participant__c",
        "Participant_Type__c = 'Volunteer'",
        "participation",
        (*_participation("volunteers", "volunteer_id"), Field("Title__c", "role", text(100))),
        keep_raw=True,
    ),
    ObjectSpec(
        "student_participations",
        "Student participations",
        "Session_Participant__c",
        "Participant_Type__c = 'Student'",
        "participation",
        _participation("students", "student_id"),
        keep_raw=True,
    ),
    ObjectSpec(
        "tasks",
        "Contact history (tasks)",
        "Task",
        "WhoId != null",
        "history",
        (
            Field("Subject", "subject", text(255)),
            Field("Description", "body", text()),
            Rule(_task_history, reads=("ActivityDate",), writes=("kind", "occurred_at")),
            Link("WhoId", "contact_id", "contacts", "skip"),
        ),
    ),
    ObjectSpec(
        "emails",
        "Contact history (emails)",
        "EmailMessage",
        "RelatedToId != null",
        "history",
        (
            Field("Subject", "subject", text(255)),
            Rule(_email_history, reads=("TextBody", "HtmlBody", "MessageDate"), writes=("kind", "body", "occurred_at")),
            Link("RelatedToId", "contact_id", "contacts", "skip"),
        ),
    ),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
ORDER = tuple(spec.key for spec in SPECS)  # dependency order

# Salesforce wins for exactly these fields, per object: the tables above, read once. The sync writes
# nothing else (a mapper producing anything else fails its record), and the API, the admin and page
# forms make them read-only on records that have a salesforce_id; every other field is local and
# the sync never touches it (notes, local status, exclusions, hand-entered skills and contact details).
SYNCED_FIELDS: dict[str, frozenset[str]] = {spec.key: spec.synced for spec in SPECS}


def undeclared_fields(key: str, mapped: Mapped) -> set[str]:
    """Fields a mapper produced that SYNCED_FIELDS does not declare for its object (a bug)."""
    produced = set(mapped.values) | {attname.removesuffix("_id") for attname in mapped.refs}
    return produced - SYNCED_FIELDS[key]


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
