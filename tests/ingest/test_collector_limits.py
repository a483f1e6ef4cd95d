"""The collector under hostile or careless senders, over real sockets: idle
TCP connections closed, connection caps, EMFILE without a log flood, drain on
stop (rows 10 and 12 of the "nothing lost" issue, issue 10 item 5) and
back-pressure (row 13)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from ingest.batcher import Batcher
from ingest.collector import Collector
from ingest.guards import Limits, RateLimitedLog, udp_drops

from .test_collector import Sink, wait_until

REPO = Path(__file__).resolve().parents[2]
LINE = b"<14>popchat-session: 2024/02/01 10:00:00,GW1,%d\n"


async def start(limits: Limits, sink: Sink | None = None, **batcher_options):
    sink = sink or Sink()
    batcher_options.setdefault("batch_seconds", 0.05)
    collector = Collector(Batcher(sink, **batcher_options), limits=limits,
                          spool_retry_seconds=60)
    bound = await collector.start(udp=("127.0.0.1", 0), tcp=("127.0.0.1", 0))
    return collector, sink, bound


def connect(addr, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(addr)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_idle_connections_are_closed_and_busy_ones_kept() -> None:
    async def scenario() -> None:
        collector, sink, bound = await start(Limits(idle_seconds=0.4))
        idle = [await asyncio.to_thread(connect, bound["tcp"]) for _ in range(5)]
        busy = await asyncio.to_thread(connect, bound["tcp"])
        for n in range(10):
            await asyncio.to_thread(busy.sendall, LINE % n)
            await asyncio.sleep(0.1)
        assert all([await asyncio.to_thread(closed_by_server, s) for s in idle])
        assert collector.counters["idle_closed"] == 5
        assert len(collector.connections) == 1
        busy.close()
        await collector.stop()
        assert len(sink.items) == 10

    asyncio.run(scenario())


def test_connections_are_capped_in_total_and_per_source() -> None:
    async def scenario() -> None:
        collector, sink, bound = await start(Limits(max_connections=5, max_per_source=3))
        first = [await asyncio.to_thread(connect, bound["tcp"]) for _ in range(3)]
        await wait_until(lambda: len(collector.connections) == 3)
        over_source = await asyncio.to_thread(connect, bound["tcp"])
        assert await asyncio.to_thread(closed_by_server, over_source)
        other = [await asyncio.to_thread(connect, bound["tcp"], "127.0.0.2") for _ in range(2)]
        await wait_until(lambda: len(collector.connections) == 5)
        over_total = await asyncio.to_thread(connect, bound["tcp"], "127.0.0.3")
        assert await asyncio.to_thread(closed_by_server, over_total)
        assert collector.counters["refused_connections"] == 2
        first[0].close()
        await wait_until(lambda: len(collector.connections) == 4)
        again = await asyncio.to_thread(connect, bound["tcp"], "127.0.0.3")
        await asyncio.to_thread(again.sendall, LINE % 1)
        await wait_until(lambda: len(sink.items) == 1)
        for s in [*first[1:], *other, over_source, over_total, again]:
            s.close()
        await collector.stop()

    asyncio.run(scenario())


def test_stop_keeps_reading_open_connections_until_the_sender_closes() -> None:
    """Row 10: what a sender already wrote is read, not dropped with the socket."""
    total = 30000

    async def scenario() -> None:
        collector, sink, bound = await start(Limits(drain_seconds=30), batch_size=500)
        sock = await asyncio.to_thread(connect, bound["tcp"])

        def sender() -> None:
            for n in range(total):
                sock.sendall(LINE % n)
            sock.close()

        thread = threading.Thread(target=sender)
        thread.start()
        await wait_until(lambda: len(sink.items) > 0)
        await collector.stop()  # while the sender is still writing
        thread.join(30)
        assert len(sink.items) == total

    asyncio.run(scenario())


def test_stop_closes_connections_left_open_after_the_drain_time() -> None:
    async def scenario() -> None:
        collector, sink, bound = await start(Limits(drain_seconds=0.3))
        sock = await asyncio.to_thread(connect, bound["tcp"])
        await asyncio.to_thread(sock.sendall, b"<14>popchat-session: unterminated")
        await wait_until(lambda: collector.counters["received"] == 0 and collector.connections)
        started = time.monotonic()
        await collector.stop()
        assert time.monotonic() - started < 5
        assert [i[1] for i in sink.items] == ["unterminated"]
        sock.close()

    asyncio.run(scenario())


def test_a_slow_dispatch_pauses_tcp_reading_then_everything_arrives() -> None:
    """Row 13: past the bound of batches in flight, TCP reading pauses."""
    async def scenario() -> None:
        sink = Sink()
        sink.gate = threading.Event()
        collector, sink, bound = await start(Limits(max_inflight=3), sink, batch_size=1000,
                                             workers=1)
        sock = await asyncio.to_thread(connect, bound["tcp"])
        sock.settimeout(60)
        total = 200_000  # about 10 MB: more than the kernel buffers hold
        payload = b"".join(LINE % n for n in range(total))
        sending = asyncio.create_task(asyncio.to_thread(sock.sendall, payload))
        await wait_until(lambda: collector.paused)
        assert collector.counters["paused"] == 1
        held = collector.batcher.inflight
        await asyncio.sleep(0.5)
        # Held: no more reading, so no more batches (but the partial one the
        # timer flushes), and the sender is blocked.
        assert collector.batcher.inflight <= held + 1 and not sending.done()
        assert "syslogcloud_collector_tcp_paused 1" in collector.render_metrics()
        sink.gate.set()
        await sending
        sock.close()
        await wait_until(lambda: sum(len(b) for b in sink.batches) == total, timeout=60)
        assert not collector.paused
        await collector.stop()

    asyncio.run(scenario())


def test_udp_kernel_drops_are_read_from_proc_net_udp() -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    rx.bind(("127.0.0.1", 0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        for _ in range(500):
            tx.sendto(b"x" * 1000, rx.getsockname())
    assert udp_drops(rx) > 0
    rx.close()


def test_a_recurring_error_is_logged_once_a_second_with_a_count(caplog) -> None:
    log = RateLimitedLog(interval=0.2)
    with caplog.at_level("ERROR", logger="ingest.collector"):
        assert log.log("accept", "accept failed")
        assert not any(log.log("accept", "accept failed") for _ in range(999))
        time.sleep(0.25)
        assert log.log("accept", "accept failed")
    assert [r.getMessage() for r in caplog.records] == [
        "accept failed", "accept failed (and 999 more like it)"]


def _collector_with_fd_limit(tmp_path: Path, soft: int, hard: int) -> tuple[subprocess.Popen,
                                                                              int, int]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    env = {**os.environ, "SYSLOG_SPOOL_DIR": str(tmp_path / "spool"), "PYTHONUNBUFFERED": "1",
           "SYSLOG_MAX_CONNECTIONS": "5000", "SYSLOG_MAX_CONNECTIONS_PER_SOURCE": "5000"}
    log = open(tmp_path / "collector.log", "w+")  # noqa: SIM115 - closed by the caller
    proc = subprocess.Popen([sys.executable, "manage.py", "collector", "--tcp", "127.0.0.1:0",
                             "--udp", "127.0.0.1:0"], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=limit)
    deadline = time.monotonic() + 60
    ports = {}
    while len(ports) < 2 and time.monotonic() < deadline:
        for line in (tmp_path / "collector.log").read_text().splitlines():
            if line.startswith("listening "):
                _, name, addr = line.split()[:3]
                ports[name] = int(addr.rsplit(":", 1)[1])
        time.sleep(0.1)
    assert len(ports) == 2, (tmp_path / "collector.log").read_text()
    return proc, ports["tcp"], ports["udp"]


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_out_of_descriptors_logs_a_line_a_second_not_a_flood(tmp_path: Path) -> None:
    """Row 12: 300 idle connections against 128 descriptors (hard limit too)."""
    proc, tcp, _udp = _collector_with_fd_limit(tmp_path, 128, 128)
    socks = []
    try:
        for _ in range(300):
            s = socket.socket()
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.connect(("127.0.0.1", tcp))
            socks.append(s)
        time.sleep(3)
        log = (tmp_path / "collector.log").read_text()
        assert proc.poll() is None, log
        assert len(log) < 20000, f"{len(log)} bytes of log in 3 s"
        assert "Traceback" not in log
    finally:
        for s in socks:
            s.close()
        _stop(proc)


def test_the_descriptor_limit_is_raised_at_start(tmp_path: Path) -> None:
    proc, tcp, _udp = _collector_with_fd_limit(tmp_path, 64, 4096)
    socks = []
    try:
        for _ in range(200):
            socks.append(socket.create_connection(("127.0.0.1", tcp), timeout=5))
        socks[-1].sendall(LINE % 1)
        time.sleep(0.5)
        assert not closed_by_server(socks[-1])
        with open(f"/proc/{proc.pid}/limits") as f:
            assert any(line.startswith("Max open files") and "4096" in line.split()[3]
                       for line in f)
    finally:
        for s in socks:
            s.close()
        _stop(proc)
