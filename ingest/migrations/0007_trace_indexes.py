"""Indexes of the terminal lookup (SPEC §7, portal/trace.py).

- "This IP around this moment" (auth and active): a session that contains
  the moment either started in the 24 hours before it, or lasted longer
  than 24 hours. So two B-trees answer exactly: (ip, start) for the first
  case, which reads one day of the address's sessions however often it was
  reused before; and the same index restricted to the rare sessions longer
  than 24 hours for the second. A GiST index over (ip, [start, end]) answers
  in one probe too, but costs about three times a B-tree on every insert
  (bench/trace.py --index-cost), and every record pays that at ingest.
- DHCPACKs of an address: a partial (ip, at) index over DHCPACK rows only,
  the one DHCP type the lookup reads, which keeps its ingest cost small.
- "This MAC in this period": (mac, time) B-trees on auth, active, control
  and DHCP.

They are not declared in the models' Meta because the long-session index's
predicate is PostgreSQL SQL (SQLite gets the plain indexes; it has no 50M
goal). On PostgreSQL they are built CONCURRENTLY so that adding them to a
live, large database does not block the collector's inserts (hence
atomic = False).
"""
from django.db import migrations

# The predicate portal/trace.py repeats so that PostgreSQL uses the index.
LONG_SESSION = "\"end\" - \"start\" > interval '24 hours'"

# (name, table, PostgreSQL definition, SQLite definition or None)
INDEXES = [
    ("authlog_trace_ip", "ingest_authlog", "(ip, \"start\")", "(ip, \"start\")"),
    ("activelog_trace_ip", "ingest_activelog", "(ip, \"start\")", "(ip, \"start\")"),
    ("authlog_trace_ip_long", "ingest_authlog", f"(ip, \"start\") WHERE {LONG_SESSION}",
     None),
    ("activelog_trace_ip_long", "ingest_activelog", f"(ip, \"start\") WHERE {LONG_SESSION}",
     None),
    ("authlog_trace_mac", "ingest_authlog", "(mac, \"start\")", "(mac, \"start\")"),
    ("activelog_trace_mac", "ingest_activelog", "(mac, \"start\")", "(mac, \"start\")"),
    ("controllog_trace_mac", "ingest_controllog", "(mac, at)", "(mac, at)"),
    ("dhcplog_trace_mac", "ingest_dhcplog", "(mac, at)", "(mac, at)"),
    ("dhcplog_trace_ack", "ingest_dhcplog", "(ip, at) WHERE message_type = 'DHCPACK'",
     "(ip, at) WHERE message_type = 'DHCPACK'"),
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, pg_sql, sqlite_sql in INDEXES:
        if postgres:
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {pg_sql}")
        elif sqlite_sql:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {sqlite_sql}")


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, *_rest in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ingest", "0006_verbose_names")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
