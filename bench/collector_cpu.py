"""The collector's own CPU per message, without sockets, broker or database (issue 9).

bench/ingest.py's TCP stream (octet-counted RFC 5424 auth records) is framed
in 64 KiB reads as SyslogTCP frames it, queued through a Batcher (dispatch
keeps the batches in memory) and each batch packed as dispatch_to_celery
packs it; the best of three runs is printed in µs per message. What is left
of bench/ingest.py's "CPU per message: collector" is asyncio, Celery's
encoding and the Redis client.

Rerun (this checkout first, then any other checkout to compare, e.g. main's):
    .venv/bin/python bench/collector_cpu.py --messages 100000 /path/to/other/checkout
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(messages: int) -> tuple[float, float, float]:
    """CPU seconds for framing, items and batching, packing (the checkout in the cwd)."""
    # The checkout's code, then its bench/ (for ingest.py's own imports) after
    # it, so that bench/ingest.py does not hide the `ingest` package.
    sys.path[0:1] = [os.getcwd(), os.path.join(os.getcwd(), "bench")]
    from bench.ingest import auth_lines, frame
    from ingest.batcher import Batcher
    from ingest.framing import TcpFramer
    from ingest.payload import pack_batch

    wire = b"".join(frame("auth", line) for line in auth_lines(messages))
    reads = [wire[i : i + 65536] for i in range(0, len(wire), 65536)]
    try:
        from syslogcloud.heap import settle_heap
    except ImportError:  # a checkout from before it
        pass
    else:
        settle_heap()  # the collector's GC settings (ingest/management/commands/collector.py)

    async def run() -> tuple[float, float, float]:
        batches: list[list] = []
        batcher = Batcher(batches.append, batch_size=2000, workers=1)
        framer = TcpFramer()
        t0 = time.process_time()
        framed = [framer.feed(data) for data in reads]
        t1 = time.process_time()
        # Checkouts from before Batcher.add_many took one frame per call.
        add_many = getattr(batcher, "add_many", None)
        for frames in framed:
            if add_many is not None:
                add_many(frames, peer="127.0.0.1", transport="tcp", received_at=1.0)
            else:
                for f in frames:
                    batcher.add(f, peer="127.0.0.1", transport="tcp", received_at=1.0)
        await batcher.drain()
        t2 = time.process_time()
        for items in batches:
            pack_batch(items)
        t3 = time.process_time()
        batcher.close()
        assert sum(map(len, batches)) == messages
        assert Path(sys.modules["ingest.batcher"].__file__).is_relative_to(os.getcwd())
        return t1 - t0, t2 - t1, t3 - t2

    runs = [asyncio.run(run()) for _ in range(3)]
    return tuple(min(parts) for parts in zip(*runs, strict=True))  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("others", nargs="*", help="other checkouts to measure the same way")
    args = ap.parse_args()
    if args.measure:
        parts = measure(args.messages)
        print(" ".join(f"{1e6 * seconds / args.messages:.2f}" for seconds in parts))
        return
    print(f"{'checkout':40} {'framing':>8} {'items':>8} {'packing':>8} {'total':>8}  µs/message")
    for checkout in [REPO, *map(Path, args.others)]:
        # Each checkout in its own interpreter, importing its own code.
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--measure", "--messages",
             str(args.messages)], cwd=checkout, check=True, capture_output=True,
            text=True).stdout.split()
        values = [float(v) for v in out]
        print(f"{str(checkout):40} " + " ".join(f"{v:>8.2f}" for v in values)
              + f" {sum(values):>8.2f}")


if __name__ == "__main__":
    main()
