"""`alert_scheduler`: the embedded scheduler of `make run` without Redis.

Celery beat does this in production; without a broker tasks run in-process,
so this loop calls the same evaluation every ALERTS_EVALUATE_SECONDS."""
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from alerts.evaluate import alerts_evaluate


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
        while not stop.is_set():
            if not connection.in_atomic_block:  # (a test's transaction must stay open)
                close_old_connections()  # a long-running loop: drop stale connections
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
