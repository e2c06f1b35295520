"""The set-based writer on whichever database the suite runs (SQLite by default; DATABASE_URL=postgres://…
for the INSERT / UPDATE … FROM unnest path): outcomes, unchanged rows not rewritten (nor locked),
defaults, multi-table contacts, a row stored behind the writer's back."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from volunteers.models import Contact, District, Volunteer
from volunteers.salesforce import mapping as sfm
from volunteers.salesforce.upsert import CREATED, UNCHANGED, UPDATED, lookup, upsert

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


def test_created_updated_unchanged_and_unchanged_rows_not_rewritten():
    first = upsert(District, [{"salesforce_id": "001D1", "name": "North", "code": "N"}], now=T0)
    pk = first["001D1"][0]
    assert first == {"001D1": (pk, CREATED)}
    later = T0 + timedelta(hours=1)
    rows = [
        {"salesforce_id": "001D1", "name": "North", "code": "N"},
        {"salesforce_id": "001D2", "name": "South", "code": "S"},
    ]
    second = upsert(District, rows, now=later)
    assert second["001D1"] == (pk, UNCHANGED) and second["001D2"][1] == CREATED
    north = District.objects.get(pk=pk)
    assert (north.updated_at, north.last_synced_at, north.created_at) == (T0, T0, T0)  # not rewritten
    third = upsert(District, [{"salesforce_id": "001D1", "name": "North", "code": "N2"}], now=later)
    assert third == {"001D1": (pk, UPDATED)}
    north.refresh_from_db()
    assert (north.code, north.updated_at, north.last_synced_at, north.created_at) == ("N2", later, later, T0)


def test_multi_table_contact_gets_defaults_and_child_only_changes_count():
    row = {"salesforce_id": "003V1", "first_name": "Ada", "last_name": "Lovelace", "title": "Engineer"}
    pk, state = upsert(Volunteer, [row], now=T0)["003V1"]
    volunteer = Volunteer.objects.get(pk=pk)
    assert state == CREATED and volunteer.kind == Contact.Kind.VOLUNTEER
    assert (volunteer.status, volunteer.local_status, volunteer.times_volunteered, volunteer.notes) == (
        "active",
        "unknown",
        0,
        "",
    )
    later = T0 + timedelta(days=1)
    Volunteer.objects.filter(pk=pk).update(notes="local note")
    assert upsert(Volunteer, [row], now=later)["003V1"] == (pk, UNCHANGED)
    assert upsert(Volunteer, [{**row, "title": "Chief Engineer"}], now=later)["003V1"] == (pk, UPDATED)
    volunteer.refresh_from_db()
    assert (volunteer.title, volunteer.notes, volunteer.last_synced_at) == ("Chief Engineer", "local note", later)


def test_rows_with_different_columns_in_one_call():
    rows = [
        {"salesforce_id": "001D1", "name": "North", "code": "N"},
        {"salesforce_id": "001D2", "name": "South"},  # code not synced for this one: default ""
    ]
    result = upsert(District, rows, now=T0)
    assert {state for _, state in result.values()} == {CREATED}
    assert District.objects.get(salesforce_id="001D2").code == ""


def test_keys_of_any_text_are_looked_up_as_themselves():
    """Keys travel as one value (an array literal on PostgreSQL): quotes, backslashes, commas,
    braces, spaces and the word NULL stay themselves."""
    odd = ['a"b', "c\\d", "e,f", "{g}", "NULL", " h ", "plain"]
    outcome = upsert(District, [{"salesforce_id": key, "name": f"D{i}"} for i, key in enumerate(odd)], now=T0)
    assert set(outcome) == set(odd) and {state for _, state in outcome.values()} == {CREATED}
    found = lookup(District._meta.db_table, "salesforce_id", [*odd, "absent"], value="t.name")
    assert found == {key: f"D{i}" for i, key in enumerate(odd)}
    again = upsert(District, [{"salesforce_id": key, "name": f"D{i}"} for i, key in enumerate(odd)], now=T0)
    assert {state for _, state in again.values()} == {UNCHANGED}


def test_rows_carrying_some_columns_get_the_defaults_of_the_others_in_place():
    outcome = upsert(District, [{"salesforce_id": "001D9", "name": "West"}], now=T0)
    west = District.objects.get(pk=outcome["001D9"][0])
    assert (west.name, west.code, west.created_at, west.updated_at, west.last_synced_at) == ("West", "", T0, T0, T0)


def test_many_rows_go_in_several_statements_and_come_back_in_order(monkeypatch):
    """The multi-row INSERTs (`bulkwrite.insert_values`) split at the bound-parameter limit: rows,
    outcomes and returned ids survive the split, in order, with and without a RETURNING tail."""
    from volunteers import bulkwrite
    from volunteers.models import Skill

    monkeypatch.setattr(bulkwrite, "MAX_VARIABLES", 7)  # a District row has more: one row per statement
    rows = [{"salesforce_id": f"001D{i}", "name": f"District {i}", "code": str(i)} for i in range(5)]
    result = upsert(District, rows, now=T0)
    assert [result[r["salesforce_id"]][1] for r in rows] == [CREATED] * 5
    stored = dict(District.objects.values_list("salesforce_id", "name"))
    assert stored == {r["salesforce_id"]: r["name"] for r in rows}
    ids = bulkwrite.insert(Skill, [{"name": f"Skill {i}"} for i in range(4)], now=T0)
    assert [Skill.objects.get(pk=pk).name for pk in ids] == [f"Skill {i}" for i in range(4)]
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Skill._meta.db_table)
        head = f"INSERT INTO {table} (name, created_at, updated_at)"
        assert bulkwrite.insert_values(cursor, head, [("Plain", T0, T0), ("Other", T0, T0)]) == []
    assert Skill.objects.filter(name__in=["Plain", "Other"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_stored_row_that_did_not_change_is_neither_rewritten_nor_locked():
    """PostgreSQL writes the stored rows with `UPDATE … WHERE <a value differs>`: a row whose values
    are the same stays unlocked while the writing transaction is open (`INSERT … ON CONFLICT DO
    UPDATE` would hold its lock until the commit)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite locks the whole file")
    from django.db import transaction

    pk = upsert(District, [{"salesforce_id": "001D1", "name": "North", "code": "N"}], now=T0)["001D1"][0]
    answers: list = []

    def lock_from_another_connection():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {District._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
                answers.append(cursor.fetchone()[0])
        except Exception as exc:  # the answer is what the test asserts on
            answers.append(exc.__class__.__name__)
        finally:
            connection.close()

    with transaction.atomic():
        later = T0 + timedelta(hours=1)
        result = upsert(
            District,
            [{"salesforce_id": "001D1", "name": "North", "code": "N"}, {"salesforce_id": "001D2", "name": "South"}],
            now=later,
        )
        other = threading.Thread(target=lock_from_another_connection)
        other.start()
        other.join(10)
    assert result["001D1"] == (pk, UNCHANGED) and result["001D2"][1] == CREATED
    assert answers == [pk]  # free to lock: the unchanged row was not touched


def test_a_row_stored_behind_the_writers_back_is_found_when_the_batch_is_replayed(monkeypatch):
    """The keys already stored are read before writing; a row someone else stores between that read
    and the insert makes the batch fail on the unique key (PostgreSQL) and be replayed record by
    record: the record is stored once and counted as what it is, nothing fails."""
    from volunteers.salesforce import sync
    from volunteers.salesforce import upsert as upsert_module

    spec = sfm.SPEC_BY_KEY["volunteers"]
    record = {"Id": "003V1", "FirstName": "Ada", "LastName": "Lovelace", "Title": "Engineer"}
    first = sync.process_records(spec, [record], now=T0)
    assert (first.created, first.failed) == (1, 0)
    reads = []
    real = upsert_module.existing_keys

    def stale_first_read(model, key, keys):
        reads.append(key)
        return {} if len(reads) == 1 else real(model, key, keys)  # the first read misses the row

    monkeypatch.setattr(upsert_module, "existing_keys", stale_first_read)
    again = sync.process_records(spec, [{**record, "Title": "Chief Engineer"}], now=T0 + timedelta(days=1))
    assert again.failed == 0 and not again.errors
    assert Volunteer.objects.filter(salesforce_id="003V1").count() == 1
    assert Volunteer.objects.get(salesforce_id="003V1").title == "Chief Engineer"
    if connection.vendor == "postgresql":  # the insert refused the stale read; the replay read again
        assert (again.created, again.updated) == (0, 1)
        assert len(reads) > 2
