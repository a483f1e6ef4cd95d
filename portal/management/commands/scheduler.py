"""`scheduler`: Celery beat for the embedded default (`make run` without Redis).

Without a broker, tasks run in-process and no beat runs, so nothing would
do the periodic work production does: refresh rollups (late records reach
the dashboards), replay dead letters, create log partitions, purge old logs
and histories, sweep provisioning, evaluate alerts. This loop runs the same
CELERY_BEAT_SCHEDULE, one list for both: every entry once at start, then
each again when its period has passed."""
import signal
import threading
import time
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from syslogcloud.celery import app


class Entry(NamedTuple):
    name: str
    task: str
    seconds: float


def beat_entries() -> list[Entry]:
    """The schedule, checked: periods in seconds and tasks that exist."""
    app.loader.import_default_modules()  # the apps' tasks modules (a worker does this)
    entries = []
    for name, spec in settings.CELERY_BEAT_SCHEDULE.items():
        every = spec["schedule"]
        if isinstance(every, timedelta):
            every = every.total_seconds()
        if not isinstance(every, int | float):
            raise CommandError(f"beat entry {name}: only periods in seconds are supported, "
                               f"not {every!r}")
        if spec["task"] not in app.tasks:
            raise CommandError(f"beat entry {name}: no task named {spec['task']}")
        entries.append(Entry(name, spec["task"], float(every)))
    return entries


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in-process until stopped (no Redis)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rounds", type=int, default=0,
                            help="stop after N passes over the schedule (0: never)")

    def handle(self, *args, **options) -> None:
        if options["rounds"] < 0:
            raise CommandError("--rounds must be 0 or more")
        entries = beat_entries()
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("scheduler: " + ", ".join(f"{e.name} every {e.seconds:g} s"
                                                    for e in entries))
        self.stdout.flush()
        due = {e.name: 0.0 for e in entries}
        rounds = 0
        while not stop.is_set():
            if not connection.in_atomic_block:  # (a test's transaction must stay open)
                close_old_connections()  # a long-running loop: drop stale connections
            for entry in entries:
                if time.monotonic() >= due[entry.name]:
                    due[entry.name] = time.monotonic() + entry.seconds
                    self._run(entry)
            rounds += 1
            if options["rounds"] and rounds >= options["rounds"]:
                break
            stop.wait(max(min(due.values()) - time.monotonic(), 0.0))

    def _run(self, entry: Entry) -> None:
        try:
            result = app.tasks[entry.task].apply(throw=True).get()
        except Exception as exc:  # noqa: BLE001 - keep the loop alive; the next period retries
            self.stderr.write(f"{entry.name}: failed: {type(exc).__name__}: {exc}")
        else:
            self.stdout.write(f"{entry.name}: {result}")
        self.stdout.flush()
