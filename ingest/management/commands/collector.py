"""`manage.py collector`: the long-running syslog listener (UDP and/or TCP).

This module wires `ingest.collector` to Django: the SYSLOG_* settings, and the
dispatch of batches to Celery (or straight to the service in embedded mode).
"""
from __future__ import annotations

import asyncio
import functools
import signal
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from ingest.collector import Address, Allowlist, Batcher, Collector, Dispatch
from ingest.framing import DEFAULT_MAX_SIZE
from ingest.guards import Limits, raise_nofile_limit
from ingest.spool import Spool
from ingest.wal import Checkpointer, store_connections_tune
from syslogcloud.heap import settle_heap

DEFAULT_ADDRESS = ("0.0.0.0", 5514)


@dataclass(frozen=True)
class CollectorSettings:
    """The SYSLOG_* settings (and whether tasks run in-process)."""

    max_size: int = DEFAULT_MAX_SIZE
    batch_size: int = 2000
    batch_seconds: float = 0.5
    allowed_cidrs: tuple[str, ...] = ()
    spool_dir: Path = Path("var/spool")
    spool_retry_seconds: float = 2.0
    eager: bool = False
    limits: Limits = Limits()
    max_queue_length: int = 0


def settings_from_django() -> CollectorSettings:
    cidrs = settings.SYSLOG_ALLOWED_CIDRS or []
    if isinstance(cidrs, str):
        cidrs = cidrs.split(",")
    return CollectorSettings(
        max_size=int(settings.SYSLOG_MAX_MESSAGE_BYTES),
        batch_size=int(settings.SYSLOG_BATCH_SIZE),
        batch_seconds=float(settings.SYSLOG_BATCH_SECONDS),
        allowed_cidrs=tuple(cidrs),
        spool_dir=Path(settings.SYSLOG_SPOOL_DIR),
        spool_retry_seconds=float(settings.SYSLOG_SPOOL_RETRY_SECONDS),
        eager=bool(settings.CELERY_TASK_ALWAYS_EAGER),
        max_queue_length=int(settings.SYSLOG_MAX_QUEUE_LENGTH),
        limits=Limits(
            idle_seconds=float(settings.SYSLOG_TCP_IDLE_SECONDS),
            max_connections=int(settings.SYSLOG_MAX_CONNECTIONS),
            max_per_source=int(settings.SYSLOG_MAX_CONNECTIONS_PER_SOURCE),
            drain_seconds=float(settings.SYSLOG_DRAIN_SECONDS),
        ),
    )


_publisher = threading.local()


class QueueFull(RuntimeError):
    """The broker's queue is past SYSLOG_MAX_QUEUE_LENGTH: spool instead."""


class QueueGauge:
    """The length of Celery's Redis queue, read at most once a second: past
    the limit, batches spill to the disk spool (replayed when it drains)
    rather than grow Redis' memory without bound."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._checked = 0.0
        self._full = False
        self._lock = threading.Lock()

    def check(self, conn) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            now = time.monotonic()
            if now - self._checked >= 1.0:
                self._checked = now
                client = conn.default_channel.client
                self._full = client.llen("celery") >= self.limit
        if self._full:
            raise QueueFull(f"the broker queue holds {self.limit}+ batches")


_queue_gauge = QueueGauge(0)


@functools.cache
def _origin() -> str:
    """The message's `origin` header, once per process instead of per publish."""
    from celery.utils.nodenames import anon_nodename

    return anon_nodename()


def dispatch_to_celery(items: list[list]) -> None:
    """Publish one batch, failing at once when the broker is down.

    The batch travels packed (`ingest.payload`): one compact payload, not one
    list per message, in the task's own serializer (the text as bytes, not in
    JSON). Spooled batches are lists; they are packed here when replayed.

    `retry=False` stops retries of the publish and `max_retries: 0` those of
    the connect; both only on this thread's own connection, so the web app's
    and workers' publishing keeps the configured retry behaviour.
    """
    from ingest.payload import pack_batch
    from ingest.tasks import store_batch

    payload = pack_batch(items)
    conn = _publisher_connection()
    try:
        _queue_gauge.check(conn)
    except QueueFull:
        raise
    except Exception:
        pass  # not Redis, or it cannot tell: the publish below decides
    try:
        # argsrepr: Celery would otherwise walk the whole batch to build a
        # printable copy of it for the message headers (~1 µs per message).
        store_batch.apply_async(args=(payload,), connection=conn, retry=False,
                                argsrepr=f"(<batch of {len(items)} items>,)",
                                origin=_origin())
    except Exception:
        _publisher.connection = None  # reconnect next time
        try:
            conn.release()
        except Exception:
            pass
        raise


def _publisher_connection():
    """This dispatch thread's broker connection (kombu connections are not
    shared between threads); opened on first use."""
    from ingest.tasks import store_batch

    conn = getattr(_publisher, "connection", None)
    if conn is None:
        app = store_batch.app
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
        conn = _publisher.connection = app.connection_for_write(transport_options=options)
    return conn


def publisher_warm() -> None:
    """Open this dispatch thread's broker connection before the first batch.
    Done lazily, the first publish took 0.3–0.4 s while the event loop read
    at full rate: each blocking call of the connect and of the imports it
    brings hands the GIL back and waits up to a switch interval to get it
    again, and no worker had work until then (bench/ingest.py, issue 9). A
    broker that is down is left to the first dispatch, which spools."""
    from kombu.common import maybe_declare

    from ingest.tasks import store_batch

    app = store_batch.app
    conn = _publisher_connection()
    conn.ensure_connection(max_retries=0)
    _origin()
    # What a first publish would do once more: declare the queue (cached per
    # connection) and load the result backend (per thread, by scanning every
    # installed package's entry points), 12 ms alone and far more when shared.
    maybe_declare(app.amqp.queues[app.conf.task_default_queue], conn.default_channel)
    app.backend  # noqa: B018
    _queue_gauge.check(conn)  # last: a full queue (QueueFull) ends the warm-up here


def store_in_process(items: list[list]) -> None:
    """Embedded mode (no Redis): store directly, from the single dispatch thread."""
    from ingest.services import store_batch

    try:
        store_batch(items=items)
    except BaseException:
        # The next batch starts on a fresh connection. A good batch keeps it:
        # at full rate, opening SQLite and running its init_command pragmas
        # for every batch is a cost of its own.
        connections.close_all()
        raise


def database_gauges() -> dict[str, tuple[str, float]]:
    """Totals only the database knows, for /metrics (called in a thread)."""
    from django.db import DatabaseError, connection

    from ingest.models import IngestCounter

    try:
        new = IngestCounter.objects.filter(name="new_gateways").values_list("value", flat=True)
        return {"new_gateways": ("Unassigned gateways created on first sight of their ID.",
                                 next(iter(new), 0))}
    except DatabaseError:
        return {}
    finally:
        connection.close()


def build_collector(conf: CollectorSettings, *, dispatch: Dispatch | None = None) -> Collector:
    """A Collector for these settings; `dispatch` overrides the Celery/in-process choice."""
    if dispatch is None:
        dispatch = store_in_process if conf.eager else dispatch_to_celery
    _queue_gauge.limit = conf.max_queue_length
    # Embedded mode: each batch goes to the disk spool first and one replay
    # thread stores them (SQLite writes never contend), so a backlog waits on
    # disk, not in memory.
    workers = 1 if conf.eager else 4
    batcher = Batcher(dispatch, spool=Spool(conf.spool_dir), batch_size=conf.batch_size,
                      batch_seconds=conf.batch_seconds, max_size=conf.max_size, workers=workers,
                      spool_first=conf.eager)
    if dispatch is dispatch_to_celery:
        batcher.warm(publisher_warm)
    return Collector(batcher, allowlist=Allowlist(conf.allowed_cidrs),
                     spool_retry_seconds=conf.spool_retry_seconds, limits=conf.limits,
                     extra_gauges=database_gauges)


def parse_address(option: str, value: str) -> Address:
    """`HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces)."""
    host, sep, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not port.isdigit() or int(port) > 65535 or "[" in host or "]" in host:
        raise CommandError(f"{option} must be HOST:PORT (e.g. 0.0.0.0:5514), got {value!r}")
    return (host or "0.0.0.0", int(port))


def tls_context_load(cert: str, key: str) -> ssl.SSLContext:
    """A server context for RFC 5425 (TLS 1.2 or later), or a CommandError."""
    if not cert:
        raise CommandError("--tls needs a certificate: --tls-cert PEM or SYSLOG_TLS_CERT")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key or None)
    except (OSError, ssl.SSLError) as exc:
        raise CommandError(f"cannot load the TLS certificate {cert}: {exc}") from exc
    return context


def format_address(addr: Address) -> str:
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Command(BaseCommand):
    help = "Receive syslog from gateways and queue it for storing (runs until SIGTERM/SIGINT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--udp", metavar="HOST:PORT", help="listen for UDP syslog")
        parser.add_argument("--tcp", metavar="HOST:PORT",
                            help="listen for TCP syslog (octet-counted or LF/NUL-terminated)")
        parser.add_argument("--metrics", metavar="HOST:PORT",
                            help="serve Prometheus counters at GET /metrics")
        parser.add_argument("--tls", metavar="HOST:PORT",
                            help="listen for syslog over TLS (RFC 5425); needs --tls-cert")
        parser.add_argument("--tls-cert", metavar="PEM",
                            help="certificate chain (PEM); default SYSLOG_TLS_CERT")
        parser.add_argument("--tls-key", metavar="PEM",
                            help="private key (PEM) if not in the certificate file; "
                                 "default SYSLOG_TLS_KEY")

    def handle(self, *args, **options) -> None:
        udp = parse_address("--udp", options["udp"]) if options["udp"] else None
        tcp = parse_address("--tcp", options["tcp"]) if options["tcp"] else None
        metrics = parse_address("--metrics", options["metrics"]) if options["metrics"] else None
        tls = parse_address("--tls", options["tls"]) if options["tls"] else None
        tls_context = tls_context_load(
            options["tls_cert"] or settings.SYSLOG_TLS_CERT,
            options["tls_key"] or settings.SYSLOG_TLS_KEY,
        ) if tls else None
        if udp is None and tcp is None and tls is None:
            udp = tcp = DEFAULT_ADDRESS
        raise_nofile_limit()
        try:
            conf = settings_from_django()
            collector = build_collector(conf)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        settle_heap()  # the same GC settings as the workers (syslogcloud.heap)
        checkpointer = Checkpointer() if conf.eager and store_connections_tune() else None
        if checkpointer is not None:
            checkpointer.start()
        try:
            asyncio.run(self._serve(collector, udp=udp, tcp=tcp, metrics=metrics, tls=tls,
                                    tls_context=tls_context))
        finally:
            if checkpointer is not None:
                checkpointer.stop()

    async def _serve(self, collector: Collector, *, udp: Address | None, tcp: Address | None,
                     metrics: Address | None, tls: Address | None = None,
                     tls_context: ssl.SSLContext | None = None) -> None:
        try:
            bound = await collector.start(udp=udp, tcp=tcp, metrics=metrics, tls=tls,
                                          tls_context=tls_context)
        except OSError as exc:
            await collector.stop()
            raise CommandError(exc.strerror or str(exc)) from exc
        for name, addr in bound.items():
            self.stdout.write(f"listening {name} {format_address(addr)}")
        self.stdout.flush()

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        self.stdout.write("stopping: flushing batches")
        self.stdout.flush()
        await collector.stop()
        counts = collector.counters.snapshot()
        self.stdout.write("stopped: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
