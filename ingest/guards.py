"""What keeps the collector alive under hostile or careless senders.

Plain helpers for the asyncio shell: the listener limits, a log that says
"this happened N times" at most once a second instead of a traceback per
event, the file-descriptor limit, and the kernel's count of UDP datagrams it
dropped because we did not read them fast enough.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass

logger = logging.getLogger("ingest.collector")


@dataclass(frozen=True)
class Limits:
    """SYSLOG_TCP_IDLE_SECONDS, SYSLOG_MAX_CONNECTIONS(_PER_SOURCE),
    SYSLOG_DRAIN_SECONDS and the back-pressure bound on batches in flight."""

    idle_seconds: float = 600.0
    max_connections: int = 2000
    max_per_source: int = 100
    drain_seconds: float = 10.0
    # Past this many batches waiting for dispatch, TCP reading pauses.
    max_inflight: int = 16


class RateLimitedLog:
    """Logs one line per `interval` for a recurring error, with how many
    occurred since the last line (EMFILE on accept once printed 26 MB of
    tracebacks in 30 s)."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def log(self, key: str, message: str) -> bool:
        now = time.monotonic()
        if now - self._last.get(key, -1e9) < self.interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        extra = self._suppressed.pop(key, 0)
        self._last[key] = now
        logger.error("%s%s", message, f" (and {extra} more like it)" if extra else "")
        return True


def raise_nofile_limit() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit: each TCP sender costs a
    descriptor, and 1,024 is the usual soft default. Returns (soft, hard)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            logger.warning("could not raise the open-file limit from %d: %s", soft, exc)
    return soft, hard


def udp_drops(sock: socket.socket) -> int:
    """Datagrams the kernel dropped on this socket (its receive buffer was
    full), from the `drops` column of /proc/net/udp{,6}; 0 where unavailable."""
    try:
        inode = str(os.fstat(sock.fileno()).st_ino)
    except OSError:
        return 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table, encoding="ascii") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if len(cols) > 12 and cols[9] == inode:
                        return int(cols[12])
        except (OSError, ValueError, StopIteration):
            continue
    return 0
