from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from simple_history.signals import pre_create_historical_record


class CrewbaseAdminConfig(AdminConfig):
    default_site = "project.admin_site.CrewbaseAdminSite"


class ProjectConfig(AppConfig):
    name = "project"
    verbose_name = "Platform"

    def ready(self):
        from . import history, roles, signals  # noqa: F401  (signal receivers)

        # History rows written inside `history.change_reason(...)` carry that reason.
        pre_create_historical_record.connect(history.fill_change_reason, dispatch_uid="crewbase-change-reason")

        # Role permissions follow the models: re-synced after every migrate.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="crewbase-sync-roles")
