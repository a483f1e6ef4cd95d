"""`manage.py collector` as a real process: addresses, SIGTERM, the real broker."""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from kombu import serialization
from kombu.compression import decompress

from ingest.items import Item, frame_bytes
from ingest.management.commands.collector import parse_address
from ingest.payload import batch_items

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("value", "address"), [
    ("127.0.0.1:5514", ("127.0.0.1", 5514)),
    (":0", ("0.0.0.0", 0)),
    ("[::1]:514", ("::1", 514)),
    ("localhost:65535", ("localhost", 65535)),
])
def test_it_parses_host_port(value: str, address: tuple[str, int]) -> None:
    assert parse_address("--udp", value) == address


@pytest.mark.parametrize("value", ["nonsense", "127.0.0.1", "host:port", "h:65536", "::1:x",
                                   "[::1:514"])
def test_it_rejects_a_bad_address(value: str) -> None:
    with pytest.raises(CommandError, match=r"--tcp must be HOST:PORT"):
        call_command("collector", tcp=value)


def test_it_names_the_listener_that_cannot_bind(settings, tmp_path: Path) -> None:
    settings.SYSLOG_SPOOL_DIR = tmp_path
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=rf"cannot listen on tcp 127.0.0.1:{port}"):
            call_command("collector", tcp=f"127.0.0.1:{port}")


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in time {message}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """`manage.py collector` on ephemeral ports, with /metrics for polling."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.spool = tmp_path / "spool"
        full_env = {**os.environ, "SYSLOG_SPOOL_DIR": str(self.spool), "PYTHONUNBUFFERED": "1",
                    **env}
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "collector", "--udp", "127.0.0.1:0",
             "--tcp", "127.0.0.1:0", "--metrics", "127.0.0.1:0"],
            cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.ports: dict[str, int] = {}
        self.lines: list[str] = []
        deadline = time.monotonic() + 60
        while len(self.ports) < 3:
            line = self.proc.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(self.lines)
            self.lines.append(line)
            if line.startswith("listening "):
                _, name, addr = line.split()
                self.ports[name] = int(addr.rsplit(":", 1)[1])

    def counter(self, name: str) -> int:
        with socket.create_connection(("127.0.0.1", self.ports["metrics"]), timeout=5) as s:
            s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        for line in data.decode().splitlines():
            if line.startswith(f"syslogcloud_collector_{name} "):
                return int(float(line.split()[1]))
        raise AssertionError(f"no metric {name}")

    def spooled_items(self) -> list[list]:
        return [i for f in sorted(self.spool.glob("*.json")) for i in json.loads(f.read_text())]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        self.lines.append(out)
        return self.proc.returncode

    def output(self) -> str:
        return "".join(self.lines)


def send(collector: Collector, *, udp: list[bytes] = (), tcp: bytes = b"") -> socket.socket:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for data in udp:
            s.sendto(data, ("127.0.0.1", collector.ports["udp"]))
    conn = socket.create_connection(("127.0.0.1", collector.ports["tcp"]))
    conn.sendall(tcp)
    return conn  # left open: the collector must flush it on SIGTERM


def test_sigterm_with_the_broker_down_spools_everything_and_exits_0(tmp_path: Path) -> None:
    collector = Collector(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                          SYSLOG_BATCH_SECONDS="600", SYSLOG_SPOOL_RETRY_SECONDS="600")
    try:
        conn = send(collector, udp=[b"<14>popchat-auth: u1", b"<14>popchat-auth: u2"],
                    tcp=b"5 <14>x<14>popchat-dhcp: t1\n<14>popchat-dhcp: t2-unterminated")
        wait_until(lambda: collector.counter("received_total") == 4, message=collector.output())
        assert collector.spooled_items() == []  # still in the partial batch
    finally:
        assert collector.stop() == 0, collector.output()
    conn.close()
    items = collector.spooled_items()
    assert sorted(i[1] or frame_bytes(Item(*i)).decode() for i in items) == [
        "<14>x", "t1", "t2-unterminated", "u1", "u2"]
    assert {tuple(i[2:4]) for i in items} == {("127.0.0.1", "udp"), ("127.0.0.1", "tcp")}
    assert "stopped: received=5" in collector.output()


def message_args(raw: bytes) -> list:
    """The task arguments of one Celery message as Redis holds it (its body
    base64, compressed as CELERY_TASK_COMPRESSION says)."""
    message = json.loads(raw)
    assert message["headers"]["task"] == "ingest.tasks.store_batch"
    body = base64.b64decode(message["body"])
    if "compression" in message["headers"]:
        body = decompress(body, message["headers"]["compression"])
    args, _kwargs, _embed = serialization.loads(
        body, message["content-type"], message["content-encoding"],
        accept=[message["content-type"]])
    return args


def kombu_items(redis_client) -> list[list]:
    """The items of every store_batch message waiting in Redis' `celery` list."""
    items = []
    for raw in redis_client.lrange("celery", 0, -1):
        items += [list(i) for i in batch_items(message_args(raw)[0])]  # packed by the collector
    return items


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_it_publishes_to_redis_and_replays_the_spool_after_an_outage(tmp_path: Path) -> None:
    import redis

    port = free_port()

    def start_redis() -> subprocess.Popen:
        proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                                stdout=subprocess.DEVNULL)
        wait_until(lambda: _ping(port))
        return proc

    broker = start_redis()
    client = redis.Redis(port=port)
    collector = Collector(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0",
                          SYSLOG_BATCH_SECONDS="0.05", SYSLOG_SPOOL_RETRY_SECONDS="0.2")
    try:
        # Its dispatch threads connect at start, before any traffic (publisher_warm).
        wait_until(lambda: len(client.client_list()) >= 1 + 4, message=str(client.client_list()))
        send(collector, udp=[b"<14>popchat-auth: before"]).close()
        wait_until(lambda: client.llen("celery") == 1, message=collector.output())
        assert [i[:4] for i in kombu_items(client)] == [
            ["auth", "before", "127.0.0.1", "udp"]]

        broker.terminate()
        broker.wait(10)
        send(collector, udp=[b"<14>popchat-auth: during"]).close()
        wait_until(lambda: collector.spooled_items(), message=collector.output())
        assert collector.counter("spooled_batches_total") == 1

        broker = start_redis()  # a fresh, empty Redis on the same port
        client = redis.Redis(port=port)
        wait_until(lambda: not collector.spooled_items(), message=collector.output())
        assert [i[1] for i in kombu_items(client)] == ["during"]
        assert collector.counter("replayed_batches_total") == 1
    finally:
        assert collector.stop() == 0, collector.output()
        broker.terminate()
        broker.wait(10)


def _ping(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False
