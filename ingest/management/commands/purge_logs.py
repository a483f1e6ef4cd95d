from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.retention import logs_purge


class Command(BaseCommand):
    help = ("Delete log records (and their rollups) of JST months older than "
            "LOG_RETENTION_MONTHS, dropping whole monthly partitions on PostgreSQL; "
            "--dry-run only counts them and names the partitions")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument("--months", type=int, default=None,
                            help=f"months kept, this one included (default LOG_RETENTION_MONTHS"
                                 f" = {settings.LOG_RETENTION_MONTHS})")

    def handle(self, *args, **options):
        months = options["months"]
        if months is not None and months < 1:
            raise CommandError("--months must be at least 1")
        if settings.LOG_RETENTION_MONTHS < 1:
            raise CommandError("LOG_RETENTION_MONTHS must be at least 1")
        plan = logs_purge(dry_run=options["dry_run"], months=months)
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(f"keeping records from {plan.cutoff:%Y-%m-%d} (JST) on; {verb}:")
        for log_type, n in plan.records.items():
            self.stdout.write(f"{log_type:>12}: {n}")
        self.stdout.write(f"{'daily facts':>12}: {plan.daily_facts}")
        self.stdout.write(f"{'rollup days':>12}: {plan.rollup_days}")
        self.stdout.write(f"{'touched days':>12}: {plan.touched_days}")
        verb = "would drop" if options["dry_run"] else "dropped"
        self.stdout.write(f"partitions {verb}: {', '.join(plan.partitions) or 'none'}")
