"""project/sql.py: the array literal sent for tens of thousands of keys."""

import pytest
from django.db import connection

from project.sql import array_literal

TEXTS = ["plain", "", "a,b", "{braces}", 'quote"inside', "back\\slash", '\\"both', "NULL", "é ü 😀", " spaced "]


def test_text_literal_quotes_each_value_once():
    assert array_literal(["a", "b"]) == '{"a","b"}'
    assert array_literal(['say "hi"', "c:\\tmp"]) == '{"say \\"hi\\"","c:\\\\tmp"}'
    assert array_literal([""]) == '{""}'
    assert array_literal([1, 2, 30]) == "{1,2,30}"


def test_text_literal_matches_quoting_value_by_value():
    values = [f"{text}{i}" for i in range(50) for text in TEXTS]
    one_by_one = "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
    assert array_literal(values) == one_by_one
    assert array_literal(["a\x00b", "c"]) == '{"a\x00b","c"}'  # a NUL inside a value: quoted one by one


@pytest.mark.django_db
def test_every_text_survives_the_round_trip():
    if connection.vendor != "postgresql":
        pytest.skip("the array literal is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::text[])", [array_literal(TEXTS)])
        assert [row[0] for row in cursor.fetchall()] == TEXTS
