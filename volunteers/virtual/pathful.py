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

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import BinaryIO

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


@lru_cache(maxsize=1024)
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
def read_table(source: bytes | BinaryIO, *, filename: str) -> tuple[list[str], Iterator[list]]:
    """Header and a row iterator of an .xlsx or .csv file (chosen by content, not by name).

    `source` is the upload's bytes or an open binary file; a file is streamed (openpyxl in
    read-only mode, csv line by line), so it must stay open while the rows are read."""
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    head = handle.read(4096)
    handle.seek(0)
    if head[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
            rows = book.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None) or ()
        except (
            InvalidFileException,
            zipfile.BadZipFile,
            KeyError,
            OSError,
            ValueError,
            IndexError,
            SyntaxError,
        ) as exc:
            # SyntaxError: the XML parsers' errors (ElementTree's ParseError, lxml's) derive from it.
            raise PathfulFileError(f"“{filename}” is not a readable Excel (.xlsx) file.") from exc
        return [str(h or "").strip() for h in header], _xlsx_rows(rows, filename)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise PathfulFileError("Old Excel (.xls) files are not supported: save the report as .xlsx or .csv.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise PathfulFileError(f"“{filename}” is neither an Excel (.xlsx) file nor UTF-8 CSV text.") from exc
    if b"\x00" in head:
        raise PathfulFileError(f"“{filename}” is neither an Excel (.xlsx) file nor UTF-8 CSV text.")
    reader = _csv_rows(csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")), filename)
    header = next(reader, [])
    return [str(h).strip() for h in header], reader


def _csv_rows(reader: Iterator[list], filename: str) -> Iterator[list]:
    try:
        yield from reader
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PathfulFileError(f"“{filename}” is not UTF-8 CSV text past its first lines.") from exc


def _xlsx_rows(rows: Iterable, filename: str) -> Iterator[list]:
    try:
        for row in rows:
            yield list(row)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: broken XML
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
    cells: tuple  # the row's cells of `Parsed.columns`, as read (compact); see `Parsed.raw`


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
    columns: tuple[str, ...] = ()

    def raw(self, person: Person) -> dict[str, str]:
        """The person's row as read (column → text), for the unmatched queue."""
        return {name: _text(value) for name, value in zip(self.columns, person.cells, strict=True)}


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


_BLANK_WORDS = frozenset({"none", "null", "n/a"})


def _text(value) -> str:
    if value is None:
        return ""
    text = value.strip() if isinstance(value, str) else str(value).strip()
    return "" if len(text) <= 4 and text.lower() in _BLANK_WORDS else text


@lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> datetime:
    if len(text) >= 10 and text[4] == "-":  # ISO: the usual export, parsed in C
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return parsed if len(text) > 10 else datetime.combine(parsed.date(), time(9, 0))
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed if ("%H" in fmt or "%I" in fmt) else datetime.combine(parsed.date(), time(9, 0))
    raise ValueError(f"“{text}” is not a date (use YYYY-MM-DD or MM/DD/YYYY).")


def parse_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(9, 0))
    text = _text(value)
    return _parse_date_text(text) if text else None


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

    Row numbers count the header as row 1, as a spreadsheet shows them. A session's later rows
    add its people; one whose date or status differs from the session's first row is reported
    (the first row's values are used)."""
    cols = column_index(header)
    out = Parsed(columns=tuple(cols))
    seen_people: set[tuple[str, str, str]] = set()
    wanted_partner = status_key(partner)
    width = max(len(header), max(cols.values(), default=-1) + 1)
    pad = [None] * (width + 1)  # cell `width` is always empty: the place of an absent column
    i_session, i_status, i_role, i_name = (cols[c] for c in ("Session ID", "Status", "SignUp Role", "Name"))
    i_partner, i_date, i_title, i_duration, i_school, i_district, i_email, i_sf = (
        cols.get(c, width)
        for c in ("Partner", "Date", "Title", "Duration", "School", "District", "Email", "Salesforce ID")
    )
    keep = [cols[c] for c in out.columns]

    for offset, raw in enumerate(rows):
        if not any(raw):
            continue
        if len(raw) <= width:
            raw = [*raw, *pad[len(raw) :]]
        number = offset + 2
        session_id = _text(raw[i_session])
        if not session_id and not any(_text(v) for v in raw):
            continue  # a blank line
        out.rows += 1
        if wanted_partner and status_key(_text(raw[i_partner])) != wanted_partner:
            out.rows_other_partner += 1
            continue
        if not session_id:
            out.errors.append({"row": number, "field": "Session ID", "message": "No session id; row skipped."})
            continue
        session = out.sessions.get(session_id)
        status_raw = _text(raw[i_status])
        if session is None:
            try:
                start = parse_datetime(raw[i_date])
            except ValueError as exc:
                out.errors.append({"row": number, "field": "Date", "message": str(exc)})
                continue
            mapped = status_map(status_raw)
            session = Session(
                session_id=session_id[:64],
                row=number,
                title=_text(raw[i_title])[:255] or f"Pathful session {session_id}",
                start=start,
                status_raw=status_raw[:100],
                event_status=mapped[0] if mapped else None,
                participation_status=mapped[1] if mapped else None,
                cancellation_reason=mapped[2] if mapped else "",
                duration_minutes=_duration(raw[i_duration]),
                school=_text(raw[i_school]),
                district=_text(raw[i_district]),
            )
            out.sessions[session_id] = session
        elif status_raw[:100] != session.status_raw or _start_differs(session, raw[i_date]):
            out.errors.append(
                {
                    "row": number,
                    "field": "Session ID",
                    "message": f"Session {session_id} appears again with another date or status (first at row "
                    f"{session.row}); the first row's are used.",
                }
            )
        role_raw = status_key(_text(raw[i_role]))
        role = "teacher" if role_raw in TEACHER_ROLES else "presenter" if role_raw in PRESENTER_ROLES else ""
        name = " ".join(_text(raw[i_name]).split())
        if not role or not name:
            continue  # a session-only row (no participant), e.g. an unfilled presenter slot
        email = _text(raw[i_email]).lower()
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
                salesforce_id=_text(raw[i_sf])[:18],
                school=_text(raw[i_school]) or session.school,
                district=_text(raw[i_district]) or session.district,
                cells=tuple(raw[i] for i in keep),
            )
        )
    return out


def _start_differs(session: Session, value) -> bool:
    try:
        return parse_datetime(value) != session.start
    except ValueError:
        return True
