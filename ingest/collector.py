"""The syslog collector: a thin asyncio shell around synchronous parts.

The protocols only frame bytes (`ingest.framing`) and hand each message to the
`Batcher`. The batcher reads the envelope (`ingest.syslog`), builds JSON items
and dispatches full batches from a thread pool, so the event loop never waits
for the broker or the database. A batch that cannot be dispatched goes to the
`Spool` and is replayed later. Per-gateway source CIDRs are checked by
`ingest.services.store_batch`; only the global SYSLOG_ALLOWED_CIDRS is here.
The wiring to Django settings, Celery and the services is in the
`collector` management command.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from ingest.framing import DEFAULT_MAX_SIZE, Frame, TcpFramer, datagram_frame
from ingest.metrics import Counters, render_prometheus, serve_metrics
from ingest.spool import Spool
from ingest.syslog import EnvelopeError, log_type_for, parse_envelope

logger = logging.getLogger(__name__)

Dispatch = Callable[[list[list]], object]
Address = tuple[str, int]
UDP_RCVBUF = 4 * 1024 * 1024  # absorbs bursts while the loop is busy; the kernel may cap it


# --- The synchronous core ----------------------------------------------------


def raw_text(data: bytes) -> str:
    """Bytes kept verbatim for the quarantine: undecodable bytes and NUL (which
    PostgreSQL text cannot hold) become backslash escapes."""
    return data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def make_item(frame: Frame, *, peer: str, transport: str, received_at: float,
              max_size: int = DEFAULT_MAX_SIZE) -> list:
    """One message as a JSON-serialisable ITEM:
    ``[log_type or None, msg_text, peer, transport, received_epoch, error or None]``."""
    if frame.oversize:
        error = f"message larger than {max_size} bytes"
    elif frame.incomplete:
        error = "connection closed inside an octet-counted frame"
    else:
        try:
            env = parse_envelope(frame.data)
        except EnvelopeError as exc:
            error = f"bad syslog envelope: {exc.reason}"
        else:
            log_type = log_type_for(env)
            if log_type is None:
                error = f"unknown log type: app-name '{env.app_name or ''}'"
                if env.app_name == "popchat":
                    error += f" msgid '{env.msgid or ''}'"
            elif "\x00" in env.msg:
                error = "message contains a NUL byte"
            else:
                return [log_type, env.msg, peer, transport, received_at, None]
    return [None, raw_text(frame.data), peer, transport, received_at, error]


class Allowlist:
    """SYSLOG_ALLOWED_CIDRS: an empty list allows every source."""

    def __init__(self, cidrs: Iterable[str] | str = ()) -> None:
        if isinstance(cidrs, str):
            cidrs = cidrs.split(",")
        self.networks = []
        self._verdicts: dict[str, bool] = {}
        for cidr in cidrs:
            if cidr.strip():
                try:
                    self.networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
                except ValueError:
                    raise ValueError(f"SYSLOG_ALLOWED_CIDRS: {cidr.strip()!r} is not a CIDR")\
                        from None

    def allows(self, host: str) -> bool:
        if not self.networks:
            return True
        known = self._verdicts.get(host)
        if known is None:
            try:
                ip = ipaddress.ip_address(host)
            except ValueError:
                known = False
            else:
                known = any(ip in net for net in self.networks)
            if len(self._verdicts) < 65536:  # bounded: sources are few, spoofers are not
                self._verdicts[host] = known
        return known


@functools.lru_cache(maxsize=4096)
def _host_of(host: str) -> str:
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return host


def peer_host(addr: tuple | None) -> str:
    """The source IP; IPv4-mapped IPv6 (dual-stack sockets) becomes plain IPv4."""
    if not addr:
        return ""
    # Gateways are few and send often: parsing each address once saves a
    # large share of the per-datagram cost.
    return _host_of(str(addr[0]))


class Batcher:
    """Collects items and dispatches them `batch_size` at a time, or
    `batch_seconds` after the first item of a batch arrived.

    `dispatch(items)` runs in a thread pool of `workers` threads; if it raises,
    the batch is spooled and later batches go straight to the spool until a
    replay succeeds (so a dead broker costs one timeout, not one per batch).
    """

    def __init__(self, dispatch: Dispatch, *, spool: Spool | None = None,
                 counters: Counters | None = None, batch_size: int = 2000,
                 batch_seconds: float = 0.5, max_size: int = DEFAULT_MAX_SIZE,
                 workers: int = 4) -> None:
        self.dispatch = dispatch
        self.spool = spool
        self.counters = counters or Counters()
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.max_size = max_size
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch")
        self._items: list[list] = []
        self._timer: asyncio.TimerHandle | None = None
        self._inflight: set[asyncio.Future] = set()
        self._broker_ok = True

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def add(self, frame: Frame, *, peer: str, transport: str, received_at: float) -> None:
        """Queue one message (call from the event loop)."""
        item = make_item(frame, peer=peer, transport=transport, received_at=received_at,
                         max_size=self.max_size)
        self.counters.inc("received")
        if frame.oversize:
            self.counters.inc("oversize")
        elif item[5] is not None:
            self.counters.inc("envelope_errors")
        self._items.append(item)
        if len(self._items) >= self.batch_size:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.batch_seconds, self.flush)

    def flush(self) -> None:
        """Dispatch whatever is queued, off the event loop."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._items:
            return
        items, self._items = self._items, []
        self._track(self._executor.submit(self._dispatch_or_spool, items))

    async def drain(self) -> None:
        """Flush the partial batch and wait for every dispatch in flight."""
        self.flush()
        while self._inflight:
            await asyncio.gather(*list(self._inflight))

    async def replay_spool(self) -> int:
        """Replay spooled batches (oldest first) in the dispatch pool."""
        if self.spool is None:
            return 0
        fut = self._track(self._executor.submit(self._replay))
        return await fut

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _track(self, cfut) -> asyncio.Future:
        fut = asyncio.wrap_future(cfut)
        self._inflight.add(fut)
        fut.add_done_callback(self._inflight.discard)
        return fut

    def _dispatch_or_spool(self, items: list[list]) -> None:
        if self._broker_ok or self.spool is None:
            try:
                self.dispatch(items)
            except Exception as exc:
                logger.warning("dispatch of %d items failed (%s); spooling", len(items), exc)
                self._broker_ok = False
            else:
                self.counters.inc("batches")
                self.counters.inc("dispatched_items", len(items))
                return
        if self.spool is None:
            logger.error("no spool configured: %d items lost", len(items))
            return
        try:
            self.spool.write(items)
        except OSError:
            logger.exception("could not spool %d items: they are lost", len(items))
            return
        self.counters.inc("spooled_batches")

    def _replay(self) -> int:
        assert self.spool is not None

        def replay_one(items: list[list]) -> None:
            self.dispatch(items)
            self._broker_ok = True
            self.counters.inc("replayed_batches")
            self.counters.inc("dispatched_items", len(items))

        done = self.spool.replay(replay_one)
        if not self.spool.pending():
            self._broker_ok = True
        return done


# --- The asyncio shell -------------------------------------------------------


class SyslogUDP(asyncio.DatagramProtocol):
    """One datagram, one message."""

    def __init__(self, batcher: Batcher, *, allowlist: Allowlist, counters: Counters) -> None:
        self.batcher, self.allowlist, self.counters = batcher, allowlist, counters

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        peer = peer_host(addr)
        if not self.allowlist.allows(peer):
            self.counters.inc("rejected")
            return
        frame = datagram_frame(data, self.batcher.max_size)
        if frame is not None:
            self.batcher.add(frame, peer=peer, transport="udp", received_at=time.time())

    def error_received(self, exc: Exception) -> None:
        logger.warning("udp socket error: %s", exc)


class SyslogTCP(asyncio.Protocol):
    """One TCP connection: octet-counted and LF/NUL-terminated frames."""

    def __init__(self, batcher: Batcher, *, allowlist: Allowlist, counters: Counters,
                 connections: set[SyslogTCP], name: str = "tcp") -> None:
        self.batcher, self.allowlist, self.counters = batcher, allowlist, counters
        self.connections = connections
        self.name = name  # "tls" for RFC 5425 connections: same framing inside TLS
        self.transport: asyncio.Transport | None = None
        self.framer: TcpFramer | None = None
        self.peer = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.peer = peer_host(transport.get_extra_info("peername"))
        if not self.allowlist.allows(self.peer):
            self.counters.inc("rejected")
            transport.abort()
            return
        self.transport = transport  # type: ignore[assignment]
        self.framer = TcpFramer(self.batcher.max_size)
        self.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self.framer is not None:
            self._add(self.framer.feed(data))

    def eof_received(self) -> bool:
        self.finish()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.finish()
        self.connections.discard(self)

    def finish(self) -> None:
        """Hand over an unterminated last message (idempotent)."""
        if self.framer is not None:
            self._add(self.framer.flush())

    def _add(self, frames: list[Frame]) -> None:
        now = time.time()
        for frame in frames:
            self.batcher.add(frame, peer=self.peer, transport=self.name, received_at=now)


class Collector:
    """Listeners, the spool replayer and the /metrics endpoint around one Batcher."""

    def __init__(self, batcher: Batcher, *, allowlist: Allowlist | None = None,
                 spool_retry_seconds: float = 2.0) -> None:
        self.batcher = batcher
        self.counters = batcher.counters
        self.allowlist = allowlist or Allowlist()
        self.spool_retry_seconds = spool_retry_seconds
        self.connections: set[SyslogTCP] = set()
        self._udp: asyncio.DatagramTransport | None = None
        self._servers: list[asyncio.Server] = []
        self._replayer: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    async def start(self, *, udp: Address | None = None, tcp: Address | None = None,
                    metrics: Address | None = None, tls: Address | None = None,
                    tls_context: ssl.SSLContext | None = None) -> dict[str, Address]:
        """Bind the listeners; returns the bound (host, port) by name.
        Raises OSError naming the listener that could not bind."""
        bound: dict[str, Address] = {}
        self._tls_context = tls_context
        for name, addr, bind in (("udp", udp, self._bind_udp), ("tcp", tcp, self._bind_tcp),
                                 ("tls", tls, self._bind_tls),
                                 ("metrics", metrics, self._bind_metrics)):
            if addr is None:
                continue
            try:
                bound[name] = (await bind(addr))[:2]
            except OSError as exc:
                raise OSError(exc.errno, f"cannot listen on {name} {addr[0]}:{addr[1]}: "
                                         f"{exc.strerror or exc}") from exc
        if self.batcher.spool is not None:
            self._replayer = asyncio.create_task(self._replay_loop())
        return bound

    async def _bind_udp(self, addr: Address) -> tuple:
        self._udp, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: SyslogUDP(self.batcher, allowlist=self.allowlist, counters=self.counters),
            local_addr=addr)
        sock = self._udp.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
        return sock.getsockname()

    async def _bind_tcp(self, addr: Address) -> tuple:
        server = await asyncio.get_running_loop().create_server(
            lambda: SyslogTCP(self.batcher, allowlist=self.allowlist,
                              counters=self.counters, connections=self.connections),
            host=addr[0], port=addr[1], reuse_address=True)
        self._servers.append(server)
        return server.sockets[0].getsockname()

    async def _bind_tls(self, addr: Address) -> tuple:
        """RFC 5425: octet-counted syslog inside TLS (port 6514 by convention)."""
        server = await asyncio.get_running_loop().create_server(
            lambda: SyslogTCP(self.batcher, allowlist=self.allowlist, counters=self.counters,
                              connections=self.connections, name="tls"),
            host=addr[0], port=addr[1], reuse_address=True, ssl=self._tls_context)
        self._servers.append(server)
        return server.sockets[0].getsockname()

    async def _bind_metrics(self, addr: Address) -> tuple:
        server = await asyncio.start_server(
            lambda r, w: serve_metrics(r, w, self.render_metrics), addr[0], addr[1])
        self._servers.append(server)
        return server.sockets[0].getsockname()

    async def stop(self) -> None:
        """Stop accepting, hand over TCP leftovers and the partial batch, and
        wait until every batch is dispatched or spooled."""
        self._stopping.set()
        if self._udp is not None:
            self._udp.close()
        for server in self._servers:
            server.close()
        for conn in list(self.connections):
            conn.finish()
            if conn.transport is not None:
                conn.transport.close()
        if self._replayer is not None:
            await self._replayer
        await self.batcher.drain()
        for server in self._servers:
            await server.wait_closed()
        self.batcher.close()

    async def _replay_loop(self) -> None:
        """Replay the spool at start-up, then every `spool_retry_seconds`."""
        while not self._stopping.is_set():
            try:
                done = await self.batcher.replay_spool()
            except Exception:
                logger.exception("spool replay crashed")
            else:
                if done:
                    logger.warning("replayed %d spooled batches", done)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.spool_retry_seconds)
            except TimeoutError:
                pass

    def render_metrics(self) -> str:
        spool = self.batcher.spool
        return render_prometheus(self.counters, {
            "spool_files": ("Batches waiting in the spool.",
                            len(spool.pending()) if spool else 0),
            "inflight_batches": ("Dispatches running or queued.", self.batcher.inflight),
            "tcp_connections": ("Open TCP connections.", len(self.connections)),
        })
