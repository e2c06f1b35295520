from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On-call"

    def ready(self):
        # Register the Celery tasks in every process (web included): the outbox enqueues
        # `oncall.tasks.sms_send` by name right after a row is committed.
        from . import tasks  # noqa: F401 - registers the Celery tasks
