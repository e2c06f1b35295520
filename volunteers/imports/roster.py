"""Teacher roster import (Google Sheet or uploaded CSV) and report export to a sheet.

Parsing is plain Python (`roster_parse`); `roster_import` applies the rows:
- teachers are found by the teacher matcher every import uses (`volunteers.virtual.matching`):
  e-mail (any case), then normalised full name; a teacher found by name gets the roster's
  e-mail added. New ones are added, known ones updated;
- a row matching more than one teacher, or a teacher another row of the roster already claims,
  is never guessed: it is reported and put in the data-quality queue (DataQualityFlag
  `roster_ambiguous_teacher`) and the row is skipped;
- active teachers of the roster's schools who are missing from it are deactivated;
- a teacher an administrator deactivated by hand (`deactivated_manually`) is never reactivated:
  the row is flagged (DataQualityFlag `protected_teacher_skipped`) instead;
- a malformed row is reported by its row number (the header is row 1) and skipped; the rest imports;
- the current year's progress rows then follow the teachers' status (source "roster diff"), and a
  manual deactivation (who, when, a required reason) is never undone by a roster.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from integrations.sheets import get_client

from .. import rules
from ..models import (
    Contact,
    ContactEmail,
    DataQualityFlag,
    DeactivationSource,
    RosterImport,
    School,
    SchoolAlias,
    Teacher,
    TeacherProgress,
)
from ..virtual.matching import ContactMatcher, Match
from ..virtual.progress import progress_deactivate, progress_roster_diff

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
HEADER_ALIASES = {
    "email": "email",
    "email_address": "email",
    "e_mail": "email",
    "first_name": "first_name",
    "first": "first_name",
    "last_name": "last_name",
    "last": "last_name",
    "surname": "last_name",
    "school": "school",
    "building": "school",
    "department": "department",
    "subject": "department",
}
REQUIRED = ("email", "last_name")
BLANKS = {"", "none", "null", "n/a"}


@dataclass(frozen=True)
class RosterRow:
    row: int
    email: str
    first_name: str
    last_name: str
    school: str
    department: str


def _header_key(text: str) -> str:
    return HEADER_ALIASES.get(re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_"), "")


def _clean(text) -> str:
    value = str(text or "").strip()
    return "" if value.lower() in BLANKS else value


def roster_parse(header: list[str], rows: list[list[str]]) -> tuple[list[RosterRow], list[dict]]:
    """Valid rows and errors ({row, field, message}); row numbers count the header as row 1."""
    keys = [_header_key(h) for h in header]
    missing = [name for name in REQUIRED if name not in keys]
    if missing:
        return [], [{"row": 1, "field": name, "message": f"The header has no “{name}” column."} for name in missing]
    valid, errors, seen = [], [], {}
    for offset, raw in enumerate(rows):
        number = offset + 2
        values = {key: _clean(raw[i]) if i < len(raw) else "" for i, key in enumerate(keys) if key}
        if not any(values.values()):
            continue  # blank line
        email = values.get("email", "").lower()
        row_errors = []
        if not email:
            row_errors.append(("email", "Email is required."))
        elif not EMAIL_RE.match(email):
            row_errors.append(("email", f"“{values.get('email')}” is not an email address."))
        elif email in seen:
            row_errors.append(("email", f"Duplicate of row {seen[email]}."))
        if not values.get("last_name"):
            row_errors.append(("last_name", "Last name is required."))
        if row_errors:
            errors.extend({"row": number, "field": f, "message": m} for f, m in row_errors)
            continue
        seen[email] = number
        valid.append(
            RosterRow(
                number,
                email,
                values.get("first_name", "")[:100],
                values["last_name"][:100],
                values.get("school", ""),
                values.get("department", "")[:200],
            )
        )
    return valid, errors


def csv_table(content: bytes | str) -> tuple[list[str], list[list[str]]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    reader = list(csv.reader(io.StringIO(text)))
    return (reader[0], reader[1:]) if reader else ([], [])


def _school_lookup(names: set[str]) -> dict[str, School]:
    lowered = {n.lower() for n in names if n}
    found = {s.name.lower(): s for s in School.objects.annotate(n=Lower("name")).filter(n__in=lowered)}
    for alias in SchoolAlias.objects.select_related("school").annotate(n=Lower("name")).filter(n__in=lowered):
        found.setdefault(alias.name.lower(), alias.school)
    return found


@transaction.atomic
def roster_import(
    *, header: list[str], rows: list[list[str]], source: str, sheet_id: str = "", filename: str = "", user=None
) -> RosterImport:
    valid, errors = roster_parse(header, rows)
    schools = _school_lookup({r.school for r in valid})
    log = RosterImport(
        source=source,
        sheet_id=sheet_id[:200],
        filename=filename[:255],
        rows=len(valid) + len({e["row"] for e in errors if e["row"] > 1}),
        imported_by=user if user and user.pk else None,
    )
    matcher = ContactMatcher(kind=Contact.Kind.TEACHER)
    matches = {row.row: matcher.match(name=f"{row.first_name} {row.last_name}", email=row.email) for row in valid}
    claims: dict[int, list[RosterRow]] = defaultdict(list)
    for row in valid:
        if matches[row.row].contact_id is not None:
            claims[matches[row.row].contact_id].append(row)
    teachers = Teacher.objects.in_bulk(list(claims))
    roster_ids, scope_school_ids = set(), set()
    for row in valid:
        school = schools.get(row.school.lower()) if row.school else None
        if row.school and school is None:
            errors.append({"row": row.row, "field": "school", "message": f"Unknown school “{row.school}”."})
            log.skipped += 1
            continue
        match = matches[row.row]
        if match.contact_id is not None and len(claims[match.contact_id]) > 1 and match.how != "email":
            # Another row of this roster is the same teacher too: a name match here would be a guess.
            others = [r.row for r in claims[match.contact_id] if r is not row]
            match = Match(None, "ambiguous", (match.contact_id,))
            reason = f"Matches the teacher of row(s) {', '.join(map(str, others))} by name only."
        else:
            reason = "Matches more than one teacher."
        if match.how == "ambiguous":
            _flag_ambiguous(row, match, reason)
            errors.append({"row": row.row, "field": "match", "message": f"{reason} Not imported: see data quality."})
            log.skipped += 1
            continue
        teacher = teachers.get(match.contact_id) if match.contact_id else None
        if school:
            scope_school_ids.add(school.pk)
        if teacher is None:
            teacher = Teacher.objects.create(
                first_name=row.first_name, last_name=row.last_name, department=row.department, school=school
            )
            ContactEmail.objects.create(contact=teacher, email=row.email, is_primary=True, kind=ContactEmail.Kind.WORK)
            log.added += 1
            roster_ids.add(teacher.pk)
            continue
        if match.how == "name":  # found by name: the roster's e-mail is theirs too
            ContactEmail.objects.create(
                contact=teacher,
                email=row.email,
                is_primary=not ContactEmail.objects.filter(contact=teacher, is_primary=True).exists(),
                kind=ContactEmail.Kind.WORK,
            )
        roster_ids.add(teacher.pk)
        if teacher.school_id:
            scope_school_ids.add(teacher.school_id)
        changes = {
            "first_name": row.first_name or teacher.first_name,
            "last_name": row.last_name,
            "department": row.department or teacher.department,
            "school_id": school.pk if school else teacher.school_id,
        }
        if teacher.status != Teacher.Status.ACTIVE:
            if teacher.deactivated_manually:
                _flag_protected(teacher, row)
                log.flagged += 1
            else:
                changes["status"] = Teacher.Status.ACTIVE
        changed = [k for k, v in changes.items() if getattr(teacher, k) != v]
        if changed or match.how == "name":
            for k in changed:
                setattr(teacher, k, changes[k])
            teacher.save(update_fields=[*changed, "updated_at"])
            log.updated += 1
        else:
            log.unchanged += 1
    missing = Teacher.objects.filter(school_id__in=scope_school_ids, status=Teacher.Status.ACTIVE).exclude(
        pk__in=roster_ids
    )
    for teacher in missing:  # one by one so each change is in the history trail
        teacher.status = Teacher.Status.INACTIVE
        teacher.save(update_fields=["status", "updated_at"])
        log.deactivated += 1
    log.errors = sorted(errors, key=lambda e: (e["row"], e["field"]))[:500]
    log.skipped += len({e["row"] for e in errors if e["field"] not in ("school", "match")})
    log.save()
    progress_roster_diff(academic_year=rules.academic_year_of(timezone.localdate()))
    return log


def _flag_ambiguous(row: RosterRow, match: Match, reason: str) -> None:
    """Into the data-quality queue, keyed by the row's e-mail: one open flag however many imports."""
    key = row.email if len(row.email) <= 40 else hashlib.sha1(row.email.encode(), usedforsecurity=False).hexdigest()
    DataQualityFlag.objects.update_or_create(
        entity_type="roster_row",
        entity_key=key,
        issue_type="roster_ambiguous_teacher",
        defaults={
            "entity_id": None,
            "severity": DataQualityFlag.Severity.WARNING,
            "source": "roster_import",
            "status": DataQualityFlag.Status.OPEN,
            "message": f"Roster row {row.row} ({row.first_name} {row.last_name}, {row.email}): {reason}"[:500],
            "details": {"row": row.row, "email": row.email, "candidates": list(match.candidates)},
        },
    )


def _flag_protected(teacher: Teacher, row: RosterRow) -> None:
    DataQualityFlag.objects.update_or_create(
        entity_type="teacher",
        entity_key=teacher.salesforce_id or str(teacher.pk),
        issue_type="protected_teacher_skipped",
        defaults={
            "entity_id": teacher.pk,
            "severity": DataQualityFlag.Severity.WARNING,
            "source": "roster_import",
            "status": DataQualityFlag.Status.OPEN,
            "message": f"{teacher.full_name} is on the roster (row {row.row}) but was deactivated by an "
            "administrator; not reactivated.",
            "details": {"row": row.row, "email": row.email},
        },
    )


def roster_import_from_sheet(*, sheet_id: str, worksheet: str = "", user=None, client=None) -> RosterImport:

    table = (client or get_client()).read(sheet_id, worksheet=worksheet)
    return roster_import(
        header=table.header, rows=table.rows, source=RosterImport.Source.SHEET, sheet_id=sheet_id, user=user
    )


def report_export_to_sheet(*, sheet_id: str, worksheet: str, header: list[str], rows: list[list], client=None) -> int:
    """Write a report (header + rows) to a worksheet, replacing what was there."""

    text_rows = [["" if v is None else str(v) for v in row] for row in rows]
    return (client or get_client()).write(
        sheet_id, worksheet=worksheet, header=[str(h) for h in header], rows=text_rows
    )


@transaction.atomic
def teacher_deactivate_manually(*, teacher: Teacher, reason: str, user=None) -> Teacher:
    """An administrator deactivates a teacher: roster imports will never reactivate them. Their
    active progress rows are deactivated too, recording who, when and the (required) reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give a reason for deactivating this teacher."]})
    teacher.status, teacher.deactivated_manually = Teacher.Status.INACTIVE, True
    teacher.save(update_fields=["status", "deactivated_manually", "updated_at"])
    for record in TeacherProgress.objects.filter(teacher=teacher, is_active=True):
        progress_deactivate(progress=record, source=DeactivationSource.MANUAL, user=user, reason=reason)
    return teacher


__all__ = [
    "RosterRow",
    "csv_table",
    "report_export_to_sheet",
    "roster_import",
    "roster_import_from_sheet",
    "roster_parse",
    "teacher_deactivate_manually",
    "Q",
]
