"""Embedded mode (no Redis): the collector stores batches itself, from one thread."""
from __future__ import annotations

import asyncio
import signal
import socket
import time

import pytest

from ingest.collector import Batcher, Collector
from ingest.management.commands.collector import store_in_process
from ingest.models import Quarantine, SessionLog
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_stores_and_quarantines_in_process() -> None:
    async def scenario() -> None:
        collector = Collector(Batcher(store_in_process, batch_seconds=0.05, workers=1))
        bound = await collector.start(udp=("127.0.0.1", 0))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"<14>popchat-session: 2024/02/01 10:05:00,PCGOLD001,42", bound["udp"])
            s.sendto(b"<14>sshd: Accepted password", bound["udp"])
        deadline = time.monotonic() + 10
        while collector.counters["dispatched_items"] < 2:
            assert time.monotonic() < deadline, collector.counters.snapshot()
            await asyncio.sleep(0.02)
        await collector.stop()

    asyncio.run(scenario())
    assert list(SessionLog.objects.values_list("sessions", flat=True)) == [42]
    quarantined = Quarantine.objects.get()
    assert quarantined.reason == "unknown log type: app-name 'sshd'"


def _embedded_collector(tmp_path, log_name: str, env: dict[str, str] | None = None):
    """`manage.py collector` in embedded mode (no REDIS_URL), by default on the
    test database; returns the process and its ports by listener name."""
    import sys

    from tests.conftest import Process, subprocess_env

    env = env or subprocess_env(REDIS_URL="", SYSLOG_SPOOL_DIR=str(tmp_path / "spool"),
                                SYSLOG_BATCH_SECONDS="0.2")
    proc = Process([sys.executable, "manage.py", "collector", "--tcp", "127.0.0.1:0",
                    "--metrics", "127.0.0.1:0"], env, tmp_path / log_name)
    out = proc.wait_for("listening metrics", timeout=60)
    ports = {line.split()[1]: int(line.rsplit(":", 1)[1]) for line in out.splitlines()
             if line.startswith("listening ")}
    return proc, ports


def _received(port: int) -> int:
    from .test_collector import http_get

    body = http_get(("127.0.0.1", port), "/metrics").decode()
    return next(int(line.split()[1]) for line in body.splitlines()
                if line.startswith("syslogcloud_collector_received_total "))


def sessions_sent_then_kill_9(proc, ports: dict[str, int], gateway: str, total: int,
                              timeout: float) -> None:
    """`total` session records (one per minute of February) over one TCP
    connection; once the collector's counter says it has read them all, it
    gets SIGKILL."""
    try:
        with socket.create_connection(("127.0.0.1", ports["tcp"])) as sock:
            sock.sendall(b"".join(
                b"<14>popchat-session: 2024/02/%02d %02d:%02d:00,%s,%d\n"
                % (1 + n // 1440 % 28, n // 60 % 24, n % 60, gateway.encode(), n)
                for n in range(total)))
        wait_until(lambda: _received(ports["metrics"]) == total, timeout=timeout,
                   interval=0.01, message=proc.output()[-2000:])
    finally:
        proc.stop(signal.SIGKILL)


def test_embedded_mode_keeps_its_backlog_on_disk_through_kill_9(tmp_path) -> None:
    """Row 8: a fast sender, then `kill -9` at once: at most the batch being
    filled is lost; the rest waits in the spool and is stored after a restart."""
    total = 40_000  # distinct minutes of February: session records are one per minute
    proc, ports = _embedded_collector(tmp_path, "first.log")
    sessions_sent_then_kill_9(proc, ports, "GW-EMB", total, timeout=60)
    stored_before_kill = SessionLog.objects.count()
    assert stored_before_kill < total, "the store kept up: nothing was at risk"

    proc, _ports = _embedded_collector(tmp_path, "second.log")
    try:
        wait_until(lambda: SessionLog.objects.count() >= total - 2000, timeout=120,
                   message=f"{stored_before_kill} then {SessionLog.objects.count()}, "
                           f"{Quarantine.objects.count()} quarantined {proc.output()[-2000:]}")
    finally:
        assert proc.stop() == 0
        # A SIGKILLed client's backend finishes its statement before it notices;
        # let it go before the test database is flushed.
        wait_until(_alone_in_the_database, timeout=60)


def _alone_in_the_database() -> bool:
    from django.db import connection

    with connection.cursor() as cur:
        # Busy ones only: the shared Celery worker's idle connection may stay.
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state <> 'idle'") \
            if connection.vendor == "postgresql" \
            else cur.execute("SELECT 0")
        return cur.fetchone()[0] == 0
