from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = "Volunteers"

    def ready(self) -> None:
        from .virtual import receivers  # noqa: F401 - lazy: connects the teacher programme to event changes
