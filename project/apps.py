from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class CrewbaseAdminConfig(AdminConfig):
    default_site = "project.admin_site.CrewbaseAdminSite"


class ProjectConfig(AppConfig):
    name = "project"
    verbose_name = "Platform"

    def ready(self):
        from . import roles, signals  # noqa: F401  (signal receivers)

        # Role permissions follow the models: re-synced after every migrate.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="crewbase-sync-roles")
