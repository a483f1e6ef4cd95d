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
    counts: dict[tuple[int, int], int] = {}  # (gateway, bucket start epoch) -> records
    for gateway_pk, log_type, received, transport in arrivals:
        if transport == "file":
            continue  # an import of old files says nothing about the gateway now
        key = (gateway_pk, log_type)
        received = float(received)
        if received > last.get(key, 0.0):
            last[key] = received
        bucket = (gateway_pk, int(received - received % BUCKET_SECONDS))
        counts[bucket] = counts.get(bucket, 0) + 1
    if not last:
        return
    seen_rows = [(gw, lt, datetime.fromtimestamp(at, tz=UTC))
                 for (gw, lt), at in sorted(last.items())]
    bucket_rows = [(gw, datetime.fromtimestamp(start, tz=UTC), n)
                   for (gw, start), n in sorted(counts.items())]
    if connection.vendor == "postgresql":
        _upsert_postgresql(seen_rows, bucket_rows)
    else:
        _upsert_sqlite(seen_rows, bucket_rows)


# Both dialects share the conflict clauses; only the row source differs. A
# last-seen row is rewritten only when it moves forward by more than {slack}
# (a few seconds on PostgreSQL): a busy gateway then costs a row version every
# few seconds instead of one per batch, and nothing on screen needs finer.
_SEEN_CONFLICT = (
    "ON CONFLICT (gateway_id, log_type) DO UPDATE SET last_seen = EXCLUDED.last_seen "
    "WHERE EXCLUDED.last_seen > {t}.last_seen{slack}"
)
LAST_SEEN_SLACK_SECONDS = 5
_BUCKET_CONFLICT = (
    "ON CONFLICT (gateway_id, start) DO UPDATE SET records = {t}.records + EXCLUDED.records"
)


def _tables() -> tuple[str, str]:
    return (f'"{GatewayArrival._meta.db_table}"', f'"{GatewayArrivalBucket._meta.db_table}"')


def _upsert_postgresql(seen_rows: list[tuple], bucket_rows: list[tuple]) -> None:
    """One statement: the rows travel as six arrays (unnest), which PostgreSQL
    parses and plans far faster than thousands of VALUES parameters, and the
    two upserts are chained in a data-modifying CTE."""
    arrival, buckets = _tables()
    slack = f" + interval '{LAST_SEEN_SLACK_SECONDS} seconds'"
    sql = (
        f"WITH seen AS (INSERT INTO {arrival} (gateway_id, log_type, last_seen) "
        "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[]) "
        f"{_SEEN_CONFLICT.format(t=arrival, slack=slack)} RETURNING 1) "
        f"INSERT INTO {buckets} (gateway_id, start, records) "
        "SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[]) "
        f"{_BUCKET_CONFLICT.format(t=buckets)}"
    )
    params = [list(col) for col in zip(*seen_rows, strict=True)]
    params += [list(col) for col in zip(*bucket_rows, strict=True)]
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _upsert_sqlite(seen_rows: list[tuple], bucket_rows: list[tuple]) -> None:
    """SQLite (make run) has no data-modifying CTEs: two statements."""
    arrival, buckets = _tables()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {arrival} (gateway_id, log_type, last_seen) VALUES "
            f"{_values_sql(len(seen_rows), 3)} {_SEEN_CONFLICT.format(t=arrival, slack='')}",
            [v for row in seen_rows for v in row])
        cur.execute(
            f"INSERT INTO {buckets} (gateway_id, start, records) VALUES "
            f"{_values_sql(len(bucket_rows), 3)} {_BUCKET_CONFLICT.format(t=buckets)}",
            [v for row in bucket_rows for v in row])


def _values_sql(rows: int, cols: int) -> str:
    one = "(" + ", ".join(["%s"] * cols) + ")"
    return ", ".join([one] * rows)


def buckets_prune(*, now: datetime) -> int:
    """Drop buckets older than two days (the screen shows 24 hours)."""
    deleted, _ = GatewayArrivalBucket.objects.filter(start__lt=now - timedelta(days=2)).delete()
    return deleted
