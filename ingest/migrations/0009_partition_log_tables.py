"""Partition the log tables by JST month (PostgreSQL only; issue 9 "Scale").

Each table is rebuilt as a partitioned table: a new table with the same
columns (and its own identity sequence, set past the highest id) PARTITION BY
RANGE (time column); a partition for every JST month that holds rows, this
month and the next, and DEFAULT; every row copied; the old table dropped and
the new one renamed into its place; then the constraints and indexes read from
the old table's catalog recreated on the parent (PostgreSQL propagates them to
every partition), with these changes a partitioned table needs:

- the primary key becomes (id, time): a unique key must hold the partition
  key. Django still sees `id` as the primary key, which it is in practice (an
  identity column), and portal.rollups reads max(id) through this index;
- the digest's unique key is already (digest, time) (0008).

The rebuild holds an exclusive lock on each table while it copies: on a large
live database run it in a quiet hour (docs/scaling.md). SQLite keeps plain
tables: nothing happens there. Reversible: the reverse rebuilds plain tables.
"""
from django.db import migrations

from ingest.partitions import bounds_sql, default_name, partition_name
from portal.periods import Month

# Frozen here (a migration must not follow later model changes).
TABLES = [
    ("ingest_authlog", "start"),
    ("ingest_activelog", "start"),
    ("ingest_controllog", "at"),
    ("ingest_dhcplog", "at"),
    ("ingest_sessionlog", "at"),
    ("ingest_trafficlog", "at"),
    ("ingest_maillog", "at"),
    ("ingest_activeuserlog", "at"),
]


def catalog(cur, table):
    """(constraint statements other than the primary key, index statements
    not backing a constraint) of the table, as SQL that recreates them."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'c', 'x')", [table])
    constraints = [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                   for name, definition in cur.fetchall()]
    cur.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [table])
    # A partitioned table's index reads "ON ONLY t": recreated on a plain table without it.
    indexes = [d.replace(" ON ONLY ", " ON ") for (d,) in cur.fetchall()]
    return constraints, indexes


def months_holding_rows(cur, table, column):
    cur.execute(f"SELECT DISTINCT to_char(\"{column}\" AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') "
                f'FROM "{table}"')
    return {Month.parse(text) for (text,) in cur.fetchall()}


def rebuild(cur, table, column, *, partitioned):
    constraints, indexes = catalog(cur, table)
    new = f"{table}__rebuilt"
    cur.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    partition_by = f' PARTITION BY RANGE ("{column}")' if partitioned else ""
    cur.execute(f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING IDENTITY '
                f"INCLUDING STORAGE){partition_by}")
    if partitioned:
        current = Month.current()
        for month in sorted(months_holding_rows(cur, table, column) | {current, current.next()},
                            key=lambda m: (m.year, m.month)):
            cur.execute(f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{new}" '
                        f"FOR VALUES {bounds_sql(month)}")
        cur.execute(f'CREATE TABLE "{default_name(table)}" PARTITION OF "{new}" DEFAULT')
    cur.execute(f'INSERT INTO "{new}" OVERRIDING SYSTEM VALUE SELECT * FROM "{table}"')
    cur.execute(f"SELECT pg_get_serial_sequence('\"{new}\"', 'id')")
    sequence = cur.fetchone()[0]
    cur.execute(f'SELECT setval(%s, coalesce((SELECT max(id) FROM "{new}"), 0) + 1, false)',
                [sequence])
    cur.execute(f'DROP TABLE "{table}"')
    cur.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    cur.execute(f'ALTER SEQUENCE {sequence} RENAME TO "{table}_id_seq"')
    key = f'id, "{column}"' if partitioned else "id"
    cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({key})')
    for statement in constraints + indexes:
        cur.execute(statement)
    cur.execute(f'ANALYZE "{table}"')


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for table, column in TABLES:
            rebuild(cur, table, column, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for table, column in TABLES:
            rebuild(cur, table, column, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("ingest", "0008_log_digest_time_unique_no_gateway_fk")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
