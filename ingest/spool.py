"""A directory of batches the collector could not hand to the broker.

One JSON file per batch, written to a temporary name and renamed into place,
so a crash never leaves half a batch. Files are replayed oldest first and
deleted only after a successful dispatch. Synchronous: the collector calls it
from its dispatch threads.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

Dispatch = Callable[[list[list]], object]


def free_bytes(directory: Path) -> int:
    """Space left for spooling (what an unprivileged writer may use)."""
    try:
        st = os.statvfs(directory)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize


class Spool:
    """Batches waiting for the broker, under `directory`."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._seq = itertools.count()
        self._replay_lock = threading.Lock()
        self.sweep_temporary()

    def sweep_temporary(self) -> int:
        """Remove `.tmp` files a crash left behind (never renamed, so never whole)."""
        removed = 0
        for tmp in self.directory.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed += 1
        return removed

    def free_bytes(self) -> int:
        return free_bytes(self.directory)

    def write(self, items: list[list]) -> Path:
        """Store one batch durably; names sort in arrival order."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(self._seq):06d}.json"
        path = self.directory / name
        tmp = self.directory / f".{name}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                # One string, one write: json.dump's many small writes cost
                # ~2 µs a message on the collector's event loop.
                f.write(json.dumps(items, ensure_ascii=False, separators=(",", ":")))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            # A full or read-only disk must not leave half-written files behind.
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return path

    def pending(self) -> list[Path]:
        """Spooled batch files, oldest first."""
        return sorted(self.directory.glob("*.json"))

    def replay(self, dispatch: Dispatch, stop: Callable[[], bool] | None = None) -> int:
        """Dispatch spooled batches oldest first; stop at the first failure.

        Returns how many were dispatched (and deleted). A file that is not a
        JSON list is renamed to `*.bad` so it cannot block the queue.
        """
        done = 0
        with self._replay_lock:  # one replayer at a time, never the same file twice
            for path in self.pending():
                if stop is not None and stop():
                    break
                try:
                    items = json.loads(path.read_text(encoding="utf-8"))
                    if not isinstance(items, list):
                        raise ValueError("not a JSON list")
                except FileNotFoundError:
                    continue
                except ValueError as exc:
                    logger.error("spool file %s is unreadable (%s); renamed to .bad", path, exc)
                    path.rename(path.with_suffix(".bad"))
                    continue
                try:
                    dispatch(items)
                except Exception as exc:  # the broker is still down: retry later
                    logger.debug("spool replay of %s failed: %s", path.name, exc)
                    break
                path.unlink()
                done += 1
        return done
