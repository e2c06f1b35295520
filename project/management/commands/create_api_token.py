from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from project.authentication import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        _, raw = api_token_create(user=user, name=name)
        self.stdout.write(raw)
        self.stderr.write("Store this token now: it cannot be shown again.")
