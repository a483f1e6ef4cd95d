"""SQLite's write-ahead log in the embedded collector: checkpoints off the
store thread.

By default the connection that commits past 1,000 WAL pages copies them into
the database file and syncs it, inside its COMMIT: the collector's one store
thread spent a quarter of its time there (issue 9). In the collector process
its connections do not checkpoint on commit; a thread of its own runs a
PASSIVE checkpoint every second instead, which never blocks the writer or the
portal's readers and runs while the store thread parses and inserts (SQLite
releases the GIL). The portal's connections keep the default.
"""
from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, connection, connections

logger = logging.getLogger(__name__)

# Pages cached per connection (negative: KiB): the digest index of a month
# outgrows SQLite's 2 MB default, and every page missed is a read call.
STORE_PRAGMAS = ("PRAGMA wal_autocheckpoint=0", "PRAGMA cache_size=-32768")
CHECKPOINT_SECONDS = 1.0


def store_connections_tune() -> bool:
    """Make this process's SQLite connections skip checkpoints on commit and
    cache more pages; call before any connection is opened. False (and no
    change) unless the database is SQLite."""
    if connection.vendor != "sqlite":
        return False
    options = connection.settings_dict.setdefault("OPTIONS", {})
    commands = [c for c in options.get("init_command", "").split(";") if c.strip()]
    options["init_command"] = ";".join([*commands, *STORE_PRAGMAS])
    return True


class Checkpointer(threading.Thread):
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` every `period` seconds until stopped."""

    def __init__(self, period: float = CHECKPOINT_SECONDS) -> None:
        super().__init__(name="wal-checkpoint", daemon=True)
        self.period = period
        self.stopped = threading.Event()
        self.checkpoints = 0

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.period):
                self.checkpoint()
            self.checkpoint()  # leave a short WAL behind
        finally:
            connections.close_all()

    def checkpoint(self) -> None:
        try:
            with connection.cursor() as cur:
                cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self.checkpoints += 1
        except DatabaseError as exc:  # e.g. the file went away: the next round retries
            logger.warning("WAL checkpoint failed: %s", exc)
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)
