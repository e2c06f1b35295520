from django.core.management.base import BaseCommand

from project.periodic import periodic_tasks_setup


class Command(BaseCommand):
    help = "Upsert the periodic-task registry into django-celery-beat by name (admin edits survive)."

    def handle(self, *args, **options):
        counts = periodic_tasks_setup()
        self.stdout.write(
            f"Periodic tasks: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['disabled']} disabled (no longer registered)."
        )
