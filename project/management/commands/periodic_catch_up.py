from django.core.management.base import BaseCommand

from project.catchup import periodic_catch_up


class Command(BaseCommand):
    help = "Send once each periodic task that missed a tick (an outage); beat also does this every minute."

    def handle(self, *args, **options):
        sent = periodic_catch_up()
        for name in sent:
            self.stdout.write(f"sent: {name}")
        self.stdout.write(f"{len(sent)} overdue periodic task(s) sent.")
