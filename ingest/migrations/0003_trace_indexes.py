"""Indexes of the terminal lookup (SPEC §7, portal/trace.py).

- "This IP around this moment": on PostgreSQL a GiST index over (ip, the
  record's [start, end] range) for auth and active, so finding the sessions
  that contain a moment reads only those sessions, however often the
  address was reused before or after (a B-tree on (ip, start) would walk
  every earlier session of the address). It needs btree_gist for the inet
  column. SQLite has no GiST; a plain (ip, start) index serves it there.
  DHCPACKs of an address: a partial (ip, at) index over DHCPACK rows only,
  the only DHCP type the lookup reads, which keeps its ingest cost small.
- "This MAC in this period": (mac, time) B-trees on auth, active, control
  and DHCP.

They are not declared in the models' Meta because the GiST index is
PostgreSQL-only; the model state does not need to know them. On PostgreSQL
they are built CONCURRENTLY so that adding them to a live, large database
does not block the collector's inserts (hence atomic = False).
"""
from django.db import migrations

# (name, table, PostgreSQL definition, SQLite definition)
INDEXES = [
    ("authlog_trace_ip", "ingest_authlog",
     "USING gist (ip, tstzrange(\"start\", greatest(\"start\", \"end\"), '[]'))",
     "(ip, \"start\")"),
    ("activelog_trace_ip", "ingest_activelog",
     "USING gist (ip, tstzrange(\"start\", greatest(\"start\", \"end\"), '[]'))",
     "(ip, \"start\")"),
    ("authlog_trace_mac", "ingest_authlog", "(mac, \"start\")", "(mac, \"start\")"),
    ("activelog_trace_mac", "ingest_activelog", "(mac, \"start\")", "(mac, \"start\")"),
    ("controllog_trace_mac", "ingest_controllog", "(mac, at)", "(mac, at)"),
    ("dhcplog_trace_mac", "ingest_dhcplog", "(mac, at)", "(mac, at)"),
    ("dhcplog_trace_ack", "ingest_dhcplog", "(ip, at) WHERE message_type = 'DHCPACK'",
     "(ip, at) WHERE message_type = 'DHCPACK'"),
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, table, pg_sql, sqlite_sql in INDEXES:
        if postgres:
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {pg_sql}")
        else:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {sqlite_sql}")


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, *_rest in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ingest", "0002_quarantine_tls")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
