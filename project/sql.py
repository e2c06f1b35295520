"""Small pieces of hand-written SQL shared by the set-based writers."""

from __future__ import annotations

from django.db import connection
from django.db.models import Index, OrderBy


def array_literal(values: list) -> str:
    """A PostgreSQL array literal of ints or strings, sent as one text value and cast (`%s::text[]`):
    five times cheaper to build than the driver's list adaptation for tens of thousands of keys.
    Strings are double-quoted with `\\` and `"` escaped, so any text survives as itself."""
    if isinstance(values[0], int):
        return "{" + ",".join(map(str, values)) + "}"
    # Joined first and escaped as one string (C speed, not a Python step per value); a NUL marks the
    # gaps, as no stored text can hold one (a value that does is quoted one by one, as before).
    joined = "\x00".join(values)
    if joined.count("\x00") != len(values) - 1:
        return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
    if "\\" in joined or '"' in joined:
        joined = joined.replace("\\", "\\\\").replace('"', '\\"')
    return '{"' + joined.replace("\x00", '","') + '"}'


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
