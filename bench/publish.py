"""The collector's publish cost per message: one batch of auth items handed to
Celery (`store_batch.apply_async`) the oldest way (a JSON list per message,
Celery printing the arguments), packed (`ingest.payload.pack_batch`, named in
argsrepr) in Celery's JSON, and packed in the task's own serializer
(`ingest.payload.BROKER_SERIALIZER`, the collector's way), alternating rounds.
CPU of this process, µs per message.

Rerun:
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/publish.py

Publishes to its own queue `bench_publish` on that Redis and deletes it after
each round; nothing consumes it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from benchdb import load_bench_ingest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
QUEUE = "bench_publish"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=None,
                    help="records per batch (default: SYSLOG_BATCH_SIZE, as the collector)")
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")
    import django

    django.setup()
    import redis
    from django.conf import settings

    from ingest.framing import Frame
    from ingest.items import make_item
    from ingest.payload import BROKER_SERIALIZER, pack_batch
    from ingest.tasks import store_batch
    from syslogcloud.heap import settle_heap

    args.batch = args.batch or settings.SYSLOG_BATCH_SIZE

    bench_ingest = load_bench_ingest()
    now = time.time()
    # As the collector makes them: one arrival time per socket read of ~200 frames.
    items = [make_item(Frame(bench_ingest.frame("auth", ln).split(b" ", 1)[1]),
                       peer="127.0.0.1", transport="tcp", received_at=now + i // 200)
             for i, ln in enumerate(bench_ingest.auth_lines(args.batch))]
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    conn = store_batch.app.connection_for_write()
    settle_heap()  # the collector's GC settings (syslogcloud.heap)

    def old() -> None:
        store_batch.apply_async(args=([list(i) for i in items],), connection=conn,
                                retry=False, queue=QUEUE)

    def packed(**options) -> None:
        store_batch.apply_async(args=(pack_batch(items),), connection=conn, retry=False,
                                queue=QUEUE, argsrepr=f"(<batch of {len(items)} items>,)",
                                origin="bench", **options)

    variants = {
        "old": ("JSON list per message", old),
        "json": ("packed payload, JSON", lambda: packed(serializer="json")),
        "new": (f"packed, {BROKER_SERIALIZER}", packed),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (_label, publish) in variants.items():
            cpu = time.process_time()
            for _ in range(args.batches):
                publish()
            results[name].append(1e6 * (time.process_time() - cpu) / (args.batches * args.batch))
            client.delete(QUEUE)
    print(f"publish CPU, batches of {args.batch}, median of {args.rounds} alternating rounds")
    for name, (label, _publish) in variants.items():
        print(f"{label:>28} {statistics.median(results[name]):6.2f} µs/message  "
              f"({', '.join(f'{v:.2f}' for v in results[name])})")
    print("rerun: REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/publish.py "
          f"--batch {args.batch} --batches {args.batches} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
