"""Set-based writes of rows and their history rows, no model instances: the Pathful import's writes
and the directory's search text (`search.py`) go through here.

Django's `bulk_create` prepares every value of every row through the field (a third of a large
import's time) and django-simple-history's bulk helpers build one historical model instance per
row. Here a row is a dict of attname → value; each column is prepared once per distinct value
(timestamps, statuses and foreign keys repeat), then written as multi-row `INSERT … RETURNING id`
(PostgreSQL, SQLite ≥ 3.35) or `executemany` UPDATEs. History stays row by row — one historical
row per created or changed record, with the import as its change reason — written the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

MAX_VARIABLES = 30000  # SQLite ≥ 3.32 allows 32766 bound parameters, PostgreSQL 65535
# Values the database drivers store as Django would without the field's preparation.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _preparer(field):
    """A function value → database value for `field`, memoised over hashable values."""
    if field.get_internal_type() in _PLAIN and type(field).__module__.startswith("django.db.models"):
        return None
    memo: dict[Any, Any] = {}

    def prepare(value):
        if value is None:
            return None
        try:
            return memo[value]
        except KeyError:
            memo[value] = prepared = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable (a dict for a JSON field)
            return field.get_db_prep_save(value, connection)

    return prepare


def _columns(model: type[Model], *, with_pk: bool) -> list:
    return [f for f in model._meta.local_concrete_fields if with_pk or not f.primary_key]


def _values(fields: list, rows: Iterable[dict], defaults: dict) -> list[list]:
    plan = [(f.attname, defaults.get(f.attname)) for f in fields]
    prepared = [(i, prepare) for i, f in enumerate(fields) if (prepare := _preparer(f)) is not None]
    out = []
    for row in rows:
        get = row.get
        values = [get(attname, default) for attname, default in plan]
        for i, prepare in prepared:
            values[i] = prepare(values[i])
        out.append(values)
    return out


def model_defaults(model: type[Model], *, now) -> dict[str, Any]:
    """Each column's default, and `now` for the timestamps (auto_now fields included)."""
    defaults = {}
    for field in _columns(model, with_pk=False):
        if field.attname in ("created_at", "updated_at") or getattr(field, "auto_now", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
        elif field.get_internal_type() in ("CharField", "TextField", "EmailField", "URLField", "SlugField"):
            defaults[field.attname] = ""
    return defaults


def insert_values(cursor, head: str, rows: Sequence[Sequence], *, tail: str = "") -> list[tuple]:
    """Run `<head> VALUES (…), (…) <tail>` for `rows` in as few statements as the bound-parameter
    limit allows, and return what the statements return (with a `RETURNING …` tail), in order.
    `head` and `tail` are SQL made of model metadata; the values are bound parameters."""
    if not rows:
        return []
    row_sql = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    per_statement = max(1, MAX_VARIABLES // len(rows[0]))
    returned: list[tuple] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(
            f"{head} VALUES {', '.join([row_sql] * len(chunk))} {tail}",
            [value for row in chunk for value in row],
        )
        if cursor.description is not None:
            returned += cursor.fetchall()
    return returned


def insert(model: type[Model], rows: Sequence[dict], *, now) -> list[int]:
    """Insert `rows` (attname → value; absent columns take their default) and return their ids,
    in order."""
    if not rows:
        return []
    fields = _columns(model, with_pk=False)
    values = _values(fields, rows, model_defaults(model, now=now))
    pk = _quote(model._meta.pk.column)
    names = ", ".join(_quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        returned = insert_values(
            cursor, f"INSERT INTO {_quote(model._meta.db_table)} ({names})", values, tail=f"RETURNING {pk}"
        )
    return [row[0] for row in returned]


def update(model: type[Model], rows: Sequence[dict], *, fields: Sequence[str]) -> int:
    """UPDATE each row (attname → value, with the primary key's attname) setting `fields`: one
    prepared statement run for every row (pipelined on PostgreSQL), where `bulk_update` would build
    a CASE WHEN per row and field."""
    if not rows:
        return 0
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    targets = [by_attname[name] for name in fields]
    values = _values([*targets, model._meta.pk], rows, {})
    setters = ", ".join(f"{_quote(f.column)} = %s" for f in targets)
    with connection.cursor() as cursor:
        # Bandit B608: table and column names come from model metadata, values are bound parameters.
        cursor.executemany(
            f"UPDATE {_quote(model._meta.db_table)} SET {setters} "  # noqa: S608 - model metadata only # nosec B608
            f"WHERE {_quote(model._meta.pk.column)} = %s",
            values,
        )
    return len(rows)


def history(
    model: type[Model], rows: Sequence[dict], *, history_type: str, now, user_id: int | None, reason: str
) -> int:
    """One historical row per row (full attname → value dicts, `id` included): "+" created, "~"
    changed. One prepared INSERT run for every row (no ids to read back)."""
    if not rows:
        return 0
    historical = model.history.model
    fields = _columns(historical, with_pk=False)
    extra = {
        "history_date": now,
        "history_type": history_type,
        "history_user_id": user_id,
        "history_change_reason": reason[:100],
    }
    defaults = {**model_defaults(historical, now=now), **extra}
    values = _values([f for f in fields if f.attname not in extra], rows, defaults)
    fixed = _values([f for f in fields if f.attname in extra], [extra], {})[0]
    names = ", ".join(_quote(f.column) for f in fields if f.attname not in extra)
    names += ", " + ", ".join(_quote(f.column) for f in fields if f.attname in extra)
    with connection.cursor() as cursor:
        # Bandit B608: table and column names come from model metadata, values are bound parameters.
        cursor.executemany(
            f"INSERT INTO {_quote(historical._meta.db_table)} ({names}) "  # noqa: S608 - model metadata only # nosec B608
            f"VALUES ({', '.join(['%s'] * len(fields))})",
            [row + fixed for row in values],
        )
    return len(rows)


def insert_with_history(
    model: type[Model], rows: Sequence[dict], *, now, user_id: int | None, reason: str
) -> list[int]:
    """`insert`, then a "+" historical row for each new row; returns the new ids in order."""
    ids = insert(model, rows, now=now)
    defaults = model_defaults(model, now=now)
    history(
        model,
        [{**defaults, **row, "id": pk} for row, pk in zip(rows, ids, strict=True)],
        history_type="+",
        now=now,
        user_id=user_id,
        reason=reason,
    )
    return ids


def change(model: type[Model], changes: dict[int, dict], *, now, user_id: int | None, reason: str) -> int:
    """Apply `changes` (id → {attname: new value}) with `updated_at` = now, and write a "~"
    historical row of each changed record as it is after the change."""
    if not changes:
        return 0
    attnames = [f.attname for f in model._meta.concrete_fields]
    fields = sorted({name for diff in changes.values() for name in diff} | {"updated_at"})
    ids = list(changes)
    rows = []
    for start in range(0, len(ids), 2000):
        for row in model._base_manager.filter(pk__in=ids[start : start + 2000]).values(*attnames):
            row.update(changes[row["id"]], updated_at=now)
            rows.append(row)
    update(model, rows, fields=fields)
    history(model, rows, history_type="~", now=now, user_id=user_id, reason=reason)
    return len(rows)
