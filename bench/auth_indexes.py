"""PostgreSQL's share of an auth record, index by index.

COPY the same auth rows (the bench's lines, as the worker's COPY text) into
fresh copies of a month's `ingest_authlog` partition with different sets of
indexes, and read the backend's own CPU time from /proc: heap only, each
index alone, every index as deployed (read from the catalog, so this follows
the migrations), and the alternatives issue 9 weighed.

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/auth_indexes.py --rows 200000 --rounds 3

It creates (and drops first) the database `sc_bench_indexes` on that server.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import psycopg
from benchdb import load_bench_ingest, month_partition, scratch_database

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")

import logformats  # noqa: E402

DB = os.environ.get("BENCH_DB", "sc_bench_indexes")
PARTITION = "ingest_authlog_p2024_02"  # the bench lines' month

# The alternatives weighed in issue 9: (deployed index replaced, what instead).
OTHERS = {
    "unique (digest, start), the key before ingest 0010":
        ("(start, digest)", "CREATE UNIQUE INDEX ON t (digest, start)"),
    # ingest 0011 made `mac` collation "C"; this is the database's own instead.
    "(mac COLLATE \"default\", start), before ingest 0011":
        ("(mac, start)", 'CREATE INDEX ON t (mac COLLATE "default", start)'),
}


def deployed(conn: psycopg.Connection) -> dict[str, str]:
    """The partition's indexes as statements on the scratch table `t`, by definition."""
    found = {}
    for (definition,) in conn.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
            [PARTITION]).fetchall():
        columns = definition.split(" USING btree ", 1)[1]
        unique = definition.startswith("CREATE UNIQUE")
        found[columns] = f"CREATE {'UNIQUE ' if unique else ''}INDEX ON t {columns}"
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    url = scratch_database(DB)
    month_partition(url, "2024-02")
    bench_ingest = load_bench_ingest()
    cpu_seconds = bench_ingest.cpu_seconds
    rows = [logformats.parse_row("auth", line) for line in bench_ingest.auth_lines(args.rows)]
    names = ["id", "gateway_id", *logformats.FORMATS["auth"].rows.copy_columns, "digest"]
    columns = ", ".join(f'"{n}"' for n in names)
    data = "".join(f"{i}\t{1 + i % 50}\t{row.copy}\t\\\\x{row.digest.hex()}\n"
                   for i, row in enumerate(rows, 1)).encode()
    with psycopg.connect(url, autocommit=True) as conn:
        indexes = deployed(conn)
        variants = {"heap only, no index": []}
        variants.update({f"only {key}": [ddl] for key, ddl in indexes.items()})
        variants["every index, as deployed"] = list(indexes.values())
        for name, (replaced, ddl) in OTHERS.items():
            variants[f"as deployed, {name} instead"] = [
                d for c, d in indexes.items() if c != replaced] + [ddl]
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for round_ in range(args.rounds):
            # Every other round backwards: a variant's place in a round moves
            # its figure by up to 1 µs (measured with two identical variants).
            order = list(variants.items())
            for name, statements in order if round_ % 2 == 0 else reversed(order):
                conn.execute("DROP TABLE IF EXISTS t")
                conn.execute(f"CREATE TABLE t (LIKE {PARTITION})")
                for statement in statements:
                    conn.execute(statement)
                conn.execute("CHECKPOINT")
                before = cpu_seconds(pid)
                with conn.transaction(), conn.cursor() as cur, \
                        cur.copy(f"COPY t ({columns}) FROM STDIN") as copy:
                    for k in range(0, len(data), 1 << 20):
                        copy.write(data[k:k + (1 << 20)])
                cpu[name].append(1e6 * (cpu_seconds(pid) - before) / len(rows))
        conn.execute("DROP TABLE IF EXISTS t")
    heap = statistics.median(cpu["heap only, no index"])
    print(f"PostgreSQL backend CPU per auth row, COPY of {args.rows:,} rows, "
          f"median of {args.rounds} rounds")
    for name, values in cpu.items():
        median = statistics.median(values)
        extra = "" if name.startswith("heap") else f"  (+{median - heap:.1f} over the heap)"
        print(f"  {name:72} {median:5.1f} µs{extra}")
    print(f"rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
          f".venv/bin/python bench/auth_indexes.py --rows {args.rows} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
