"""The directory's stored search text (volunteers.search): the column, its values for the existing
volunteers, and on PostgreSQL a trigram GIN index that answers `LIKE '%term%'` on it.

It replaces the two expression indexes of migration 0007 (names, and title with department): the
search no longer looks in those expressions, so they would only slow every write down."""

import importlib

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

SEARCH_INDEX = GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="volunteer_search_text_trgm")


def search_text_fill(apps, schema_editor):
    """Existing volunteers get their text at once, a thousand per UPDATE. A database without
    volunteers (a new install, the tests) skips this."""
    if not apps.get_model("volunteers", "Volunteer").objects.exists():
        return
    # lazy: a one-off data step run with this release's code; the text's layout lives only there
    from volunteers.search import search_text_refresh

    search_text_refresh(everyone=True)


def _previous_indexes():
    return importlib.import_module("volunteers.migrations.0007_directory_search_trigram_indexes")


def index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _previous_indexes().indexes_drop(apps, schema_editor)
    schema_editor.add_index(apps.get_model("volunteers", "Volunteer"), SEARCH_INDEX)


def index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_index(apps.get_model("volunteers", "Volunteer"), SEARCH_INDEX)
    _previous_indexes().indexes_create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0009_teacher_progress_stored_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalvolunteer",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(search_text_fill, migrations.RunPython.noop),
        migrations.RunPython(index_create, index_drop),
    ]
