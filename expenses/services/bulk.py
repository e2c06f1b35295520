"""Set-based writes shared by the imports and the restore: plain-dict inserts, their history
rows, and names resolved (created when missing) once per file."""

from __future__ import annotations

import sqlite3

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


def _prepared_params(fields, rows: list[dict]) -> list[list]:
    """Each row's values in `fields` order, ready for the database: dates, times and decimals go
    through the field's own preparation once per distinct value (an import repeats them)."""
    adapted = [isinstance(f, _ADAPTED_FIELDS) for f in fields]
    prepared: dict[tuple[int, object], object] = {}

    def prep(index: int, value):
        if value is None or not adapted[index]:
            return value
        key = (index, value)
        if key not in prepared:
            prepared[key] = fields[index].get_db_prep_save(value, connection)
        return prepared[key]

    return [[prep(i, row[f.attname]) for i, f in enumerate(fields)] for row in rows]


def _max_parameters() -> int:
    """How many bound parameters one statement may carry: SQLite's own compiled limit (32,766
    since 3.32, where Django assumes 999), PostgreSQL's 65,535."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 65535 if connection.vendor == "postgresql" else 999


def insert_instances(model, objs: list) -> None:
    """INSERT new instances (no uploaded files to save) with multi-row INSERT … RETURNING, as
    bulk_create does, but preparing each distinct value once and batching by the database's real
    parameter limit (a 2,000-row import is one statement on SQLite too). Sets each instance's pk."""
    if not objs:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs)
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    rows = []
    for obj in objs:
        row = {}
        for f in fields:
            value = getattr(obj, f.attname)
            row[f.attname] = value.name or "" if isinstance(value, FieldFile) else value
        rows.append(row)
    params = _prepared_params(fields, rows)
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, _max_parameters() // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = params[start : start + per_statement]
            values = ", ".join([one_row] * len(chunk))
            # Bandit B608: table and column names come from the model's meta, every value is a parameter.
            sql = f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {quote(pk.column)}"  # noqa: S608 - see above # nosec B608
            cursor.execute(sql, [value for row in chunk for value in row])
            ids = [found[0] for found in cursor.fetchall()]
            for obj, new_id in zip(objs[start : start + per_statement], ids, strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT plain dicts (keyed by attname) with one executemany: no model instances and no SQL
    compiled per batch. For the bulk rows of an import whose ids are never needed (history rows,
    tag links); dates, times and decimals go through the field's own database preparation."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Bandit B608: table and column names come from the model's meta, every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - see above # nosec B608
    params = _prepared_params(fields, rows)
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
