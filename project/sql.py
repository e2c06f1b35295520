"""Small pieces of hand-written SQL shared by the set-based writers."""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Index, OrderBy

_NULL = "\x01NULL\x01"  # stands for a None while the values are joined (checked to occur nowhere else)


def array_literal(values: list) -> str:
    """A PostgreSQL array literal, sent as one text value and cast (`%s::text[]`, `%s::date[]`…):
    five times cheaper to build than the driver's list adaptation for tens of thousands of values.
    None is NULL; strings are double-quoted with `\\` and `"` escaped, so any text survives as
    itself; other values are written as their str() (numbers, booleans, dates, times and UUIDs read
    back as themselves)."""
    if not values:
        return "{}"
    if values[0].__class__ is int and None not in values:
        return "{" + ",".join(map(str, values)) + "}"
    # Joined first and escaped as one string (C speed, not a Python step per value); a NUL marks the
    # gaps, as no stored text can hold one (a value that does is quoted one by one).
    nones = values.count(None)
    texts = [_NULL if v is None else v if v.__class__ is str else str(v) for v in values]
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1 or (nones and joined.count(_NULL) != nones):
        return (
            "{" + ",".join("NULL" if v is None else _quoted(v if v.__class__ is str else str(v)) for v in values) + "}"
        )
    if "\\" in joined or '"' in joined:
        joined = joined.replace("\\", "\\\\").replace('"', '\\"')
    literal = '{"' + joined.replace("\x00", '","') + '"}'
    return literal.replace(f'"{_NULL}"', "NULL") if nones else literal


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unnest_rows(fields: list, rows: list[dict], *, alias: str = "s") -> tuple[list[str], list, str, list[str]]:
    """`rows` (dicts of attname → value) as a table on PostgreSQL, one array literal per column:
    returns (an expression per field, their parameters, the FROM item, its parameters), for
    `SELECT <expressions> FROM unnest(%s::varchar[], %s::integer[], …) AS s(col, col, …)`. A column
    with one value in every row (all empty, say) is that value once (`%s::integer`) instead of an
    array; the first field always travels as an array (it gives the row count). Arrays are cast to
    the plain type (`varchar`, not `varchar(100)`: an explicit cast would cut an over-long value,
    the insert refuses it). JSON values are dumped with the field's encoder. Names come from model
    metadata."""
    quote = connection.ops.quote_name
    expressions, expression_params, arrays, sources, params = [], [], [], [], []
    for index, field in enumerate(fields):
        name = field.attname
        values = [row[name] for row in rows]
        kind = field.cast_db_type(connection)
        if field.get_internal_type() == "JSONField":
            values = [None if v is None else json.dumps(v, cls=field.encoder) for v in values]
        elif index and values.count(values[0]) == len(values):
            expressions.append(f"%s::{kind}")
            expression_params.append(values[0])
            continue
        expressions.append(f"{alias}.{quote(field.column)}")
        arrays.append(quote(field.column))
        sources.append(f"%s::{kind}[]")
        params.append(array_literal(values))
    return expressions, expression_params, f"unnest({', '.join(sources)}) AS {alias}({', '.join(arrays)})", params


def any_differs(pairs: list[tuple[str, str]]) -> str:
    """SQL true when any (current, new) pair of expressions differs, nulls compared as values
    (`IS DISTINCT FROM` on PostgreSQL, `IS NOT` on SQLite): an update's WHERE, so a row whose values
    did not change is not rewritten."""
    operator = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"{current} {operator} {new}" for current, new in pairs)


class PortableIndex(Index):
    """An index whose column orders may say NULLS FIRST/LAST (`PortableIndex(F("day").desc(nulls_last=True),
    name=…)`). SQLite refuses the modifier in an index but already sorts NULLs first ascending and last
    descending: there a modifier that says just that is left out (any other is an error);
    PostgreSQL gets it written."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite" or not self.expressions:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = []
        for expression in self.expressions:
            if isinstance(expression, OrderBy) and (expression.nulls_first or expression.nulls_last):
                if bool(expression.nulls_last) != expression.descending:
                    raise ValueError(f"SQLite cannot index {expression}")
                expression = OrderBy(expression.expression, descending=expression.descending)
            plain.append(expression)
        index = Index(*plain, name=self.name, db_tablespace=self.db_tablespace, condition=self.condition)
        return index.create_sql(model, schema_editor, using=using, **kwargs)
