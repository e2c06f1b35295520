"""Create the role groups (Administrator, Coordinator, Staff, Viewer) with their permissions.

Permissions of models that do not exist yet are added by the post_migrate hook that calls the
same `sync_roles`, so the groups always match project/roles.py."""

from django.db import migrations

from project.roles import sync_roles


def create_roles(apps, schema_editor):
    sync_roles(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("project", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
