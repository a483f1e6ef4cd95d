from django.core.management.base import BaseCommand

from audit.search import today_jst
from audit.services import history_purge, retention_start


class Command(BaseCommand):
    help = ("Delete login/operation (and registered) history rows older than the 1st of the "
            "same month of the previous year (JST).")

    def handle(self, *args, **options):
        self.stdout.write(f"keeping rows from {retention_start(today_jst()):%Y-%m-%d %H:%M %Z}")
        counts = history_purge()
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n} deleted")
