"""What the gateway-health summary costs the store path (SPEC §8):
`store_batch` of 2000-record batches with the `record_arrivals` call and with
it switched off (batches alternate, so load on the machine hits both alike),
then the fold of the appended rows that every evaluation runs.

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

import ingest.services  # noqa: E402
from alerts.health import arrivals_fold, record_arrivals  # noqa: E402
from alerts.models import GatewayArrivalLog  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--gateways", type=int, default=50)
    args = ap.parse_args()
    ids = [f"BENCH-GW-{g:04d}" for g in range(args.gateways)]
    timings: dict[bool, list[float]] = {True: [], False: []}
    run = int(time.time() * 1000) % 10**9
    for b in range(args.batches * 2):
        with_summary = b % 2 == 0
        ingest.services.record_arrivals = record_arrivals if with_summary else lambda _: None
        now = time.time()
        items = [["session", f"2024/02/01 10:05:00,{ids[i % len(ids)]},{run + b * args.size + i}",
                  "127.0.0.1", "udp", now, None] for i in range(args.size)]
        t = time.perf_counter()
        ingest.services.store_batch(items=items)
        timings[with_summary].append((time.perf_counter() - t) * 1000)
    ingest.services.record_arrivals = record_arrivals
    pending = GatewayArrivalLog.objects.count()
    t = time.perf_counter()
    arrivals_fold()
    fold_ms = (time.perf_counter() - t) * 1000
    on, off = statistics.median(timings[True]), statistics.median(timings[False])
    print(f"store_batch of {args.size} records from {args.gateways} gateways, median of "
          f"{args.batches}: {off:.1f} ms without the summary, {on:.1f} ms with it "
          f"({on - off:+.1f} ms, {100 * (on - off) / off:+.1f} %)")
    print(f"folding the {pending} appended rows (what each evaluation does): {fold_ms:.1f} ms")
    print("rerun: DATABASE_URL=... .venv/bin/python bench/alerts_arrivals.py "
          f"--batches {args.batches} --gateways {args.gateways}")


if __name__ == "__main__":
    main()
