"""CSV import of volunteers: parse and validate every row first (preview), then create only the
valid rows once the user confirms. Nothing is written while validating."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from .. import services
from ..models import ContactEmail, Organization, OrganizationAlias

COLUMNS = ["first_name", "last_name", "email", "phone", "organization", "title", "department", "skills", "postal_code"]
REQUIRED = ["first_name", "last_name"]
MAX_ROWS = 5000


@dataclass
class ImportRow:
    number: int  # line number in the file (header is line 1)
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    organization_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


def _org_lookup() -> dict[str, int]:
    names = {n: pk for pk, n in Organization.objects.annotate(n=Lower("name")).values_list("pk", "n")}
    names.update(
        {n: pk for pk, n in OrganizationAlias.objects.annotate(n=Lower("name")).values_list("organization_id", "n")}
    )
    return names


def import_preview(text: str) -> ImportPreview:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in headers]
    unknown = [h for h in headers if h and h not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"Missing required column(s): {', '.join(missing)}.")
        if unknown:
            problems.append(f"Unknown column(s): {', '.join(unknown)}. Allowed: {', '.join(COLUMNS)}.")
        return ImportPreview(rows=[], file_errors=problems)
    orgs = _org_lookup()
    existing_emails = set()
    seen_emails: dict[str, int] = {}
    rows: list[ImportRow] = []
    raw_rows = list(reader)
    if len(raw_rows) > MAX_ROWS:
        return ImportPreview(rows=[], file_errors=[f"At most {MAX_ROWS} rows per import."])
    emails_in_file = []
    for raw in raw_rows:
        email = (raw.get("email") or "").strip().lower()
        if email:
            emails_in_file.append(email)
    if emails_in_file:
        existing_emails = set(ContactEmail.objects.filter(email__in=emails_in_file).values_list("email", flat=True))
    for index, raw in enumerate(raw_rows, start=2):
        values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        row = ImportRow(number=index, values=values)
        for name in REQUIRED:
            if not values.get(name):
                row.errors[name] = "Required."
        if values.get("email"):
            try:
                email = services.normalize_email(values["email"])
                if email in existing_emails:
                    row.errors["email"] = f"{email} already belongs to a contact."
                elif email in seen_emails:
                    row.errors["email"] = f"Same email as row {seen_emails[email]}."
                seen_emails.setdefault(email, index)
                values["email"] = email
            except ValidationError as exc:
                row.errors["email"] = exc.message_dict["email"][0]
        if values.get("phone"):
            try:
                values["phone"] = services.normalize_phone(values["phone"])
            except ValidationError as exc:
                row.errors["phone"] = exc.message_dict["number"][0]
        if values.get("organization"):
            row.organization_id = orgs.get(values["organization"].lower())
            if row.organization_id is None:
                row.errors["organization"] = f"Unknown organization “{values['organization']}”."
        rows.append(row)
    return ImportPreview(rows=rows)


@transaction.atomic
def import_commit(text: str) -> tuple[int, int]:
    """Re-validate (the data may have changed since the preview) and create the valid rows.
    Returns (created, skipped)."""
    preview = import_preview(text)
    if preview.file_errors:
        raise ValidationError({"file": preview.file_errors})
    orgs = Organization.objects.in_bulk([r.organization_id for r in preview.valid if r.organization_id])
    for row in preview.valid:
        v = row.values
        services.volunteer_create(
            first_name=v["first_name"],
            last_name=v["last_name"],
            email=v.get("email", ""),
            phone=v.get("phone", ""),
            organization=orgs.get(row.organization_id),
            title=v.get("title", ""),
            department=v.get("department", ""),
            postal_code=v.get("postal_code", ""),
            skills=[s for s in (v.get("skills") or "").split(";") if s.strip()],
        )
    return len(preview.valid), len(preview.invalid)
