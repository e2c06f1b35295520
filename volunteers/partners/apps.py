from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "volunteers.partners"
    label = "partners"
    verbose_name = "District partners"
    default_auto_field = "django.db.models.BigAutoField"
