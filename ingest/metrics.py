"""The collector's in-process counters, served as Prometheus text at GET /metrics."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

PREFIX = "syslogcloud_collector_"

COUNTERS: dict[str, str] = {
    "received": "Messages accepted from allowed peers (including bad ones).",
    "rejected": "UDP messages and TCP connections refused by SYSLOG_ALLOWED_CIDRS.",
    "oversize": "Messages cut at SYSLOG_MAX_MESSAGE_BYTES and quarantined.",
    "envelope_errors": "Messages without a readable syslog envelope or a known log type.",
    "batches": "Batches handed to the broker (or stored in embedded mode).",
    "dispatched_items": "Messages in those batches.",
    "spooled_batches": "Batches written to the spool because dispatch failed.",
    "replayed_batches": "Spooled batches dispatched later and removed from the spool.",
    "refused_connections": "TCP connections refused: SYSLOG_MAX_CONNECTIONS(_PER_SOURCE) reached.",
    "idle_closed": "TCP connections closed after SYSLOG_TCP_IDLE_SECONDS without data.",
    "paused": "Times TCP reading was paused because dispatch fell behind.",
    "lost_items": "Messages lost: neither dispatched nor spooled (spool full or unwritable).",
}


class Counters:
    """Thread-safe counters: dispatch threads and the event loop both count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict.fromkeys(COUNTERS, 0)

    def inc(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._values[name] += n

    def __getitem__(self, name: str) -> int:
        return self._values[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._values)


def render_prometheus(counters: Counters, gauges: dict[str, tuple[str, float]] | None = None
                      ) -> str:
    """Text exposition format 0.0.4: counters get `_total`, gauges are as given."""
    lines: list[str] = []
    for name, value in counters.snapshot().items():
        metric = f"{PREFIX}{name}_total"
        lines += [f"# HELP {metric} {COUNTERS[name]}", f"# TYPE {metric} counter",
                  f"{metric} {value}"]
    for name, (help_text, value) in (gauges or {}).items():
        metric = f"{PREFIX}{name}"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge", f"{metric} {value:g}"]
    return "\n".join(lines) + "\n"




async def serve_metrics(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        render: Callable[[], str]) -> None:
    """A minimal HTTP/1.0 responder: `GET /metrics` answers `render()`, anything else 404."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        parts = head.split(b"\r\n", 1)[0].split()
        if len(parts) >= 2 and parts[0] in (b"GET", b"HEAD") and \
                parts[1].split(b"?")[0] == b"/metrics":
            # In a thread: rendering may read the database or the disk.
            status, body = "200 OK", (await asyncio.to_thread(render)).encode()
            ctype = "text/plain; version=0.0.4; charset=utf-8"
        else:
            status, body, ctype = "404 Not Found", b"not found\n", "text/plain"
        writer.write(f"HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                     + (b"" if parts[:1] == [b"HEAD"] else body))
        await writer.drain()
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ConnectionError):
        pass
    finally:
        writer.close()
