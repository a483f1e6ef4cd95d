"""The embedded default itself (`make run`: SQLite file, no Redis) under
`kill -9`: issue 8 row 8 on the database it really runs on. The collector
keeps its connection between batches and checkpoints the WAL from a thread of
its own; neither may cost a record.

It needs no test database: it migrates a SQLite file of its own, so it runs
whatever DATABASE_URL the suite has.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, Process, wait_until

from .test_collector_eager import _embedded_collector, sessions_sent_then_kill_9

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
    sessions_sent_then_kill_9(proc, ports, "GW-EMB-SQLITE", TOTAL, timeout=120)
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
