"""The embedded default itself (`make run`: SQLite file, no Redis) under
`kill -9`: issue 8 row 8 on the database it really runs on. The collector
keeps its connection between batches and checkpoints the WAL from a thread of
its own; neither may cost a record.

It needs no test database: it migrates a SQLite file of its own, so it runs
whatever DATABASE_URL the suite has.
"""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, Process, wait_until

from .test_collector_eager import _embedded_collector, _received

TOTAL = 60_000  # distinct minutes of February: session records are one per minute


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               SYSLOG_SPOOL_DIR=str(tmp_path / "spool"), SYSLOG_BATCH_SECONDS="0.2",
               PYTHONUNBUFFERED="1")
    return env


def _collector(tmp_path: Path, log: str) -> tuple[Process, dict[str, int]]:
    return _embedded_collector(tmp_path, log, _env(tmp_path))


def _stored(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "db.sqlite3", timeout=30) as db:
        return db.execute("SELECT count(*) FROM ingest_sessionlog").fetchone()[0]


def test_kill_9_of_the_embedded_default_costs_nothing_already_read(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO,
                   env=_env(tmp_path), check=True, timeout=300)
    proc, ports = _collector(tmp_path, "first.log")
    try:
        with socket.create_connection(("127.0.0.1", ports["tcp"])) as sock:
            sock.sendall(b"".join(
                b"<14>popchat-session: 2024/02/%02d %02d:%02d:00,GW-EMB-SQLITE,%d\n"
                % (1 + n // 1440 % 28, n // 60 % 24, n % 60, n) for n in range(TOTAL)))
        wait_until(lambda: _received(ports["metrics"]) == TOTAL, timeout=120, interval=0.01,
                   message=proc.output()[-2000:])
    finally:
        proc.stop(signal.SIGKILL)
    before = _stored(tmp_path)
    assert before < TOTAL, "the store kept up: nothing was at risk"
    # At most the batch being filled when the signal came (fewer than the
    # 2,000 of a batch) may be missing; everything spooled is stored.
    proc, _ports = _collector(tmp_path, "second.log")
    try:
        wait_until(lambda: not list((tmp_path / "spool").glob("*.json"))
                   and _stored(tmp_path) > TOTAL - 2000, timeout=180,
                   message=f"{before} then {_stored(tmp_path)} {proc.output()[-2000:]}")
    finally:
        assert proc.stop() == 0, proc.output()[-2000:]
