"""project/sql.py: the array literal sent for tens of thousands of keys."""

import json

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


def test_literal_of_mixed_values_writes_none_as_null():
    assert array_literal(["a", None, ""]) == '{"a",NULL,""}'
    assert array_literal([None]) == "{NULL}"
    assert array_literal([1, None, 3]) == '{"1",NULL,"3"}'
    assert array_literal([True, False]) == '{"True","False"}'
    assert array_literal([]) == "{}"
    marker = "\x01NULL\x01"  # the stand-in for None, as a real value: quoted one by one
    assert array_literal([marker, None]) == '{"' + marker + '",NULL}'


@pytest.mark.django_db
def test_rows_come_back_as_they_were_sent():
    if connection.vendor != "postgresql":
        pytest.skip("unnest of array literals is PostgreSQL's")
    from datetime import UTC, datetime
    from decimal import Decimal

    from project.sql import unnest_rows
    from volunteers.models import DataQualityFlag, VolunteerParticipation

    fields = {f.attname: f for f in VolunteerParticipation._meta.concrete_fields}
    picked = [fields[name] for name in ("salesforce_id", "delivery_hours", "created_at")]
    rows = [
        {
            "salesforce_id": 'a"b\\c',
            "delivery_hours": Decimal("1.50"),
            "created_at": datetime(2025, 6, 1, 9, tzinfo=UTC),
        },
        {"salesforce_id": None, "delivery_hours": None, "created_at": None},
        {"salesforce_id": "", "delivery_hours": Decimal("0"), "created_at": datetime(2024, 2, 29, 23, 59, tzinfo=UTC)},
    ]
    details = next(f for f in DataQualityFlag._meta.concrete_fields if f.attname == "details")
    same = [{"salesforce_id": f"p{i}", "delivery_hours": None, "created_at": rows[0]["created_at"]} for i in range(3)]
    with connection.cursor() as cursor:
        for sent in (rows, same):
            expressions, expression_params, source, params = unnest_rows(picked, sent)
            cursor.execute(f"SELECT {', '.join(expressions)} FROM {source}", [*expression_params, *params])
            assert cursor.fetchall() == [tuple(row.values()) for row in sent]
        assert expressions[1:] == ["%s::numeric(6, 2)", "%s::timestamp with time zone"]  # one value each, not arrays
        _, _, json_source, json_params = unnest_rows([details], [{"details": {"a": [1, 'x"y']}}, {"details": None}])
        cursor.execute(f"SELECT * FROM {json_source}", json_params)
        (first,), (second,) = cursor.fetchall()
        assert json.loads(first) == {"a": [1, 'x"y']} and second is None  # Django's connection leaves JSON as text
