"""The worker's share in isolation: `ingest.services.store_batch` in-process
on PostgreSQL, batches of SYSLOG_BATCH_SIZE auth records, no broker.

Prints µs per record: wall time, this process's CPU (parse, digest, rows,
Django) and the rest (the PostgreSQL backend and the round trips).

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/store.py --messages 100000 [--prefill 5000000]

--prefill N first fills the records' month (February 2024) with N other auth
records by one COPY, so the figure shows what the indexes cost on a month that
already holds N rows (issue 9: "the month's table already holding 5M rows").
--prefill-month 2024-01 puts them in another month instead: with monthly
partitions the records' month then starts empty however full the table is.

It creates (and drops first) the database `sc_bench_store` on that server.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchdb import load_bench_ingest, scratch_database

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DB = os.environ.get("BENCH_DB", "sc_bench_store")  # several people share one server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=None,
                    help="records per batch (default: SYSLOG_BATCH_SIZE, as the collector)")
    ap.add_argument("--prefill", type=int, default=0,
                    help="auth rows of the same month stored first, by COPY")
    ap.add_argument("--prefill-month", default="2024-02",
                    help="JST month (YYYY-MM) of the prefilled rows")
    ap.add_argument("--without", default="",
                    help="drop this constraint or index of ingest_authlog before measuring "
                         "(its per-row cost is the difference), e.g. ingest_authlog_pkey")
    args = ap.parse_args()
    os.environ["DATABASE_URL"] = scratch_database(DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")
    import django

    django.setup()
    from django.conf import settings

    from ingest.items import Item
    from ingest.partitions import ensure_partitions
    from ingest.payload import batch_size, pack_batch
    from ingest.services import store_batch
    from portal.periods import Month
    from syslogcloud.heap import settle_heap

    args.batch = args.batch or settings.SYSLOG_BATCH_SIZE

    # The records' month gets its partition, as the scheduler would have
    # made it ahead (PostgreSQL; without it they would land in DEFAULT).
    ensure_partitions(ahead=0, today=Month(2024, 2))
    ensure_partitions(ahead=0, today=Month.parse(args.prefill_month))
    # The same lines as bench/ingest.py (loaded by path: `ingest` is the app).
    bench_ingest = load_bench_ingest()
    lines = bench_ingest.auth_lines(args.messages)
    now = time.time()
    # Packed as the collector packs them (ingest.payload), one socket read each.
    batches = [pack_batch([Item("auth", ln, "127.0.0.1", "tcp", now)
                           for ln in lines[i:i + args.batch]])
               for i in range(0, len(lines), args.batch)]
    store_batch(items=batches[0])  # gateways created, connection and caches warm
    settle_heap()  # as a worker does once started (syslogcloud.heap)
    if args.prefill:
        prefill(args.prefill, args.prefill_month)
    if args.without:
        without(args.without)
    stored = 0
    backend0 = backend_cpu()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for batch in batches[1:]:
        stored += store_batch(items=batch).stored["auth"]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    backend = backend_cpu() - backend0
    n = sum(batch_size(b) for b in batches[1:])
    print(f"store_batch, {n} auth records in batches of {args.batch}: {stored} stored")
    print(f"{'wall':>24} {1e6 * wall / n:6.1f} µs/record  ({n / wall:,.0f} records/s)")
    print(f"{'worker process CPU':>24} {1e6 * cpu / n:6.1f} µs/record")
    print(f"{'PostgreSQL + round trips':>24} {1e6 * (wall - cpu) / n:6.1f} µs/record")
    if backend >= 0:
        print(f"{'PostgreSQL backend CPU':>24} {1e6 * backend / n:6.1f} µs/record")
    print(f"rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
          f".venv/bin/python bench/store.py --messages {args.messages} --batch {args.batch}"
          f" --prefill {args.prefill} --prefill-month {args.prefill_month}"
          + (f" --without {args.without}" if args.without else ""))


def backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend,
    from /proc when the server runs on this machine, else -1. Unlike wall
    time it hardly moves when other processes share the cores."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def without(name: str) -> None:
    """Drop one constraint (or else index) of ingest_authlog, for its cost."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_constraint WHERE conname = %s "
                    "AND conrelid = 'ingest_authlog'::regclass", [name])
        if cur.fetchone():
            cur.execute(f'ALTER TABLE ingest_authlog DROP CONSTRAINT "{name}"')
        else:
            cur.execute(f'DROP INDEX "{name}"')
    print(f"measuring without {name}")


def prefill(n: int, month: str) -> None:
    """N auth rows spread over that JST month on the bench's gateways,
    written by COPY in one transaction, then ANALYZE: the table as a month of
    real traffic leaves it, without paying store_batch's cost to get there."""
    from django.db import connection, transaction

    from accounts.models import Gateway

    gateways = list(Gateway.objects.values_list("pk", flat=True))
    year, mon = (int(part) for part in month.split("-"))
    first = datetime(year, mon, 1, tzinfo=timezone(timedelta(hours=9)))
    month_seconds = 28 * 86400
    t0 = time.perf_counter()
    cols = ("gateway_id, digest, port, port_label, ip, mac, start, \"end\", auth_method, "
            "access_id, area_code, postal_code, language, country, auth_domain_id, "
            "openid_provider, gender, age_band, device_type, device_os, device_app")
    with transaction.atomic(), connection.cursor() as cur:
        with cur.copy(f"COPY ingest_authlog ({cols}) FROM STDIN") as copy:
            for i in range(n):
                at = first + timedelta(seconds=i * month_seconds // n)
                mac = f"06:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}:00:02"
                copy.write_row((gateways[i % len(gateways)], hashlib.md5(b"%d" % i).digest(), "10",
                                "", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", mac, at, at,
                                "103", "", "", "", "ja", "JP", "", "", "", "", "iPhone", "iOS",
                                "Safari"))
        cur.execute("ANALYZE ingest_authlog")
    print(f"prefilled {n} rows of {month} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
