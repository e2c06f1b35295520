"""Trigram indexes for the directory search (PostgreSQL only).

The search looks for `LIKE '%term%'` in two lower-cased expressions (volunteers.models.people:
CONTACT_SEARCH_NAME, VOLUNTEER_SEARCH_WORK); a `gin_trgm_ops` index on each answers that without a
scan once the term has three characters. The expressions are repeated here, as a migration must not
follow later edits of the models: the query only uses an index built from the same expression.
SQLite has no trigram index: there the search scans its one lower-cased expression per table."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Lower
from django.db.models.indexes import IndexExpression


def _indexes():
    return [
        (
            "contact",
            GinIndex(
                OpClass(
                    Lower(Concat("first_name", Value(" "), "last_name", Value(" "), "middle_name")),
                    name="gin_trgm_ops",
                ),
                name="contact_search_name_trgm",
            ),
        ),
        (
            "volunteer",
            GinIndex(
                OpClass(Lower(Concat("title", Value(" "), "department")), name="gin_trgm_ops"),
                name="volunteer_search_work_trgm",
            ),
        ),
    ]


def indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # An operator class wraps an index expression: what django.contrib.postgres registers when it
    # is installed (Crewbase does not install it, as it runs on SQLite too), for these statements only.
    wrappers = IndexExpression.wrapper_classes
    IndexExpression.register_wrappers(*wrappers, OpClass)
    try:
        for model_name, index in _indexes():
            schema_editor.add_index(apps.get_model("volunteers", model_name), index)
    finally:
        IndexExpression.register_wrappers(*wrappers)


def indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in _indexes():
        schema_editor.remove_index(apps.get_model("volunteers", model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0006_view_contact_details_permission"),
    ]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(indexes_create, indexes_drop),
    ]
