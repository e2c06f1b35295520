import importlib
import inspect

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from project.history import change_reason


class Command(BaseCommand):
    help = "Load demo data for every app. Idempotent: running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="allow loading with DEBUG=false")
        parser.add_argument(
            "--scale",
            type=int,
            default=None,
            help="multiply the bulk demo data (volunteers, events…) N times for benchmarks",
        )

    def handle(self, *args, force=False, scale=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo data with DEBUG=false (use --force on a test system).")
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            # Apps whose loader takes `scale` get it; the others load their fixed demo set.
            kwargs = {"scale": scale} if scale and "scale" in inspect.signature(module.load).parameters else {}
            with transaction.atomic(), change_reason("Demo data"):
                module.load(stdout=self.stdout, **kwargs)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Log in as admin / {settings.DEMO_PASSWORD} (also coordinator, staff, viewer with the same password)."
        )
