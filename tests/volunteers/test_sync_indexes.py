"""The indexes of the tables the Salesforce sync writes: every one is paid on each insert (tens of
thousands a run), so none may duplicate another, and the ones readers need stay. Read from the
database itself, on whichever database the suite runs (SQLite by default; DATABASE_URL=postgres://…
for PostgreSQL, where `unique=True` / `db_index=True` on a text column would add a second
`varchar_pattern_ops` index)."""

import pytest
from django.apps import apps
from django.db import connection

from volunteers.models import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    DataQualityFlag,
    Event,
    StudentParticipation,
    TeacherParticipation,
    Volunteer,
    VolunteerParticipation,
)
from volunteers.models.base import Synced

pytestmark = pytest.mark.django_db

SYNCED_MODELS = [
    model
    for model in apps.get_app_config("volunteers").get_models()
    if issubclass(model, Synced) and "salesforce_id" in {f.attname for f in model._meta.local_fields}
]


def constraints(model) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


def plain_indexes(model) -> set[tuple[str, ...]]:
    """The columns of each index that is neither the primary key nor unique."""
    return {
        tuple(c["columns"])
        for c in constraints(model).values()
        if c["index"] and not c["unique"] and not c["primary_key"]
    }


def test_every_synced_table_keeps_its_salesforce_id_unique():
    assert {m.__name__ for m in SYNCED_MODELS} >= {"Contact", "Event", "VolunteerParticipation", "District"}
    for model in SYNCED_MODELS:
        unique = [c for c in constraints(model).values() if c["unique"] and c["columns"] == ["salesforce_id"]]
        assert len(unique) == 1, model


def test_the_synced_tables_have_no_index_another_one_leads_with():
    assert ("last_name",) not in plain_indexes(Contact)  # contact_name_idx (last_name, first_name) leads with it
    assert ("last_name", "first_name") in plain_indexes(Contact)
    for model in (ContactEmail, ContactPhone):  # the unique (contact, email|number) pair leads with contact
        assert ("contact_id",) not in plain_indexes(model)
        assert any(c["unique"] and c["columns"][0] == "contact_id" for c in constraints(model).values())


def test_the_indexes_readers_use_are_kept():
    assert ("kind",) in plain_indexes(Contact)
    assert {("status",), ("local_status",), ("times_volunteered",)} <= plain_indexes(Volunteer)
    assert ("volunteer_id", "status") in plain_indexes(VolunteerParticipation)


def test_the_bulk_written_tables_have_no_created_at_index():
    """Nothing reads contacts, their details, events or participations by creation time; a sync
    inserts tens of thousands of them. Their history tables follow. Other audited tables keep it."""
    bulk_written = (
        Contact,
        ContactEmail,
        ContactPhone,
        ContactAddress,
        Event,
        VolunteerParticipation,
        StudentParticipation,
        TeacherParticipation,
    )
    for model in bulk_written:
        assert "created_at" in {f.attname for f in model._meta.concrete_fields}, model
        assert ("created_at",) not in plain_indexes(model), model
        assert ("created_at",) not in plain_indexes(model.history.model), model
    assert ("created_at",) in plain_indexes(DataQualityFlag)  # its admin's date hierarchy reads it


@pytest.mark.postgres
def test_no_pattern_ops_twin_on_the_synced_tables():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: only its schema editor adds varchar_pattern_ops indexes")
    bulk = [m._meta.db_table for m in (Contact, Volunteer, ContactEmail, ContactPhone, Event, VolunteerParticipation)]
    synced = [m._meta.db_table for m in SYNCED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE %s AND (tablename = ANY(%s) "
            "OR (tablename = ANY(%s) AND indexdef LIKE %s))",
            ["%pattern_ops%", bulk, synced, "%salesforce_id%"],
        )
        assert cursor.fetchall() == []
        # The same query finds such an index where one is left (the pending queue's, a small table).
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE %s", ["%pattern_ops%"])
        assert cursor.fetchone()[0] > 0


def test_the_directory_last_volunteered_order_walks_an_index():
    """The directory's "last volunteered" order (most recent first, never-volunteered people last)
    reads an index in that order, so a page stops after its rows instead of sorting everyone."""
    index = constraints(Volunteer)["volunteer_last_volunteered_idx"]
    assert index["index"] and index["columns"] == ["last_volunteered_on"] and index["orders"] == ["DESC"]
    on_the_column = [
        c for c in constraints(Volunteer).values() if c["index"] and c["columns"] == ["last_volunteered_on"]
    ]
    assert on_the_column == [index]  # not the ascending one it replaced as well
