from django.core.management.base import BaseCommand
from django.db import transaction

from volunteers import demo


class Command(BaseCommand):
    help = "Load the volunteers demo data; --scale N generates N× the volunteers, events and participations."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1)

    def handle(self, *args, scale=1, **options):
        with transaction.atomic():
            demo.load(stdout=self.stdout, scale=max(1, scale))
