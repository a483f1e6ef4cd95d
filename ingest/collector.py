"""The syslog collector: a thin asyncio shell around synchronous parts.

The protocols only frame bytes (`ingest.framing`) and hand each message to the
`Batcher` (`ingest.batcher`, the synchronous core), which builds items
(`ingest.items`) and dispatches full batches from a thread pool, spooling
what cannot be dispatched. Per-gateway source CIDRs are checked by
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

from ingest.batcher import Batcher, Dispatch
from ingest.framing import Frame, TcpFramer, datagram_frame
from ingest.guards import Limits, RateLimitedLog, udp_drops
from ingest.items import make_item
from ingest.metrics import Counters, render_prometheus, serve_metrics

logger = logging.getLogger(__name__)

__all__ = ["Batcher", "Dispatch", "make_item", "Allowlist", "Collector", "peer_host"]
Address = tuple[str, int]
UDP_RCVBUF = 4 * 1024 * 1024  # absorbs bursts while the loop is busy; the kernel may cap it


# --- Sources ------------------------------------------------------------------


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


class UdpDrain:
    """A UDP socket read by draining it: up to `burst` datagrams per wake-up.

    asyncio's datagram transport reads one datagram per trip through the
    event loop (a select call, a callback, a recvfrom): several µs each, which
    at tens of thousands of datagrams a second is most of the collector's UDP
    time and what lets the kernel buffer overflow (issue 9). `burst` bounds
    the time one wake-up keeps TCP connections and timers waiting."""

    def __init__(self, sock: socket.socket, protocol: SyslogUDP, burst: int = 256) -> None:
        self.sock, self.protocol, self.burst = sock, protocol, burst
        self._loop = asyncio.get_running_loop()
        sock.setblocking(False)
        self._loop.add_reader(sock.fileno(), self._read_ready)

    def _read_ready(self) -> None:
        recvfrom, received = self.sock.recvfrom, self.protocol.datagram_received
        for _ in range(self.burst):
            try:
                data, addr = recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. ICMP errors reported on the socket
                self.protocol.error_received(exc)
                return
            received(data, addr)

    def get_extra_info(self, name: str):
        return self.sock if name == "socket" else None

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self._loop.remove_reader(self.sock.fileno())
            self.sock.close()


class SyslogTCP(asyncio.Protocol):
    """One TCP connection: octet-counted and LF/NUL-terminated frames.

    Closed after `Limits.idle_seconds` without data; refused when the
    collector already holds its total or per-source number of connections;
    paused while the dispatch backlog is over its bound (back-pressure)."""

    def __init__(self, owner: Collector, *, name: str = "tcp") -> None:
        self.owner = owner
        self.batcher, self.allowlist, self.counters = owner.batcher, owner.allowlist, \
            owner.counters
        self.name = name  # "tls" for RFC 5425 connections: same framing inside TLS
        self.transport: asyncio.Transport | None = None
        self.framer: TcpFramer | None = None
        self.peer = ""
        self._last_data = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.peer = peer_host(transport.get_extra_info("peername"))
        if not self.allowlist.allows(self.peer):
            self.counters.inc("rejected")
            transport.abort()
            return
        if not self.owner.admit(self):
            self.counters.inc("refused_connections")
            transport.abort()
            return
        self.transport = transport  # type: ignore[assignment]
        self.framer = TcpFramer(self.batcher.max_size)
        self._last_data = time.monotonic()
        self._arm_idle_timer(self.owner.limits.idle_seconds)
        if self.owner.paused:
            self.transport.pause_reading()

    def data_received(self, data: bytes) -> None:
        self._last_data = time.monotonic()
        if self.framer is not None:
            self._add(self.framer.feed(data))

    def eof_received(self) -> bool:
        self.finish()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.finish()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self.owner.release(self)

    def finish(self) -> None:
        """Hand over an unterminated last message (idempotent)."""
        if self.framer is not None:
            self._add(self.framer.flush())

    def close(self) -> None:
        self.finish()
        if self.transport is not None:
            self.transport.close()

    def _arm_idle_timer(self, delay: float) -> None:
        self._idle_timer = asyncio.get_running_loop().call_later(delay, self._idle_check)

    def _idle_check(self) -> None:
        # One timer per connection, re-armed for the remaining time instead of
        # being reset on every read.
        limit = self.owner.limits.idle_seconds
        idle = time.monotonic() - self._last_data
        if idle >= limit:
            self.counters.inc("idle_closed")
            self.close()
        else:
            self._arm_idle_timer(limit - idle)

    def _add(self, frames: list[Frame]) -> None:
        if frames:
            self.batcher.add_many(frames, peer=self.peer, transport=self.name,
                                  received_at=time.time())


class Collector:
    """Listeners, the spool replayer and the /metrics endpoint around one Batcher."""

    def __init__(self, batcher: Batcher, *, allowlist: Allowlist | None = None,
                 spool_retry_seconds: float = 2.0, limits: Limits | None = None,
                 extra_gauges: Callable[[], dict[str, tuple[str, float]]] | None = None
                 ) -> None:
        self.batcher = batcher
        self.counters = batcher.counters
        self.allowlist = allowlist or Allowlist()
        self.spool_retry_seconds = spool_retry_seconds
        self.limits = limits or Limits()
        self.extra_gauges = extra_gauges  # e.g. database totals (runs in a thread)
        self.connections: set[SyslogTCP] = set()
        self._per_source: dict[str, int] = {}
        self.paused = False
        self._errors = RateLimitedLog()
        batcher.on_backlog = self._backlog_changed
        self._udp: UdpDrain | None = None
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
        asyncio.get_running_loop().set_exception_handler(self._loop_error)
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
        family, type_, proto, _, sockaddr = (await asyncio.get_running_loop().getaddrinfo(
            addr[0], addr[1], type=socket.SOCK_DGRAM))[0]
        sock = socket.socket(family, type_, proto)
        try:
            sock.bind(sockaddr)
        except OSError:
            sock.close()
            raise
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
        self._udp = UdpDrain(sock, SyslogUDP(self.batcher, allowlist=self.allowlist,
                                             counters=self.counters))
        return sock.getsockname()

    async def _bind_tcp(self, addr: Address) -> tuple:
        server = await asyncio.get_running_loop().create_server(
            lambda: SyslogTCP(self),
            host=addr[0], port=addr[1], reuse_address=True)
        self._servers.append(server)
        return server.sockets[0].getsockname()

    async def _bind_tls(self, addr: Address) -> tuple:
        """RFC 5425: octet-counted syslog inside TLS (port 6514 by convention)."""
        server = await asyncio.get_running_loop().create_server(
            lambda: SyslogTCP(self, name="tls"),
            host=addr[0], port=addr[1], reuse_address=True, ssl=self._tls_context)
        self._servers.append(server)
        return server.sockets[0].getsockname()

    async def _bind_metrics(self, addr: Address) -> tuple:
        server = await asyncio.start_server(
            lambda r, w: serve_metrics(r, w, self.render_metrics), addr[0], addr[1])
        self._servers.append(server)
        return server.sockets[0].getsockname()

    def admit(self, conn: SyslogTCP) -> bool:
        """Register a new connection unless a cap is reached."""
        if len(self.connections) >= self.limits.max_connections or \
                self._per_source.get(conn.peer, 0) >= self.limits.max_per_source:
            self._errors.log("cap", f"refusing TCP connection from {conn.peer}: "
                                    f"{len(self.connections)} open, "
                                    f"{self._per_source.get(conn.peer, 0)} from that source")
            return False
        self.connections.add(conn)
        self._per_source[conn.peer] = self._per_source.get(conn.peer, 0) + 1
        return True

    def release(self, conn: SyslogTCP) -> None:
        if conn in self.connections:
            self.connections.discard(conn)
            left = self._per_source.get(conn.peer, 1) - 1
            if left:
                self._per_source[conn.peer] = left
            else:
                self._per_source.pop(conn.peer, None)

    def _backlog_changed(self, inflight: int) -> None:
        """Back-pressure: stop reading TCP while too many batches wait for
        dispatch, resume at half that. UDP cannot be paused (the kernel drops,
        counted in udp_drops)."""
        if not self.paused and inflight >= self.limits.max_inflight:
            self.paused = True
            self.counters.inc("paused")
            for conn in self.connections:
                if conn.transport is not None:
                    conn.transport.pause_reading()
        elif self.paused and inflight <= self.limits.max_inflight // 2:
            self.paused = False
            for conn in self.connections:
                if conn.transport is not None and not conn.transport.is_closing():
                    conn.transport.resume_reading()

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """asyncio reports accept() failures (EMFILE …) here, with a traceback
        each time; one line a second with a count says the same."""
        exc = context.get("exception")
        message = context.get("message", "event loop error")
        key = f"{message}:{type(exc).__name__}"
        self._errors.log(key, f"{message}: {exc}" if exc else message)

    async def stop(self) -> None:
        """Stop accepting, keep reading open connections until their senders
        close them or SYSLOG_DRAIN_SECONDS pass, then hand over the leftovers
        and the partial batch and wait until every batch is dispatched or spooled."""
        self._stopping.set()
        self.batcher.stopping = True
        for server in self._servers:
            server.close()
        if self._udp is not None:
            self._udp.close()
        if self.paused:
            self._backlog_changed(0)
        deadline = time.monotonic() + self.limits.drain_seconds
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for conn in list(self.connections):
            conn.close()
        if self._replayer is not None:
            await self._replayer
        await self.batcher.drain()
        for server in self._servers:
            await server.wait_closed()
        self.batcher.close()

    async def _replay_loop(self) -> None:
        """Replay the spool at start-up, then every `spool_retry_seconds`
        (at once again while a spool-first batcher has a backlog)."""
        while not self._stopping.is_set():
            done = 0
            try:
                done = await self.batcher.replay_spool()
            except Exception as exc:  # e.g. EMFILE: one line a second, no traceback
                self._errors.log("replay", f"spool replay failed: {exc!r}")
            else:
                if done and not self.batcher.spool_first:
                    logger.warning("replayed %d spooled batches", done)
            if done and self.batcher.spool_first:
                continue  # a backlog: the files spooled meanwhile are next, at once
            pause = self.batcher.batch_seconds if self.batcher.spool_first \
                else self.spool_retry_seconds
            try:
                await asyncio.wait_for(self._stopping.wait(), pause)
            except TimeoutError:
                pass

    def render_metrics(self) -> str:
        spool = self.batcher.spool
        udp_sock = self._udp.get_extra_info("socket") if self._udp is not None else None
        return render_prometheus(self.counters, {
            "spool_files": ("Batches waiting in the spool.",
                            len(spool.pending()) if spool else 0),
            "spool_free_bytes": ("Disk space left for the spool.",
                                 spool.free_bytes() if spool else 0),
            "inflight_batches": ("Dispatches running or queued.", self.batcher.inflight),
            "tcp_connections": ("Open TCP connections.", len(self.connections)),
            "tcp_paused": ("1 while TCP reading is paused for back-pressure.", int(self.paused)),
            "udp_drops": ("Datagrams the kernel dropped on the UDP socket (buffer full).",
                          udp_drops(udp_sock) if udp_sock is not None else 0),
            **(self.extra_gauges() if self.extra_gauges is not None else {}),
        })
