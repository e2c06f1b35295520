"""Reading a Pathful session report, in plain Python (no ORM, no request).

`read_table` streams the rows of an `.xlsx` (openpyxl, read-only) or `.csv` upload; `parse`
checks the header, keeps the configured partner's rows and groups them into sessions. Guarantees:
- a missing required column is one error naming every missing column; nothing is parsed;
- a file that is neither xlsx nor UTF-8 CSV, or a corrupted xlsx, raises `PathfulFileError`
  with a message for people, never a library traceback;
- Pathful's status strings map through `STATUS_MAP`, the one table; an unknown string is kept
  raw and the session is marked `status is None` so the caller can flag it, never defaulted;
- the same (session, role, person) twice in one file is reported and used once;
- memory is bounded by the number of rows (compact tuples), never by the file's size.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .. import rules

REQUIRED_COLUMNS = ("Session ID", "Title", "Date", "Status", "SignUp Role", "Name")
OPTIONAL_COLUMNS = ("Partner", "Email", "School", "District", "Duration", "Salesforce ID")
_KEYS = {re.sub(r"[^a-z0-9]", "", c.lower()): c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
_KEYS |= {"sessionid": "Session ID", "signuprole": "SignUp Role", "role": "SignUp Role", "date": "Date"}
_KEYS |= {"emailaddress": "Email", "userauthid": "", "sessiondate": "Date", "sessiontitle": "Title"}

# --------------------------------------------------------------------------- status mapping
# Pathful status → (event status, teacher/presenter participation status, cancellation reason).
# The one table.
STATUS_MAP: dict[str, tuple[str, str, str]] = {
    "completed": (rules.COMPLETED, rules.P_ATTENDED, ""),
    "successfullycompleted": (rules.COMPLETED, rules.P_ATTENDED, ""),
    "noshow": (rules.NO_SHOW, rules.P_NO_SHOW, ""),
    "teachernoshow": (rules.NO_SHOW, rules.P_NO_SHOW, ""),
    "educatornoshow": (rules.NO_SHOW, rules.P_NO_SHOW, ""),
    "professionalnoshow": (rules.NO_SHOW, rules.P_NO_SHOW, ""),
    "presenternoshow": (rules.NO_SHOW, rules.P_NO_SHOW, ""),
    "volunteernoshow": (rules.NO_SHOW, rules.P_NO_SHOW, ""),
    "cancelled": (rules.CANCELLED, rules.P_CANCELLED, ""),
    "canceled": (rules.CANCELLED, rules.P_CANCELLED, ""),
    "teachercancelled": (rules.CANCELLED, rules.P_CANCELLED, "teacher"),
    "teachercanceled": (rules.CANCELLED, rules.P_CANCELLED, "teacher"),
    "presentercancelled": (rules.CANCELLED, rules.P_CANCELLED, "presenter"),
    "presentercanceled": (rules.CANCELLED, rules.P_CANCELLED, "presenter"),
    "cancelledbyteacher": (rules.CANCELLED, rules.P_CANCELLED, "teacher"),
    "cancelledbypresenter": (rules.CANCELLED, rules.P_CANCELLED, "presenter"),
    "draft": (rules.DRAFT, rules.P_REGISTERED, ""),
    "requested": (rules.REQUESTED, rules.P_REGISTERED, ""),
    "published": (rules.PUBLISHED, rules.P_REGISTERED, ""),
    "confirmed": (rules.CONFIRMED, rules.P_REGISTERED, ""),
}


def status_key(raw: str | None) -> str:
    """Case-, space- and punctuation-insensitive: "No-Show", "no show" and "NOSHOW" are one."""
    return re.sub(r"[^a-z]", "", (raw or "").lower())


def status_map(raw: str | None) -> tuple[str, str, str] | None:
    """(event status, participation status, cancellation reason), or None for a string the table does not know."""
    return STATUS_MAP.get(status_key(raw))


TEACHER_ROLES = frozenset({"educator", "teacher"})
PRESENTER_ROLES = frozenset({"professional", "presenter", "volunteer", "speaker"})


class PathfulFileError(Exception):
    """The file cannot be read as a Pathful report; the message is for the person uploading."""


# --------------------------------------------------------------------------- reading
def read_table(content: bytes, *, filename: str) -> tuple[list[str], Iterator[list]]:
    """Header and a row iterator of an .xlsx or .csv file (chosen by content, not by name)."""
    if content[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise PathfulFileError(f"“{filename}” is not a readable Excel (.xlsx) file.") from exc
        rows = book.worksheets[0].iter_rows(values_only=True)
        try:
            header = next(rows, None) or ()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise PathfulFileError(f"“{filename}” is not a readable Excel (.xlsx) file.") from exc
        return [str(h or "").strip() for h in header], _xlsx_rows(rows, filename)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise PathfulFileError("Old Excel (.xls) files are not supported: save the report as .xlsx or .csv.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PathfulFileError(f"“{filename}” is neither an Excel (.xlsx) file nor UTF-8 CSV text.") from exc
    if "\x00" in text[:4096]:
        raise PathfulFileError(f"“{filename}” is neither an Excel (.xlsx) file nor UTF-8 CSV text.")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return [h.strip() for h in header], reader


def _xlsx_rows(rows: Iterable, filename: str) -> Iterator[list]:
    try:
        for row in rows:
            yield list(row)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise PathfulFileError(f"“{filename}” is damaged: it stops part-way through.") from exc


# --------------------------------------------------------------------------- parsing
@dataclass(frozen=True)
class Person:
    row: int
    role: str  # "teacher" or "presenter"
    name: str
    email: str
    salesforce_id: str
    school: str
    district: str
    raw: dict


@dataclass
class Session:
    session_id: str
    row: int
    title: str
    start: datetime | None
    status_raw: str
    event_status: str | None  # None: unknown string, flag it
    participation_status: str | None
    cancellation_reason: str
    duration_minutes: int | None
    school: str
    district: str
    people: list[Person] = field(default_factory=list)


@dataclass
class Parsed:
    sessions: dict[str, Session] = field(default_factory=dict)
    rows: int = 0
    rows_other_partner: int = 0
    duplicate_rows: int = 0
    errors: list[dict] = field(default_factory=list)


def column_index(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, text in enumerate(header):
        name = _KEYS.get(re.sub(r"[^a-z0-9]", "", str(text).lower()))
        if name and name not in found:
            found[name] = i
    return found


def missing_columns(header: list[str], *, partner: str) -> list[str]:
    found = column_index(header)
    needed = REQUIRED_COLUMNS + (("Partner",) if partner else ())
    return [c for c in needed if c not in found]


def _text(value) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() in {"none", "null", "n/a"} else text


def parse_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(9, 0))
    text = _text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed if ("%H" in fmt or "%I" in fmt) else datetime.combine(parsed.date(), time(9, 0))
    raise ValueError(f"“{text}” is not a date (use YYYY-MM-DD or MM/DD/YYYY).")


def _duration(value) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        minutes = int(float(text))
    except ValueError:
        return None
    return minutes if 0 < minutes < 24 * 60 else None


def parse(header: list[str], rows: Iterable[list], *, partner: str) -> Parsed:
    """Group the rows into sessions. Call `missing_columns` first; this assumes they are there.

    Row numbers count the header as row 1, as a spreadsheet shows them."""
    cols = column_index(header)
    out = Parsed()
    seen_people: set[tuple[str, str, str]] = set()
    wanted_partner = status_key(partner)

    def get(raw: list, name: str):
        i = cols.get(name)
        return raw[i] if i is not None and i < len(raw) else None

    for offset, raw in enumerate(rows):
        number = offset + 2
        if not any(_text(v) for v in raw):
            continue
        out.rows += 1
        if wanted_partner and status_key(_text(get(raw, "Partner"))) != wanted_partner:
            out.rows_other_partner += 1
            continue
        session_id = _text(get(raw, "Session ID"))
        if not session_id:
            out.errors.append({"row": number, "field": "Session ID", "message": "No session id; row skipped."})
            continue
        session = out.sessions.get(session_id)
        if session is None:
            try:
                start = parse_datetime(get(raw, "Date"))
            except ValueError as exc:
                out.errors.append({"row": number, "field": "Date", "message": str(exc)})
                continue
            status_raw = _text(get(raw, "Status"))
            mapped = status_map(status_raw)
            session = Session(
                session_id=session_id[:64],
                row=number,
                title=_text(get(raw, "Title"))[:255] or f"Pathful session {session_id}",
                start=start,
                status_raw=status_raw[:100],
                event_status=mapped[0] if mapped else None,
                participation_status=mapped[1] if mapped else None,
                cancellation_reason=mapped[2] if mapped else "",
                duration_minutes=_duration(get(raw, "Duration")),
                school=_text(get(raw, "School")),
                district=_text(get(raw, "District")),
            )
            out.sessions[session_id] = session
        role_raw = status_key(_text(get(raw, "SignUp Role")))
        role = "teacher" if role_raw in TEACHER_ROLES else "presenter" if role_raw in PRESENTER_ROLES else ""
        name = " ".join(_text(get(raw, "Name")).split())
        if not role or not name:
            continue  # a session-only row (no participant), e.g. an unfilled presenter slot
        email = _text(get(raw, "Email")).lower()
        key = (session_id, role, email or name.lower())
        if key in seen_people:
            out.duplicate_rows += 1
            out.errors.append(
                {
                    "row": number,
                    "field": "Name",
                    "message": f"{name} is listed twice in session {session_id}; used once.",
                }
            )
            continue
        seen_people.add(key)
        session.people.append(
            Person(
                row=number,
                role=role,
                name=name[:255],
                email=email[:254],
                salesforce_id=_text(get(raw, "Salesforce ID"))[:18],
                school=_text(get(raw, "School")) or session.school,
                district=_text(get(raw, "District")) or session.district,
                raw={h: _text(get(raw, h)) for h in cols},
            )
        )
    return out
