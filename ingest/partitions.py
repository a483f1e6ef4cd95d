"""Monthly partitions of the log tables (PostgreSQL; issue 9 "Scale").

Each log table is partitioned by RANGE on its time column (`time_field`),
one partition per JST month (`<table>_pYYYY_MM`, bounds at 00:00 +09:00 of
the 1st), plus a DEFAULT partition (`<table>_default`) so that a record of a
month without its partition still lands. Per-row index cost then depends on
one month's size, not the table's, and retention is a DROP of old months.

The scheduler calls `ensure_partitions` (this month and the next ones, so
traffic normally never reaches DEFAULT); `purge_logs` calls
`drop_partitions_before`. A partition cannot be created over rows already in
DEFAULT for its range, so those rows are moved in the same transaction
(`partition_create`). SQLite keeps plain tables: every function here is a
no-op there, and retention deletes rows (ingest.retention).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from django.db import connection, transaction

from ingest.models import LOG_MODELS, time_field
from portal.periods import Month

# How long partition DDL waits for the collector's batches to release the
# table before giving up until the next scheduler round: a waiting ACCESS
# EXCLUSIVE request queues every later insert behind it.
LOCK_TIMEOUT = "5s"
PARTITION_NAME = re.compile(r"_p(\d{4})_(\d{2})$")


class LogTable(NamedTuple):
    log_type: str
    table: str
    time_column: str


class Partition(NamedTuple):
    name: str
    month: Month | None  # None: the DEFAULT partition
    rows: int


def month_index(month: Month) -> int:
    """Months as consecutive integers, for ordering and arithmetic."""
    return month.year * 12 + month.month - 1


def month_at(index: int) -> Month:
    return Month(index // 12, index % 12 + 1)


def partition_name(table: str, month: Month) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


def default_name(table: str) -> str:
    return f"{table}_default"


def bounds_sql(month: Month) -> str:
    """The partition bound: [00:00 JST of the 1st, 00:00 JST of the next 1st)."""
    nxt = month.next()
    return (f"FROM ('{month.year:04d}-{month.month:02d}-01 00:00:00+09') "
            f"TO ('{nxt.year:04d}-{nxt.month:02d}-01 00:00:00+09')")


def log_tables() -> list[LogTable]:
    """The log tables that are partitioned (all of them on PostgreSQL once
    migrated; none on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    tables = [LogTable(t, m._meta.db_table, time_field(t)) for t, m in LOG_MODELS.items()]
    with connection.cursor() as cur:
        cur.execute("SELECT relname FROM pg_class WHERE relkind = 'p' AND relname = ANY(%s)",
                    [[t.table for t in tables]])
        partitioned = {name for (name,) in cur.fetchall()}
    return [t for t in tables if t.table in partitioned]


def partitions_of(table: str) -> list[Partition]:
    """The table's partitions, months in order and DEFAULT last, with
    PostgreSQL's row estimate (-1 → 0 before the first ANALYZE)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass", [table])
        found = cur.fetchall()
    result = []
    for name, bound, estimate in found:
        match = PARTITION_NAME.search(name)
        month = None if bound == "DEFAULT" or not match else Month(int(match[1]), int(match[2]))
        result.append(Partition(name, month, max(estimate, 0)))
    return sorted(result, key=lambda p: (p.month is None, p.month and month_index(p.month)))


def rows_counted(partition: Partition) -> Partition:
    """The same partition with its exact row count (a scan)."""
    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{partition.name}"')
        return partition._replace(rows=cur.fetchone()[0])


def ensure_partitions(*, ahead: int = 1, today: Month | None = None) -> list[str]:
    """Create this JST month's partition and the `ahead` next ones where
    missing, moving any of their rows out of DEFAULT. Returns the names created."""
    first = month_index(today or Month.current())
    created = []
    for log_table in log_tables():
        existing = {p.month for p in partitions_of(log_table.table) if p.month}
        for index in range(first, first + ahead + 1):
            month = month_at(index)
            if month not in existing:
                partition_create(log_table, month)
                created.append(partition_name(log_table.table, month))
    return created


def partition_create(log_table: LogTable, month: Month) -> int:
    """Create one month's partition; returns how many rows moved into it
    from DEFAULT. PostgreSQL refuses a partition whose range has rows in
    DEFAULT, so DEFAULT is detached, its rows of the month moved, and
    attached again, all in one transaction: the collector's batches wait on
    the lock meanwhile and never find the month without a home."""
    table, column = log_table.table, log_table.time_column
    name, default = partition_name(table, month), default_name(table)
    start, end = (d.isoformat() for d in month.span())
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cur.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        cur.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" '
                    f'WHERE "{column}" >= %s AND "{column}" < %s)', [start, end])
        if not cur.fetchone()[0]:
            cur.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                        f"FOR VALUES {bounds_sql(month)}")
            return 0
        cur.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{default}"')
        cur.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                    f"FOR VALUES {bounds_sql(month)}")
        cur.execute(f'WITH moved AS (DELETE FROM "{default}" WHERE "{column}" >= %s '
                    f'AND "{column}" < %s RETURNING *) '
                    f'INSERT INTO "{name}" SELECT * FROM moved', [start, end])
        moved = cur.rowcount
        cur.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{default}" DEFAULT')
    return moved


def drop_partitions_before(month: Month, *, dry_run: bool = False) -> dict[str, list[Partition]]:
    """DETACH and DROP every monthly partition older than `month`, per log
    type, with its exact row count (counted before it goes). DEFAULT's rows
    of those months are not touched here: they go by DELETE
    (ingest.retention)."""
    cutoff = month_index(month)
    dropped: dict[str, list[Partition]] = {}
    for log_table in log_tables():
        old = [rows_counted(p) for p in partitions_of(log_table.table)
               if p.month and month_index(p.month) < cutoff]
        dropped[log_table.log_type] = old
        if dry_run:
            continue
        for partition in old:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cur.execute(f'ALTER TABLE "{log_table.table}" DETACH PARTITION '
                            f'"{partition.name}"')
                cur.execute(f'DROP TABLE "{partition.name}"')
    return dropped
