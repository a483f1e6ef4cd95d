"""`partitions`: the log tables' monthly partitions, and creating those ahead."""
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ingest.partitions import ensure_partitions, log_tables, partitions_of


class Command(BaseCommand):
    help = ("Show the log tables' monthly partitions (PostgreSQL); with --ahead N, first "
            "create this JST month's and the N next ones where missing")

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=None,
                            help="create this month's partition and the N next ones first")

    def handle(self, *args, **options):
        ahead = options["ahead"]
        if ahead is not None and ahead < 0:
            raise CommandError("--ahead must be 0 or more")
        tables = log_tables()
        if not tables:
            self.stdout.write(f"no partitioned log tables ({connection.vendor}: plain tables)")
            return
        if ahead is not None:
            created = ensure_partitions(ahead=ahead)
            self.stdout.write(f"created: {', '.join(created) or 'none'}")
        for log_table in tables:
            self.stdout.write(f"{log_table.table} (by {log_table.time_column}, JST months):")
            for partition in partitions_of(log_table.table):
                month = str(partition.month) if partition.month else "DEFAULT"
                self.stdout.write(f"  {month:>8}  {partition.name}  ~{partition.rows} rows")
