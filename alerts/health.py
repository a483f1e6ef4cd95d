"""The per-gateway arrival summary: appended once per stored batch by the
ingest path, folded by every evaluation, read by the status screen, the API
and the `silent` rules.

"Last seen" is when the collector received a record (the item's receive
time), not the time written inside the record: a gateway with a wrong clock
is still alive."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction

from accounts.models import Gateway

from .models import GatewayArrival, GatewayArrivalBucket, GatewayArrivalLog

BUCKET_SECONDS = 300


class Arrival(NamedTuple):
    """One stored record as the collector saw it."""

    gateway_pk: int
    log_type: str
    received_epoch: float
    transport: str  # "udp", "tcp", "tls"; "file" for import_logs
    records: int = 1  # how many records arrived so (one socket read holds many)


def bucket_start(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch - epoch % BUCKET_SECONDS, tz=UTC)


def record_arrivals(arrivals: Iterable[Arrival]) -> None:
    """Append one batch's arrivals, one row per (gateway, log type, bucket),
    with ONE INSERT and no row locks (see GatewayArrivalLog)."""
    rows: dict[tuple[int, str, int], list] = {}  # key -> [records, last received]
    for gateway_pk, log_type, received, transport, records in arrivals:
        if transport == "file":
            continue  # an import of old files says nothing about the gateway now
        received = float(received)
        key = (gateway_pk, log_type, int(received - received % BUCKET_SECONDS))
        row = rows.get(key)
        if row is None:
            rows[key] = [records, received]
        else:
            row[0] += records
            row[1] = max(row[1], received)
    if not rows:
        return
    values = [(gw, lt, datetime.fromtimestamp(start, tz=UTC), n, datetime.fromtimestamp(at, tz=UTC))
              for (gw, lt, start), (n, at) in rows.items()]
    table = f'"{GatewayArrivalLog._meta.db_table}"'
    cols = "(gateway_id, log_type, start, records, last_seen)"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Arrays travel as five parameters, which PostgreSQL parses far
            # faster than thousands of VALUES placeholders.
            cur.execute(
                f"INSERT INTO {table} {cols} SELECT * FROM unnest(%s::bigint[], "
                "%s::varchar[], %s::timestamptz[], %s::bigint[], %s::timestamptz[])",
                [list(col) for col in zip(*values, strict=True)])
        else:
            one = "(%s, %s, %s, %s, %s)"
            cur.execute(f"INSERT INTO {table} {cols} VALUES {', '.join([one] * len(values))}",
                        [v for row in values for v in row])


def arrivals_fold() -> None:
    """Move the appended rows into the summary tables. Safe to run twice at
    once: a row is deleted (and counted) by exactly one of them."""
    log = f'"{GatewayArrivalLog._meta.db_table}"'
    seen = f'"{GatewayArrival._meta.db_table}"'
    buckets = f'"{GatewayArrivalBucket._meta.db_table}"'
    gateways = f'"{Gateway._meta.db_table}"'
    newest = (f"CASE WHEN EXCLUDED.last_seen > {seen}.last_seen "
              f"THEN EXCLUDED.last_seen ELSE {seen}.last_seen END")
    upsert_seen = (
        f"INSERT INTO {seen} (gateway_id, log_type, last_seen) "
        "SELECT gateway_id, log_type, MAX(last_seen) FROM {src} "
        f"WHERE gateway_id IN (SELECT id FROM {gateways}) GROUP BY gateway_id, log_type "
        f"ON CONFLICT (gateway_id, log_type) DO UPDATE SET last_seen = {newest}")
    upsert_buckets = (
        f"INSERT INTO {buckets} (gateway_id, start, records) "
        "SELECT gateway_id, start, SUM(records) FROM {src} "
        f"WHERE gateway_id IN (SELECT id FROM {gateways}) GROUP BY gateway_id, start "
        f"ON CONFLICT (gateway_id, start) DO UPDATE SET records = {buckets}.records + "
        "EXCLUDED.records")
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"WITH moved AS (DELETE FROM {log} RETURNING *), "
                f"s AS ({upsert_seen.format(src='moved')} RETURNING 1) "
                f"{upsert_buckets.format(src='moved')}")
        else:  # SQLite: writers are serialised, so three statements are as safe.
            cur.execute(f"SELECT MAX(id) FROM {log}")
            (last_id,) = cur.fetchone()
            if last_id is None:
                return
            src = f"(SELECT * FROM {log} WHERE id <= {int(last_id)})"
            cur.execute(upsert_seen.format(src=src))
            cur.execute(upsert_buckets.format(src=src))
            cur.execute(f"DELETE FROM {log} WHERE id <= %s", [last_id])


def buckets_prune(*, now: datetime) -> int:
    """Drop buckets older than two days (the screen shows 24 hours)."""
    deleted, _ = GatewayArrivalBucket.objects.filter(start__lt=now - timedelta(days=2)).delete()
    return deleted
