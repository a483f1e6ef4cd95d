import json

from django.core.management.base import BaseCommand

from ingest.selectors import ingest_status


class Command(BaseCommand):
    help = "Print what the pipeline has stored, quarantined and left unassigned"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        status = ingest_status()
        if options["json"]:
            self.stdout.write(json.dumps(status))
            return
        for log_type, n in status["stored"].items():
            self.stdout.write(f"{log_type:>10}: {n}")
        for key in ("quarantined", "unassigned", "duplicates", "rejected", "new_gateways"):
            self.stdout.write(f"{key:>10}: {status[key]}")
        spool = status["spool"]
        free = "?" if spool["free_bytes"] is None else f"{spool['free_bytes'] // 2**20} MiB free"
        self.stdout.write(f"{'spool':>10}: {spool['files']} batches waiting, {free}"
                          + (" — LOW SPACE" if spool["low_space"] else ""))
