"""Set-based writes shared by the imports and the restore: plain-dict inserts, their history
rows, and names resolved (created when missing) once per file."""

from __future__ import annotations

from django.db import connection, models
from django.db.models.fields.files import FieldFile
from simple_history.utils import bulk_create_with_history


def names_resolve(model, *, user, names: list[str], reason: str, extra=None) -> dict[str, int]:
    """lower-cased name -> id for the user's rows of `model` (Category or Tag), creating the
    missing ones in one bulk insert (with their history rows)."""
    found = {name.lower(): pk for pk, name in model.objects.filter(user=user).values_list("id", "name")}
    new = []
    for name in names:
        if name.lower() not in found:
            found[name.lower()] = None
            new.append(model(user=user, name=name, **(extra or {})))
    if new:
        for obj in bulk_create_with_history(new, model, default_user=user, default_change_reason=reason):
            found[obj.name.lower()] = obj.pk
    return found


# Checked elsewhere (owner, foreign keys resolved from the user's own rows) or set by us.
EXPENSE_CLEAN_EXCLUDE = ["id", "user", "restaurant", "category", "receipt", "created_at", "updated_at", "deleted_at"]
_ADAPTED_FIELDS = (models.DateField, models.TimeField, models.DecimalField)  # DateTimeField is a DateField


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT plain dicts (keyed by attname) with one executemany: no model instances and no SQL
    compiled per batch. For the bulk rows of an import whose ids are never needed (history rows,
    tag links); dates, times and decimals go through the field's own database preparation."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    adapted = [isinstance(f, _ADAPTED_FIELDS) for f in fields]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Bandit B608: table and column names come from the model's meta, every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - see above # nosec B608
    prepared: dict[tuple[int, object], object] = {}  # an import repeats its dates and timestamps

    def prep(index: int, value):
        if value is None or not adapted[index]:
            return value
        key = (index, value)
        if key not in prepared:
            prepared[key] = fields[index].get_db_prep_save(value, connection)
        return prepared[key]

    params = [[prep(i, row[f.attname]) for i, f in enumerate(fields)] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def history_rows(objs, *, history_type: str, user, reason: str, when) -> list[dict]:
    """What simple-history's bulk_history_create writes, as plain dicts for `insert_rows`."""
    tracked = objs[0].__class__.history.model.tracked_fields if objs else []
    rows = []
    for obj in objs:
        row = {}
        for f in tracked:
            value = getattr(obj, f.attname)
            row[f.attname] = value.name or "" if isinstance(value, FieldFile) else value
        row.update(history_date=when, history_change_reason=reason, history_type=history_type, history_user_id=user.pk)
        rows.append(row)
    return rows
