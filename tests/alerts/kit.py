"""Small helpers of the alert tests: arrivals at given times, control records."""
from __future__ import annotations

from datetime import datetime

from alerts.health import Arrival, record_arrivals
from audit.search import JST


def arrive(gateway, at: datetime, log_type: str = "session", n: int = 1) -> None:
    """`n` records of `log_type` from `gateway` received by the collector at `at`."""
    record_arrivals([Arrival(gateway.pk, log_type, at.timestamp(), "udp")] * n)


def control_records(gateway, at: datetime, n: int, kind: str = "1") -> None:
    """`n` control records (kind `kind`) stored through the ingest path."""
    from ingest.services import store_batch

    stamp = at.astimezone(JST).strftime("%Y/%m/%d %H:%M:%S")
    items = [["control", f"{stamp},{kind},AA:BB:CC:DD:EE:{i:02X},10.0.0.{i % 250 + 1},"
              f"x,{gateway.gateway_id}", "127.0.0.1", "udp", at.timestamp(), None]
             for i in range(n)]
    store_batch(items=items)
