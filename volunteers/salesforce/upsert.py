"""Set-based upsert by Salesforce id: one statement per page and table, whatever the page size.

`upsert(model, rows, now=…)` writes rows (dicts of attname → value, each with `salesforce_id`) and
returns, per Salesforce id, the primary key and whether the row was created, updated or unchanged.
The keys already stored are read first (one join on the page's keys, or the caller says which).
- PostgreSQL: the new rows are one plain `INSERT … SELECT … FROM unnest(<an array per column>)`,
  the stored ones one `UPDATE … FROM unnest(…) … WHERE <a synced column differs>`: the page travels
  as one array literal per column (built at C speed, `project.sql.unnest_rows`), no temporary
  staging table to create and drop, no speculative insertion per row and no lock taken on a row
  that did not change (both of which `INSERT … ON CONFLICT DO UPDATE` costs).
- SQLite: one `INSERT … ON CONFLICT (salesforce_id) DO UPDATE … WHERE <a synced column differs>`
  over a multi-row VALUES list.
The "differs" test is `project.sql.any_differs` (null-safe on both), as for the figure refreshes.
Either way a row whose synced values did not change is not rewritten (the database compares), new
rows get every column's model default, and `updated_at`/`last_synced_at` move only on a real change.
Columns named `insert_only` are written with a new row and otherwise left alone (neither compared
nor updated): a value derived from more than the page holds, such as a volunteer's search text.
Multi-table contacts (Volunteer, Teacher, Student) are two upserts: the Contact row by Salesforce
id, then the child row by its parent's key. No model instances, no per-row ORM statements, no
history rows (the SyncRun of the run is the audit record: what it created, updated and refused).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Model
from django.utils import timezone

from project.sql import any_differs, array_literal, unnest_rows

from ..bulkwrite import insert_values

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
STAMPS = ("updated_at", "last_synced_at")  # move only when a row is written


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _fields(model, names: Iterable[str]):
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in names]


def _insert_columns(model, *, key: str | None) -> list:
    """Every concrete column the table stores itself, the key included, but not a serial id."""
    return [f for f in model._meta.local_concrete_fields if not (f.primary_key and f.attname != key)]


def _new_row_columns(model, rows: list[dict], *, key: str | None, now) -> tuple[list, dict]:
    """The columns a new row of `model` is written with (those the rows carry first) and the values
    of the others: the stamps are `now`, the rest their model default."""
    columns = _given_first(_insert_columns(model, key=key), rows[0])
    defaults = {}
    for field in columns:
        if field.attname in STAMPS or field.attname == "created_at":
            defaults[field.attname] = now
        elif field.attname not in rows[0]:
            defaults[field.attname] = field.get_default()
    return columns, defaults


def _statement(
    model, rows: list[dict], *, key: str, synced: list[str], now, returning: str
) -> tuple[list[tuple], list[Any]]:
    """SQLite: one upsert of `rows` into `model`'s own table; returns the RETURNING rows."""
    table = model._meta.db_table
    columns, defaults = _new_row_columns(model, rows, key=key, now=now)
    touched = [f for f in columns if f.attname in STAMPS]
    names = ", ".join(_quote(f.column) for f in columns)
    compared = _fields(model, synced)
    setters = [f"{_quote(f.column)} = EXCLUDED.{_quote(f.column)}" for f in compared + touched]
    if not compared:  # nothing of ours to write on this table: keep the row as it is
        conflict = f"ON CONFLICT ({_quote(key)}) DO NOTHING"
    else:
        changed = any_differs(
            [(f"{_quote(table)}.{_quote(f.column)}", f"EXCLUDED.{_quote(f.column)}") for f in compared]
        )
        # Bandit B608: table and column names come from model metadata, values are bound parameters.
        conflict = f"ON CONFLICT ({_quote(key)}) DO UPDATE SET {', '.join(setters)} WHERE {changed}"  # nosec B608
    with connection.cursor() as cursor:
        values = _prepared(columns, rows, defaults)
        return insert_values(
            cursor, f"INSERT INTO {_quote(table)} ({names})", values, tail=f"{conflict} RETURNING {returning}"
        )


def bound_cursor():
    """PostgreSQL: a cursor that sends its parameters apart from the statement (the extended
    protocol): megabytes of array literals are neither escaped into the SQL text here nor parsed out
    of it by the server, as Django's own cursor (client-side binding) does. Through Django's cursor
    wrapper, so query logging and execute wrappers see its statements."""
    connection.ensure_connection()
    return connection._prepare_cursor(ServerBindingCursor(connection.connection))


def _insert_from_arrays(table: str, columns: list, rows: list[dict], defaults: dict, *, tail: str = ""):
    """PostgreSQL: `INSERT INTO table (columns) SELECT … FROM unnest(…) <tail>`, returning what the
    tail returns. The columns the rows carry travel as one array literal each (`unnest_rows`: a
    Python step per value at most, no temporary table); the others (defaults, timestamps) as one
    bound value each. `columns` lists the carried ones first (`_given_first`)."""
    given = [f for f in columns if f.attname in rows[0]]
    fixed = columns[len(given) :]
    expressions, same, source, arrays = unnest_rows(given, rows)
    constants = [f"%s::{f.cast_db_type(connection)}" for f in fixed]
    with bound_cursor() as bound:
        # Bandit B608: table and column names come from model metadata, values are bound parameters.
        bound.execute(
            f"INSERT INTO {_quote(table)} ({', '.join(_quote(f.column) for f in columns)}) "  # noqa: S608 - model metadata only # nosec B608
            f"SELECT {', '.join(expressions + constants)} FROM {source} {tail}",
            [*same, *(_prepared(fixed, [{}], defaults)[0] if fixed else ()), *arrays],
        )
        return bound.fetchall() if bound.description is not None else []


def _update_changed(model, rows: list[dict], *, key: str, synced: list[str], now) -> list[tuple]:
    """PostgreSQL: `UPDATE … FROM unnest(…)` of the stored rows whose synced values differ from
    `rows` (compared in SQL, null-safe); returns (key, pk) of the rows it rewrote. A row whose
    values are the same is neither rewritten nor locked."""
    table = _quote(model._meta.db_table)
    key_field = _fields(model, [key])[0]
    compared = _fields(model, synced)
    stamps = [f for f in model._meta.local_concrete_fields if f.attname in STAMPS]
    expressions, same, source, arrays = unnest_rows([key_field, *compared], rows)
    columns = [_quote(f.column) for f in (key_field, *compared)]
    selected = ", ".join(f"{expression} AS {column}" for expression, column in zip(expressions, columns, strict=True))
    setters = [f"{column} = s.{column}" for column in columns[1:]]
    setters += [f"{_quote(f.column)} = %s::{f.cast_db_type(connection)}" for f in stamps]
    changed = any_differs([(f"t.{column}", f"s.{column}") for column in columns[1:]])
    with bound_cursor() as bound:
        # Bandit B608: table and column names come from model metadata, values are bound parameters.
        bound.execute(
            f"UPDATE {table} AS t SET {', '.join(setters)} FROM (SELECT {selected} FROM {source}) AS s "  # noqa: S608 - model metadata only # nosec B608
            f"WHERE t.{columns[0]} = s.{columns[0]} AND ({changed}) "
            f"RETURNING t.{columns[0]}, t.{_quote(model._meta.pk.column)}",
            [*(now for _ in stamps), *same, *arrays],
        )
        return bound.fetchall()


# Python values the driver stores as Django would, without the per-value get_db_prep_save call
# (a third of the write time when called for every value): psycopg adapts everything but JSON;
# sqlite3 needs Django's conversion for dates, times, decimals and UUIDs only.
_SQLITE_PREP = {"DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField", "JSONField"}


def _needs_prep(field) -> bool:
    kind = field.get_internal_type()
    return kind == "JSONField" if connection.vendor == "postgresql" else kind in _SQLITE_PREP


def _given_first(columns: list, row: dict) -> list:
    """The columns the rows carry, then the others (taken from defaults): the order `_prepared` wants."""
    return [f for f in columns if f.attname in row] + [f for f in columns if f.attname not in row]


def _prepared(columns: list, rows: list[dict], defaults: dict) -> list[tuple]:
    """The rows as tuples in `columns` order, as the driver takes them. The columns the rows carry
    come first (`_given_first`; every row carries the same ones), then those taken from `defaults`:
    the same for every row, converted once and appended as one tuple. The carried values are picked
    in C (`itemgetter`); only the columns that need Django's conversion are converted value by value."""
    if not rows:
        return []
    first = rows[0]
    given = [f for f in columns if f.attname in first]
    fixed = columns[len(given) :]
    if any(f.attname in first for f in fixed):
        raise ValueError("columns the rows carry must come before the defaulted ones")
    tail = tuple(
        f.get_db_prep_save(defaults[f.attname], connection)
        if _needs_prep(f) and defaults[f.attname] is not None
        else defaults[f.attname]
        for f in fixed
    )
    if not given:
        return [tail for _ in rows]
    names = [f.attname for f in given]
    if len(names) == 1:
        name = names[0]
        picked = [(row[name],) for row in rows]
    else:
        pick = itemgetter(*names)
        picked = [pick(row) for row in rows]
    converted = [(index, f.get_db_prep_save) for index, f in enumerate(given) if _needs_prep(f)]
    if converted:
        for position, values in enumerate(picked):
            values = list(values)
            for index, prep in converted:
                if values[index] is not None:
                    values[index] = prep(values[index], connection)
            picked[position] = tuple(values)
    return [values + tail for values in picked] if tail else picked


def insert(model: type[Model], rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """Plain insert of new rows (nothing returned): arrays on PostgreSQL, a multi-row INSERT on
    SQLite. Columns not given take the model default; timestamps are now. `ignore_conflicts`: a row
    a unique constraint refuses is left out (`ON CONFLICT DO NOTHING`), the others are inserted."""
    if not rows:
        return
    columns, defaults = _new_row_columns(model, rows, key=None, now=timezone.now())
    tail = "ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if connection.vendor == "postgresql":
        _insert_from_arrays(model._meta.db_table, columns, rows, defaults, tail=tail)
        return
    table, names = _quote(model._meta.db_table), ", ".join(_quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        insert_values(cursor, f"INSERT INTO {table} ({names})", _prepared(columns, rows, defaults), tail=tail)


def lookup(table: str, key: str, keys, *, value: str = "id", join: str = "", where: str = "") -> dict:
    """{key: value} of the rows of `table` (alias t) whose `key` is one of `keys`; see rows_for_keys."""
    return dict(rows_for_keys(table, key, keys, columns=value, join=join, where=where))


def rows_for_keys(
    table: str, key: str, keys, *, columns: str = "id", join: str = "", where: str = "", params=()
) -> list[tuple]:
    """(key, *columns) of the rows of `table` (alias t) whose `key` is one of `keys`, in plain SQL.
    PostgreSQL joins the table to the keys sent as one array (`unnest`), one round trip whatever
    their number; SQLite takes them as IN lists. `join`/`where` (+ `params`) narrow the rows, e.g.
    to one contact kind. Names are from model metadata or constants, never from input."""
    keys = list(keys)
    if not keys:
        return []
    narrow = f" AND {where}" if where else ""
    if connection.vendor == "postgresql":
        kind = "bigint" if isinstance(keys[0], int) else "text"
        with bound_cursor() as cursor:
            # Bandit B608: table and column names come from model metadata, values are bound parameters.
            cursor.execute(
                f"SELECT t.{key}, {columns} FROM {table} t {join} "  # noqa: S608 - model metadata only # nosec B608
                f"JOIN unnest(%s::{kind}[]) AS wanted(k) ON t.{key} = wanted.k WHERE TRUE{narrow}",
                [array_literal(keys), *params],
            )
            return cursor.fetchall()
    with connection.cursor() as cursor:
        found = []
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            # Bandit B608: table and column names come from model metadata, values are bound parameters.
            cursor.execute(
                f"SELECT t.{key}, {columns} FROM {table} t {join} "  # noqa: S608 - model metadata only # nosec B608
                f"WHERE t.{key} IN ({', '.join(['%s'] * len(chunk))}){narrow}",
                [*chunk, *params],
            )
            found += cursor.fetchall()
        return found


def existing_keys(model, key: str, keys: list) -> dict:
    """{key value: pk} of the rows already there. `key` must be a column of the model's own table;
    for a multi-table child (a contact kind) the Salesforce id is the parent's and only rows that
    have the child row count (a teacher's id never matches as a volunteer)."""
    field = _fields(model, [key])[0] if key in {f.attname for f in model._meta.concrete_fields} else None
    parent_link = model._meta.parents and next(iter(model._meta.parents.values()))
    if parent_link and key == "salesforce_id":
        parent = parent_link.related_model._meta
        return lookup(
            _quote(parent.db_table),
            _quote(field.column),
            keys,
            value=f"t.{_quote(parent.pk.column)}",
            join=f"JOIN {_quote(model._meta.db_table)} c ON c.{_quote(parent_link.column)} = t.{_quote(parent.pk.column)}",
        )
    return lookup(_quote(model._meta.db_table), _quote(field.column), keys, value=f"t.{_quote(model._meta.pk.column)}")


def _picker(names: list[str]) -> Callable[[dict], tuple]:
    """A function giving a row's values for `names` as a tuple (`itemgetter` returns a bare value for one name)."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        name = names[0]
        return lambda row: (row[name],)
    return lambda row: ()


def upsert(
    model: type[Model],
    rows: list[dict],
    *,
    now,
    insert_only: frozenset[str] = frozenset(),
    stored: dict[str, int] | None = None,
) -> dict[str, tuple[int, str]]:
    """{salesforce_id: (pk, created|updated|unchanged)} for these rows (ids unique in `rows`).
    `insert_only`: attnames written only when the row is inserted (a multi-table child's own columns).
    `stored`: {salesforce_id: pk} of the rows already there, when the caller has read them (see
    `_upsert_table`)."""
    if not rows:
        return {}
    sf_ids = [row["salesforce_id"] for row in rows]
    parent_link = model._meta.parents and next(iter(model._meta.parents.values()))
    if parent_link:  # multi-table child: the Contact row first, keyed by Salesforce id
        parent = parent_link.related_model
        parent_names = {f.attname for f in parent._meta.concrete_fields}
        # Rows built alike carry the same keys in the same order: the split is worked out once per
        # key set and applied by `itemgetter` (no membership test per value).
        splits: dict[tuple, tuple] = {}
        parent_rows, child_values = [], []
        for row in rows:
            keys = tuple(row)
            split = splits.get(keys)
            if split is None:
                own = [k for k in keys if k in parent_names]
                rest = [k for k in keys if k not in parent_names]
                split = splits[keys] = (own, _picker(own), rest, _picker(rest))
            own, pick_own, rest, pick_rest = split
            parent_row = dict(zip(own, pick_own(row), strict=True))
            parent_row["kind"] = model.CONTACT_KIND
            parent_rows.append(parent_row)
            child_values.append((rest, pick_rest(row)))
        outcome = _upsert_table(parent, parent_rows, key="salesforce_id", now=now, stored=stored)
        child_rows = []
        for sf_id, (rest, values) in zip(sf_ids, child_values, strict=True):
            child_row = {parent_link.attname: outcome[sf_id][0]}
            child_row.update(zip(rest, values, strict=True))
            child_rows.append(child_row)
        # A contact created just now has no role row yet: only the others' are looked up.
        had = existing_keys(model, parent_link.attname, [pk for pk, state in outcome.values() if state != CREATED])
        child = _upsert_table(model, child_rows, key=parent_link.attname, now=now, insert_only=insert_only, stored=had)
        result, child_only = {}, []
        for sf_id in sf_ids:
            pk, state = outcome[sf_id]
            child_state = child[pk][1]
            if state == UNCHANGED and child_state != UNCHANGED:
                state = UPDATED
                child_only.append(pk)
            elif child_state == CREATED and state != CREATED:
                state = UPDATED  # a contact of another kind gaining this role: written, not new
            result[sf_id] = (pk, state)
        if child_only:  # the sync stamps live on the parent row
            parent._base_manager.filter(pk__in=child_only).update(updated_at=now, last_synced_at=now)
        return result
    return _upsert_table(model, rows, key="salesforce_id", now=now, insert_only=insert_only, stored=stored)


def _upsert_table(
    model, rows: list[dict], *, key: str, now, insert_only: frozenset[str] = frozenset(), stored: dict | None = None
) -> dict:
    """{key value: (pk, state)} after writing `rows`, one statement per group of rows with the same
    columns. `stored`: {key value: pk} of the rows already there when the caller knows it (every
    key not in it is new), else looked up here.

    PostgreSQL: the new rows are one plain `INSERT … RETURNING`, the stored ones one `UPDATE … FROM`
    that rewrites only those whose values differ (no speculative insertion per row, no lock on an
    unchanged row, as `ON CONFLICT DO UPDATE` would take). A row inserted meanwhile by someone else
    makes the insert fail on the unique key: the caller's batch is then written record by record,
    and each record looks its row up again. SQLite: one `INSERT … ON CONFLICT DO UPDATE … WHERE
    <a value differs>`."""
    keys = [row[key] for row in rows]
    postgres = connection.vendor == "postgresql"
    before = existing_keys(model, key, keys) if stored is None else stored
    groups: dict[tuple, list[dict]] = {}
    for row in rows:  # rows built alike list their columns in the same order: no sort per row
        groups.setdefault(tuple(row), []).append(row)
    returning = f"{_quote(_fields(model, [key])[0].column)}, {_quote(model._meta.pk.column)}"
    written = {}
    for columns, group in groups.items():
        synced = [name for name in columns if name not in (key, "kind") and name not in insert_only]
        if not postgres:
            written.update(
                row[:2] for row in _statement(model, group, key=key, synced=synced, now=now, returning=returning)
            )
            continue
        new = [row for row in group if row[key] not in before]
        if new:
            names, defaults = _new_row_columns(model, new, key=key, now=now)
            written.update(
                _insert_from_arrays(model._meta.db_table, names, new, defaults, tail=f"RETURNING {returning}")
            )
        if synced and len(new) < len(group):
            old = [row for row in group if row[key] in before]
            written.update(_update_changed(model, old, key=key, synced=synced, now=now))
    unread = [value for value in keys if value not in written and value not in before]
    if unread:  # SQLite: stored behind the read and found unchanged by the conflict clause
        before = {**before, **existing_keys(model, key, unread)}
    result = {}
    for value in keys:
        if value in written:
            result[value] = (written[value], UPDATED if value in before else CREATED)
        else:
            result[value] = (before[value], UNCHANGED)
    return result
