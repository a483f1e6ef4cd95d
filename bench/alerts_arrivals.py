"""What the gateway-health summary costs the store path (SPEC §8): time of
`store_batch` for 2000-record batches, and of the `record_arrivals` call
inside it on its own (one statement per batch).

Rerun (uses the database of DATABASE_URL, which must be migrated; it adds
gateways BENCH-GW-* and session records for them):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_h4 \
        .venv/bin/python bench/alerts_arrivals.py --batches 20 --gateways 50
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")

import django  # noqa: E402

django.setup()

from alerts.health import Arrival, record_arrivals  # noqa: E402
from ingest.services import gateway_rows_ensure, store_batch  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--gateways", type=int, default=50)
    args = ap.parse_args()
    ids = [f"BENCH-GW-{g:04d}" for g in range(args.gateways)]
    pks = [g.pk for g in gateway_rows_ensure(set(ids)).values()]
    store_ms, arrivals_ms = [], []
    run = int(time.time() * 1000) % 10**9
    for b in range(args.batches):
        now = time.time()
        items = [["session", f"2024/02/01 10:05:00,{ids[i % len(ids)]},{run + b * args.size + i}",
                  "127.0.0.1", "udp", now, None] for i in range(args.size)]
        t = time.perf_counter()
        store_batch(items=items)
        store_ms.append((time.perf_counter() - t) * 1000)
        arrivals = [Arrival(pks[i % len(pks)], "session", now, "udp") for i in range(args.size)]
        t = time.perf_counter()
        record_arrivals(arrivals)
        arrivals_ms.append((time.perf_counter() - t) * 1000)
    print(f"store_batch of {args.size} records ({args.gateways} gateways): "
          f"median {statistics.median(store_ms):.1f} ms")
    alone, whole = statistics.median(arrivals_ms), statistics.median(store_ms)
    print(f"record_arrivals of the same batch alone: median {alone:.2f} ms "
          f"({100 * alone / whole:.1f} % of it)")
    print("rerun: DATABASE_URL=... .venv/bin/python bench/alerts_arrivals.py "
          f"--batches {args.batches} --gateways {args.gateways}")


if __name__ == "__main__":
    main()
