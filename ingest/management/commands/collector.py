"""`manage.py collector`: the long-running syslog listener (UDP and/or TCP)."""
from __future__ import annotations

import asyncio
import signal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.collector import Address, Collector, build_collector, settings_from_django

DEFAULT_ADDRESS = ("0.0.0.0", 5514)


def parse_address(option: str, value: str) -> Address:
    """`HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces)."""
    host, sep, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not port.isdigit() or int(port) > 65535 or "[" in host or "]" in host:
        raise CommandError(f"{option} must be HOST:PORT (e.g. 0.0.0.0:5514), got {value!r}")
    return (host or "0.0.0.0", int(port))


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

    def handle(self, *args, **options) -> None:
        udp = parse_address("--udp", options["udp"]) if options["udp"] else None
        tcp = parse_address("--tcp", options["tcp"]) if options["tcp"] else None
        metrics = parse_address("--metrics", options["metrics"]) if options["metrics"] else None
        if udp is None and tcp is None:
            udp = tcp = DEFAULT_ADDRESS
        try:
            conf = settings_from_django()
            collector = build_collector(conf)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        asyncio.run(self._serve(collector, udp=udp, tcp=tcp, metrics=metrics))

    async def _serve(self, collector: Collector, *, udp: Address | None, tcp: Address | None,
                     metrics: Address | None) -> None:
        try:
            bound = await collector.start(udp=udp, tcp=tcp, metrics=metrics)
        except OSError as exc:
            await collector.stop()
            raise CommandError(f"cannot listen: {exc}") from exc
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
