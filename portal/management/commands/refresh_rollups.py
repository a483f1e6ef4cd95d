"""refresh_rollups [--month YYYY-MM] [--quiescent]: fold new log records into
the dashboard rollups (what the Celery beat task does every minute)."""
import time

from django.core.management.base import BaseCommand, CommandError

from portal.periods import Month
from portal.rollups import rollups_refresh


class Command(BaseCommand):
    help = "Fold new records into the dashboard rollups, or rebuild one month."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="rebuild every scope of this month (YYYY-MM)")
        parser.add_argument(
            "--quiescent", action="store_true",
            help="no writer is running (after a bulk load): trust the new mark at once",
        )

    def handle(self, *args, month=None, quiescent=False, **options):
        target = None
        if month:
            try:
                target = Month.parse(month)
            except ValueError:
                raise CommandError("--month must be YYYY-MM") from None
        started = time.monotonic()
        done = rollups_refresh(month=target, quiescent=quiescent,
                               log=lambda msg: self.stdout.write(msg))
        total = sum(done.values())
        self.stdout.write(
            f"done: {total} scope-days rebuilt in {time.monotonic() - started:.1f}s "
            + " ".join(f"{k}={v}" for k, v in done.items())
        )
