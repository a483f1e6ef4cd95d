"""`partitions`: the log tables' monthly partitions, and creating those ahead
(or one past month's, before importing it: its rows then skip DEFAULT)."""
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ingest.partitions import ensure_partitions, log_tables, partitions_of
from portal.periods import Month


class Command(BaseCommand):
    help = ("Show the log tables' monthly partitions (PostgreSQL); with --ahead N, first "
            "create this JST month's and the N next ones where missing; with --month "
            "YYYY-MM, that month's")

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=None,
                            help="create this month's partition and the N next ones first")
        parser.add_argument("--month", default=None,
                            help="create this JST month's partitions first (YYYY-MM)")

    def handle(self, *args, **options):
        ahead = options["ahead"]
        if ahead is not None and ahead < 0:
            raise CommandError("--ahead must be 0 or more")
        month = None
        if options["month"] is not None:
            try:
                month = Month.parse(options["month"])
            except ValueError:
                raise CommandError("--month must be a month like 2024-02") from None
        tables = log_tables()
        if not tables:
            self.stdout.write(f"no partitioned log tables ({connection.vendor}: plain tables)")
            return
        if ahead is not None or month is not None:
            created = []
            if ahead is not None:
                created += ensure_partitions(ahead=ahead)
            if month is not None:
                created += ensure_partitions(ahead=0, today=month)
            self.stdout.write(f"created: {', '.join(created) or 'none'}")
        for log_table in tables:
            self.stdout.write(f"{log_table.table} (by {log_table.time_column}, JST months):")
            for partition in partitions_of(log_table.table):
                month = str(partition.month) if partition.month else "DEFAULT"
                self.stdout.write(f"  {month:>8}  {partition.name}  ~{partition.rows} rows")
