"""Loyalty programmes: one account row per programme, per user, optionally linked to one of the
user's merchants (then shown on that merchant's restaurants). CSV export and import; the import
upserts by programme name and writes nothing unless every row is valid."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower

from project.csv import cell_unescape, csv_text

from .importing import ImportFileError, is_blank_row, normalize_header, read_csv_rows
from .models import LoyaltyAccount, Merchant

COLUMNS = ["program", "merchant", "number", "tier", "points", "portal_url"]
FIELDS = ("program", "number", "tier", "points", "portal_url")


_KEEP = object()


@transaction.atomic
def loyalty_save(*, user, program: str, merchant=_KEEP, **fields) -> LoyaltyAccount:
    """Create the programme's account, or update it when the user already has that programme
    (matched case-insensitively, like the unique constraint). Fields not given (and the merchant,
    unless given, None meaning "unlinked") keep their values."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown loyalty fields {sorted(unknown)}")
    if merchant is not _KEEP and merchant is not None and merchant.user_id != user.pk:
        raise ValidationError({"merchant": "Not found."})
    program = program.strip()
    account = (
        LoyaltyAccount.objects.filter(user=user)
        .annotate(lprogram=Lower("program"))
        .filter(lprogram=Lower(Value(program)))
        .first()
    ) or LoyaltyAccount(user=user)
    account.program = program
    if merchant is not _KEEP:
        account.merchant = merchant
    for name, value in fields.items():
        setattr(account, name, value)
    account.full_clean(validate_constraints=False)
    account.save()
    return account


@transaction.atomic
def loyalty_delete(*, account: LoyaltyAccount) -> None:
    account.delete()


def loyalty_export_csv(accounts) -> str:
    return csv_text(
        COLUMNS,
        (
            [a.program, a.merchant.name if a.merchant else "", a.number, a.tier, a.points, a.portal_url]
            for a in accounts
        ),
    )


@transaction.atomic
def loyalty_import_csv(*, user, data: bytes) -> dict:
    """Upsert every row by programme; ValidationError({"file": [...]}) naming row and column, and
    nothing written, when the file or any row is bad."""
    try:
        raw_rows, headers = read_csv_rows(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ImportFileError) as exc:
        raise ValidationError({"file": f"The file cannot be read: {exc}"}) from exc
    mapping = {h: normalize_header(h) for h in headers if normalize_header(h) in COLUMNS}
    if "program" not in mapping.values():
        raise ValidationError({"file": "The file has no “program” column, which is required."})
    merchants = {m.name.lower(): m for m in Merchant.objects.filter(user=user)}
    errors, planned = [], []
    for raw in raw_rows:
        if is_blank_row(raw):
            continue
        line = raw.get("\x00line")
        row = {column: cell_unescape(str(raw.get(header) or "").strip()) for header, column in mapping.items()}
        if not row.get("program"):
            errors.append(f"line {line}: program: a programme name is required")
            continue
        merchant = None if "merchant" in row else _KEEP  # a file without the column keeps the links
        if row.get("merchant"):
            merchant = merchants.get(row["merchant"].lower())
            if merchant is None:
                errors.append(f"line {line}: merchant: “{row['merchant']}” is not one of your merchants")
                continue
        points = row.get("points", "")
        if points and not points.isdigit():
            errors.append(f"line {line}: points: “{points}” is not a whole number")
            continue
        fields = {name: row[name] for name in ("number", "tier", "portal_url") if name in row}
        if "points" in row:
            fields["points"] = int(points) if points else None
        planned.append((line, row["program"], merchant, fields))
    if errors:
        raise ValidationError({"file": errors})
    for line, program, merchant, fields in planned:
        try:
            loyalty_save(user=user, program=program, merchant=merchant, **fields)
        except ValidationError as exc:
            raise ValidationError(
                {"file": [f"line {line}: {f}: {' '.join(m)}" for f, m in exc.message_dict.items()]}
            ) from exc
    return {"saved": len(planned)}
