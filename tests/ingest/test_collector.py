"""The collector in-process: real syslog clients against real sockets, with the
dispatch replaced by an in-memory sink (no database, no broker)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import logging.handlers
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from ingest.collector import Address, Allowlist, Batcher, Collector, make_item, peer_host
from ingest.framing import Frame
from ingest.items import Item, frame_bytes

needs_logger = pytest.mark.skipif(shutil.which("logger") is None, reason="util-linux logger")
RECORD = "GW001,2023/11/22 01:30:00,42"


class Sink:
    """Stands in for the broker: keeps each batch after a JSON round trip."""

    def __init__(self) -> None:
        self.batches: list[list[list]] = []
        self.calls = 0
        self.failing = False
        self.gate: threading.Event | None = None  # when set, dispatch waits for it

    def __call__(self, items: list[list]) -> None:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(10)
        if self.failing:
            raise ConnectionError("broker down")
        self.batches.append(json.loads(json.dumps(items)))

    @property
    def items(self) -> list[list]:
        """Each item's first six fields: type, MSG (the frame for a bad one), peer,
        transport, arrival, error."""
        return [[*i[:1], text_of(Item(*i)), *i[2:6]] for batch in self.batches for i in batch]

    @property
    def frames(self) -> list[bytes]:
        return [frame_bytes(Item(*i)) for batch in self.batches for i in batch]


def text_of(item: Item) -> str:
    return item.msg if item.error is None else frame_bytes(item).decode("latin-1")


@dataclass
class Running:
    collector: Collector
    sink: Sink
    udp: Address
    tcp: Address
    metrics: Address | None


@contextlib.asynccontextmanager
async def serving(sink: Sink | None = None, *, cidrs: tuple[str, ...] = (),
                  metrics: bool = False, **batcher_options) -> AsyncIterator[Running]:
    sink = sink or Sink()
    batcher_options.setdefault("batch_seconds", 0.05)
    batcher = Batcher(sink, **batcher_options)
    collector = Collector(batcher, allowlist=Allowlist(cidrs), spool_retry_seconds=0.05)
    bound = await collector.start(udp=("127.0.0.1", 0), tcp=("127.0.0.1", 0),
                                  metrics=("127.0.0.1", 0) if metrics else None)
    try:
        yield Running(collector, sink, bound["udp"], bound["tcp"], bound.get("metrics"))
    finally:
        await collector.stop()


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def run_logger(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec("logger", *args)
    assert await asyncio.wait_for(proc.wait(), 10) == 0


def send_udp(addr: Address, *datagrams: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for data in datagrams:
            sock.sendto(data, addr)


def send_tcp(addr: Address, data: bytes) -> None:
    with socket.create_connection(addr, timeout=5) as sock:
        sock.sendall(data)


def log_with_handler(handler: logging.Handler, *messages: str) -> None:
    handler.setFormatter(logging.Formatter("popchat-auth: %(message)s"))
    log = logging.getLogger(f"test_collector.{id(handler)}")
    log.propagate = False
    log.addHandler(handler)
    try:
        for message in messages:
            log.warning(message)
    finally:
        log.removeHandler(handler)
        handler.close()


def good(log_type: str, msg: str, transport: str) -> list:
    return [log_type, msg, "127.0.0.1", transport, pytest.approx(time.time(), abs=30), None]


# --- real clients ---------------------------------------------------------------


@needs_logger
def test_it_collects_logger_udp_rfc5424() -> None:
    async def scenario() -> None:
        async with serving() as run:
            await run_logger("--server", "127.0.0.1", "--port", str(run.udp[1]), "--udp",
                             "--rfc5424", "-t", "popchat-auth", RECORD)
            await wait_until(lambda: run.sink.items)
            assert run.sink.items == [good("auth", RECORD, "udp")]

    asyncio.run(scenario())


@needs_logger
@pytest.mark.parametrize("framing", [["--rfc5424", "--octet-count"], ["--rfc3164"],
                                     ["--rfc3164", "--octet-count"], ["--rfc5424"]])
def test_it_collects_logger_tcp(framing: list[str]) -> None:
    async def scenario() -> None:
        async with serving() as run:
            for log_type in ("dhcp", "traffic"):
                await run_logger("--server", "127.0.0.1", "--port", str(run.tcp[1]), "--tcp",
                                 *framing, "-t", f"popchat-{log_type}", RECORD)
            await wait_until(lambda: len(run.sink.items) == 2)
            assert run.sink.items == [good("dhcp", RECORD, "tcp"), good("traffic", RECORD, "tcp")]

    asyncio.run(scenario())


def test_it_collects_python_syslog_handler_over_udp_and_tcp() -> None:
    async def scenario() -> None:
        async with serving() as run:
            udp = logging.handlers.SysLogHandler(run.udp)
            await asyncio.to_thread(log_with_handler, udp, "u1", "u2")
            tcp = logging.handlers.SysLogHandler(run.tcp, socktype=socket.SOCK_STREAM)
            await asyncio.to_thread(log_with_handler, tcp, "t1", "t2")
            await wait_until(lambda: len(run.sink.items) == 4)
            assert sorted(run.sink.items, key=lambda i: i[1]) == [
                good("auth", "t1", "tcp"), good("auth", "t2", "tcp"),
                good("auth", "u1", "udp"), good("auth", "u2", "udp")]

    asyncio.run(scenario())


# --- raw sockets: bad input is kept, never dropped ----------------------------------


def test_it_quarantines_oversize_messages_and_keeps_the_stream_in_sync() -> None:
    big = b"<14>popchat-auth: " + b"x" * 200

    async def scenario() -> None:
        async with serving(max_size=100) as run:
            wire = (b"%d " % len(big) + big + b"<14>popchat-dhcp: a\n"
                    + big + b"\n" + b"22 <14>popchat-session: b")
            await asyncio.to_thread(send_tcp, run.tcp, wire)
            await asyncio.to_thread(send_udp, run.udp, big)
            await wait_until(lambda: len(run.sink.items) == 5)
            reason = "message larger than 100 bytes"
            cut = big.decode()  # kept whole for the quarantine (up to 1 MiB)
            by_text = sorted(run.sink.items, key=lambda i: (i[3], i[1]))
            assert [(i[0], i[1], i[3], i[5]) for i in by_text] == [
                (None, cut, "tcp", reason), (None, cut, "tcp", reason),
                ("dhcp", "a", "tcp", None), ("session", "b", "tcp", None),
                (None, cut, "udp", reason)]
            assert run.collector.counters["oversize"] == 3

    asyncio.run(scenario())


def test_it_quarantines_bad_envelopes_verbatim_with_a_reason() -> None:
    async def scenario() -> None:
        async with serving() as run:
            await asyncio.to_thread(
                send_udp, run.udp,
                b"GW001,no header",
                b"<13>1 - h sshd - - - hello",
                b"<13>1 - h popchat - x - hello",
                b"<14>popchat-auth: caf\xe9",
                b"<14>popchat-auth: a\x00b")
            await wait_until(lambda: len(run.sink.items) == 5)
            assert [(i[0], i[1], i[5]) for i in run.sink.items] == [
                (None, "GW001,no header",
                 "bad syslog envelope: no syslog <PRI> header at the start of the message"),
                (None, "<13>1 - h sshd - - - hello", "unknown log type: app-name 'sshd'"),
                (None, "<13>1 - h popchat - x - hello",
                 "unknown log type: app-name 'popchat' msgid 'x'"),
                (None, "<14>popchat-auth: caf\xe9",
                 "bad syslog envelope: message is not valid UTF-8 (at byte 21)"),
                (None, "<14>popchat-auth: a\x00b", "message contains a NUL byte")]
            assert run.sink.frames[3:] == [b"<14>popchat-auth: caf\xe9",
                                           b"<14>popchat-auth: a\x00b"]
            assert run.collector.counters["envelope_errors"] == 5

    asyncio.run(scenario())


def test_it_rejects_peers_outside_the_allowed_cidrs() -> None:
    async def scenario() -> None:
        async with serving(cidrs=("10.0.0.0/8",)) as run:
            await asyncio.to_thread(send_udp, run.udp, b"<14>popchat-auth: a")
            with socket.create_connection(run.tcp, timeout=5) as sock:
                sock.settimeout(5)
                with contextlib.suppress(ConnectionError):
                    assert await asyncio.to_thread(sock.recv, 10) == b""  # closed on us
            await wait_until(lambda: run.collector.counters["rejected"] == 2)
            assert run.collector.counters["received"] == 0
        assert run.sink.items == []

    asyncio.run(scenario())


# --- batching ------------------------------------------------------------------


def test_it_dispatches_full_batches_at_once_and_the_rest_after_batch_seconds() -> None:
    async def scenario() -> None:
        async with serving(batch_size=3, batch_seconds=1.0) as run:
            lines = b"".join(b"<14>popchat-auth: %d\n" % i for i in range(7))
            await asyncio.to_thread(send_tcp, run.tcp, lines)
            await wait_until(lambda: len(run.sink.batches) == 2, timeout=0.8)
            assert len(run.sink.batches) == 2
            await wait_until(lambda: len(run.sink.batches) == 3)
            assert [[i[1] for i in b] for b in run.sink.batches] == [
                ["0", "1", "2"], ["3", "4", "5"], ["6"]]
            assert run.collector.counters["batches"] == 3
            assert run.collector.counters["dispatched_items"] == 7

    asyncio.run(scenario())


def test_a_udp_burst_is_drained_in_order_and_tcp_is_served_meanwhile() -> None:
    """The UDP socket is drained up to a bound per wake-up (UdpDrain): a burst
    of several bounds arrives whole and in order, and a TCP message sent
    during it is not starved."""
    burst = 2000  # well within the socket buffer, several drains

    async def scenario() -> None:
        async with serving(batch_size=10_000) as run:
            await asyncio.gather(
                asyncio.to_thread(send_udp, run.udp, *[b"<14>popchat-auth: u%d" % i
                                                        for i in range(burst)]),
                asyncio.to_thread(send_tcp, run.tcp, b"<14>popchat-auth: t\n"))
            await wait_until(lambda: run.collector.counters["received"] == burst + 1)
            await run.collector.batcher.drain()
            udp = [i[1] for i in run.sink.items if i[3] == "udp"]
            assert udp == [f"u{i}" for i in range(burst)]
            assert [i[1] for i in run.sink.items if i[3] == "tcp"] == ["t"]

    asyncio.run(scenario())


def test_it_listens_for_udp_on_ipv6() -> None:
    async def scenario() -> None:
        batcher = Batcher(Sink(), batch_seconds=0.05)
        collector = Collector(batcher)
        try:
            bound = await collector.start(udp=("::1", 0))
        except OSError:
            pytest.skip("no IPv6 loopback here")
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
                sock.sendto(b"<14>popchat-auth: six", bound["udp"])
            await wait_until(lambda: collector.counters["received"] == 1)
        finally:
            await collector.stop()
        assert [i[1] for i in batcher.dispatch.items] == ["six"]
        assert batcher.dispatch.items[0][2] == "::1"

    asyncio.run(scenario())


def test_it_keeps_receiving_while_a_dispatch_blocks() -> None:
    sink = Sink()
    sink.gate = threading.Event()

    async def scenario() -> None:
        async with serving(sink, batch_size=1, workers=1) as run:
            await asyncio.to_thread(send_udp, run.udp, *[b"<14>popchat-auth: %d" % i
                                                          for i in range(5)])
            await wait_until(lambda: run.collector.counters["received"] == 5)
            assert run.sink.batches == []  # all five arrived while the first dispatch hung
            sink.gate.set()
            await wait_until(lambda: len(run.sink.batches) == 5)

    asyncio.run(scenario())


def test_it_hands_over_everything_accepted_when_stopped() -> None:
    async def scenario() -> None:
        async with serving(batch_seconds=60) as run:
            await asyncio.to_thread(send_udp, run.udp, b"<14>popchat-auth: u")
            sock = socket.create_connection(run.tcp)
            sock.sendall(b"<14>popchat-auth: complete\n<14>popchat-auth: unterminated")
            await wait_until(lambda: run.collector.counters["received"] == 2)
            await asyncio.sleep(0.05)
        sock.close()
        assert sorted(i[1] for i in run.sink.items) == ["complete", "u", "unterminated"]

    asyncio.run(scenario())


# --- /metrics -------------------------------------------------------------------


def http_get(addr: Address, path: str) -> bytes:
    with socket.create_connection(addr, timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_it_serves_prometheus_counters() -> None:
    async def scenario() -> None:
        async with serving(metrics=True) as run:
            await asyncio.to_thread(send_udp, run.udp, b"<14>popchat-auth: a", b"junk")
            await wait_until(lambda: len(run.sink.items) == 2)
            assert run.metrics is not None
            response = await asyncio.to_thread(http_get, run.metrics, "/metrics")
            head, body = response.split(b"\r\n\r\n", 1)
            assert head.startswith(b"HTTP/1.0 200")
            assert b"text/plain; version=0.0.4" in head
            text = body.decode()
            assert "# TYPE syslogcloud_collector_received_total counter" in text
            assert "syslogcloud_collector_received_total 2\n" in text
            assert "syslogcloud_collector_envelope_errors_total 1\n" in text
            assert "syslogcloud_collector_dispatched_items_total 2\n" in text
            assert "syslogcloud_collector_tcp_connections 0\n" in text
            missing = await asyncio.to_thread(http_get, run.metrics, "/")
            assert missing.startswith(b"HTTP/1.0 404")

    asyncio.run(scenario())


# --- the synchronous core -------------------------------------------------------


def test_make_item_is_json_ready() -> None:
    item = make_item(Frame(b"<14>popchat-mail: \xef\xbb\xbfa,b"), peer="192.0.2.1",
                     transport="udp", received_at=1.5)
    back = Item(*json.loads(json.dumps(item)))
    assert back[:6] == ("mail", "a,b", "192.0.2.1", "udp", 1.5, None)
    assert frame_bytes(back) == b"<14>popchat-mail: \xef\xbb\xbfa,b"


@pytest.mark.parametrize(("frame", "reason"), [
    (Frame(b"<14>popchat-auth: x", oversize=True), "message larger than 64 bytes"),
    (Frame(b"<14>popchat-auth: x", incomplete=True),
     "connection closed inside an octet-counted frame"),
    (Frame(b"<14>: x"), "unknown log type: app-name ''"),
])
def test_make_item_quarantines_with_a_reason(frame: Frame, reason: str) -> None:
    item = make_item(frame, peer="p", transport="tcp", received_at=0.0, max_size=64)
    assert item[:6] == (None, "", "p", "tcp", 0.0, reason)
    assert frame_bytes(item) == frame.data


def test_make_item_escapes_a_nul_in_the_app_name_of_its_reason() -> None:
    item = make_item(Frame(b"<14>1 - h pop\x00chat - - - x"), peer="p", transport="udp",
                     received_at=0.0)
    assert item.error == "unknown log type: app-name 'pop\\x00chat'"


def test_allowlist() -> None:
    allow = Allowlist("10.0.0.0/8, 2001:db8::/32")
    assert allow.allows("10.1.2.3") and allow.allows("2001:db8::1")
    assert not allow.allows("192.0.2.1") and not allow.allows("not-an-ip")
    assert Allowlist([]).allows("192.0.2.1")
    with pytest.raises(ValueError, match="'10.0.0.300/8' is not a CIDR"):
        Allowlist(["10.0.0.300/8"])


def test_peer_host_unmaps_ipv4_in_ipv6() -> None:
    assert peer_host(("::ffff:192.0.2.7", 514, 0, 0)) == "192.0.2.7"
    assert peer_host(("2001:db8::1", 514, 0, 0)) == "2001:db8::1"
    assert peer_host(None) == ""
