"""The per-gateway arrival summary: written once per stored batch by the
ingest path, read by the status screen, the API and the `silent` rules.

"Last seen" is when the collector received a record (the item's receive
time), not the time written inside the record: a gateway with a wrong clock
is still alive."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db import connection

from .models import GatewayArrival, GatewayArrivalBucket

BUCKET_SECONDS = 300


class Arrival(NamedTuple):
    """One stored record as the collector saw it."""

    gateway_pk: int
    log_type: str
    received_epoch: float
    transport: str  # "udp", "tcp", "tls"; "file" for import_logs


def bucket_start(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch - epoch % BUCKET_SECONDS, tz=UTC)


def record_arrivals(arrivals: Iterable[Arrival]) -> None:
    """Fold one batch's arrivals into the summary with ONE statement on
    PostgreSQL (two upserts chained in a data-modifying CTE). Rows are sorted
    so concurrent workers lock them in the same order and cannot deadlock."""
    last: dict[tuple[int, str], float] = {}
    counts: dict[tuple[int, datetime], int] = {}
    for gateway_pk, log_type, received, transport in arrivals:
        if transport == "file":
            continue  # an import of old files says nothing about the gateway now
        key = (gateway_pk, log_type)
        received = float(received)
        if received > last.get(key, 0.0):
            last[key] = received
        bucket = (gateway_pk, bucket_start(received))
        counts[bucket] = counts.get(bucket, 0) + 1
    if not last:
        return
    seen_rows = [(gw, lt, datetime.fromtimestamp(at, tz=UTC))
                 for (gw, lt), at in sorted(last.items())]
    bucket_rows = [(gw, start, n) for (gw, start), n in sorted(counts.items())]
    seen_sql = _values_sql(len(seen_rows), 3)
    bucket_sql = _values_sql(len(bucket_rows), 3)
    arrival, buckets = GatewayArrival._meta.db_table, GatewayArrivalBucket._meta.db_table
    upsert_seen = (
        f'INSERT INTO "{arrival}" (gateway_id, log_type, last_seen) VALUES {seen_sql} '
        f"ON CONFLICT (gateway_id, log_type) DO UPDATE SET last_seen = "
        f'CASE WHEN EXCLUDED.last_seen > "{arrival}".last_seen '
        f'THEN EXCLUDED.last_seen ELSE "{arrival}".last_seen END'
    )
    upsert_buckets = (
        f'INSERT INTO "{buckets}" (gateway_id, start, records) VALUES {bucket_sql} '
        f"ON CONFLICT (gateway_id, start) DO UPDATE SET "
        f'records = "{buckets}".records + EXCLUDED.records'
    )
    seen_params = [v for row in seen_rows for v in row]
    bucket_params = [v for row in bucket_rows for v in row]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"WITH seen AS ({upsert_seen} RETURNING 1) {upsert_buckets}",
                        seen_params + bucket_params)
        else:  # SQLite (make run) has no data-modifying CTEs: two statements.
            cur.execute(upsert_seen, seen_params)
            cur.execute(upsert_buckets, bucket_params)


def _values_sql(rows: int, cols: int) -> str:
    one = "(" + ", ".join(["%s"] * cols) + ")"
    return ", ".join([one] * rows)


def buckets_prune(*, now: datetime) -> int:
    """Drop buckets older than two days (the screen shows 24 hours)."""
    deleted, _ = GatewayArrivalBucket.objects.filter(start__lt=now - timedelta(days=2)).delete()
    return deleted
