"""`alert_scheduler`: the embedded scheduler of `make run` without Redis.

Celery beat does this in production; without a broker tasks run in-process,
so this loop calls the same evaluation every ALERTS_EVALUATE_SECONDS, and
(like beat's hourly `ingest-ensure-partitions`) makes sure of the log
tables' partitions for this and next month once an hour (PostgreSQL only)."""
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from alerts.evaluate import alerts_evaluate
from ingest.partitions import ensure_partitions

PARTITIONS_EVERY_SECONDS = 3600.0


class Command(BaseCommand):
    help = "Evaluate alert rules every ALERTS_EVALUATE_SECONDS until stopped (no Redis)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rounds", type=int, default=0, help="stop after N rounds (0: never)")

    def handle(self, *args, **options) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        period = settings.ALERTS_EVALUATE_SECONDS
        self.stdout.write(f"alert scheduler: evaluating every {period:g} s", ending="\n")
        self.stdout.flush()
        rounds = 0
        partitions_due = 0.0
        while not stop.is_set():
            if not connection.in_atomic_block:  # (a test's transaction must stay open)
                close_old_connections()  # a long-running loop: drop stale connections
            if time.monotonic() >= partitions_due:
                partitions_due = time.monotonic() + PARTITIONS_EVERY_SECONDS
                try:
                    for name in ensure_partitions():
                        self.stdout.write(f"created log partition {name}")
                except Exception as exc:  # noqa: BLE001 - the next hour retries
                    self.stderr.write(f"log partitions: {exc}")
            try:
                result = alerts_evaluate()
                self.stdout.write(f"{result.rules} rules: {result.opened} opened, "
                                  f"{result.resolved} resolved")
            except Exception as exc:  # noqa: BLE001 - keep the loop alive; the next round retries
                self.stderr.write(f"alert evaluation failed: {exc}")
            self.stdout.flush()
            rounds += 1
            if options["rounds"] and rounds >= options["rounds"]:
                break
            stop.wait(period)
