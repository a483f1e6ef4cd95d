"""The worker's share in isolation: `ingest.services.store_batch` in-process
on PostgreSQL, batches of SYSLOG_BATCH_SIZE auth records, no broker.

Prints µs per record: wall time, this process's CPU (parse, digest, rows,
Django) and the rest (the PostgreSQL backend and the round trips).

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/store.py --messages 100000

It creates (and drops first) the database `sc_bench_store` on that server.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DB = os.environ.get("BENCH_DB", "sc_bench_store")  # several people share one server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=2000)
    args = ap.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("set DATABASE_URL (PostgreSQL)")
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    url = base.rsplit("/", 1)[0] + "/" + DB
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)
    import django

    django.setup()
    from ingest.services import store_batch
    # The same lines as bench/ingest.py (loaded by path: `ingest` is the app).
    spec = importlib.util.spec_from_file_location("bench_ingest", REPO / "bench" / "ingest.py")
    bench_ingest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_ingest)
    lines = bench_ingest.auth_lines(args.messages)
    now = time.time()
    batches = [[["auth", ln, "127.0.0.1", "tcp", now, None] for ln in lines[i:i + args.batch]]
               for i in range(0, len(lines), args.batch)]
    store_batch(items=batches[0])  # gateways created, connection and caches warm
    stored = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for batch in batches[1:]:
        stored += store_batch(items=batch).stored["auth"]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    n = sum(len(b) for b in batches[1:])
    print(f"store_batch, {n} auth records in batches of {args.batch}: {stored} stored")
    print(f"{'wall':>24} {1e6 * wall / n:6.1f} µs/record  ({n / wall:,.0f} records/s)")
    print(f"{'worker process CPU':>24} {1e6 * cpu / n:6.1f} µs/record")
    print(f"{'PostgreSQL + round trips':>24} {1e6 * (wall - cpu) / n:6.1f} µs/record")
    print(f"rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
          f".venv/bin/python bench/store.py --messages {args.messages} --batch {args.batch}")


if __name__ == "__main__":
    main()
