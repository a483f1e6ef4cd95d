"""On PostgreSQL the log tables' `mac` columns compare in collation "C".

A MAC is stored as lower-case hex and colons, ASCII only: byte order is its
order in any collation, so "C" changes no answer. It changes the cost: the
database's own collation (C.UTF-8 here, often en_US.UTF-8 elsewhere) compares
through the C library, "C" with memcmp and abbreviated sort keys. The
rollups' distinct terminals per day (`portal.facts`, count(DISTINCT mac) and
windows partitioned by mac) sort by it: count(DISTINCT mac) over 2M MACs took
2.1 s in C.UTF-8 and 0.88 s in "C" here. For ingest, the (mac, start) trace
index's upkeep, bench/auth_indexes.py saw between 0 and 0.6 µs less per
row, within its noise (issue 9, fifth round).

Every `mac` changes together, so comparisons between log tables keep one
collation. PostgreSQL does not rewrite the tables for a collation change; it
rebuilds the indexes on `mac`, partition by partition, under a lock: on a
large live database, a quiet hour (about 6 s for a 5M-row auth month here).

SQLite compares bytes already (BINARY) and has no collation named "C": there
this is a no-op, and the models keep no `db_collation` (Django would write
COLLATE "C" into SQLite's tables too). A later AlterField of a `mac` field
must repeat this for PostgreSQL.
"""
from django.db import migrations

# Frozen here (a migration must not follow later model changes).
TABLES = ["ingest_activelog", "ingest_authlog", "ingest_controllog", "ingest_dhcplog"]


def _collate(collation: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN mac TYPE varchar(17) COLLATE "{collation}"')
    return run


class Migration(migrations.Migration):

    dependencies = [("ingest", "0010_log_unique_time_first")]

    operations = [migrations.RunPython(_collate("C"), _collate("default"))]
