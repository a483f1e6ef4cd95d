"""The worker's per-record stages, old path and new path side by side, same
lines, same process, alternating rounds (the machine is shared and noisy).

old: `logformats.parse`, `record_digest`, per-record value lists and
     psycopg `write_row` (the path before issue 9's one-pass rows);
new: `logformats.parse_row` (parse + digest + COPY text in one pass), the
     batch joined into one buffer, one `copy.write`.
Both COPY into a table shaped like ingest_authlog (its indexes, no FK), in
batches of --batch, and roll back. Prints µs per record: median of the rounds.

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/store_stages.py --messages 50000

It creates (and drops first) the database `sc_bench_stages` (or $BENCH_DB).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from benchdb import load_bench_ingest, scratch_database

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import logformats  # noqa: E402

DB = os.environ.get("BENCH_DB", "sc_bench_stages")
# This process's CPU, not wall time: other processes on a shared machine do
# not count. The COPY stage is this process's side of it (PostgreSQL's own
# work is in bench/store.py's "PostgreSQL + round trips"), plus "COPY wall".
clock = time.process_time


def old_path(conn, lines: list[str], batch: int, gw: dict[str, int], t: dict) -> None:
    names = list(logformats.FORMATS["auth"].record_class.__dataclass_fields__)
    cols = ", ".join(f'"{n}"' for n in [*names, "digest"])
    g = names.index("gateway_id")
    for i in range(0, len(lines), batch):
        chunk = lines[i:i + batch]
        t0 = clock()
        records = [logformats.parse("auth", ln) for ln in chunk]
        t1 = clock()
        digests = [logformats.record_digest("auth", r) for r in records]
        t2 = clock()
        w2 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bench_stage ({cols}) FROM STDIN") as copy:
            t3 = clock()
            for rec, digest in zip(records, digests, strict=True):
                values = [getattr(rec, n) for n in names]
                values[g] = gw[rec.gateway_id]
                values.append(digest)
                copy.write_row(values)
            t4 = clock()
        t5 = clock()
        t["COPY wall"] += time.perf_counter() - w2
        t["parse"] += t1 - t0
        t["digest"] += t2 - t1
        t["rows"] += t4 - t3
        t["COPY"] += (t3 - t2) + (t5 - t4)


def new_path(conn, lines: list[str], batch: int, gw: dict[str, int], t: dict) -> None:
    plan = logformats.FORMATS["auth"].rows
    cols = ", ".join(f'"{n}"' for n in ["gateway_id", *plan.copy_columns, "digest"])
    for i in range(0, len(lines), batch):
        chunk = lines[i:i + batch]
        t0 = clock()
        rows = [logformats.parse_row("auth", ln) for ln in chunk]
        t1 = clock()
        data = "".join([f"{gw[r.gateway_id]}\t{r.copy}\t\\\\x{r.digest.hex()}\n" for r in rows])
        t2 = clock()
        w2 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bench_stage ({cols}) FROM STDIN") as copy:
            copy.write(data)
        t3 = clock()
        t["COPY wall"] += time.perf_counter() - w2
        t["parse+digest"] += t1 - t0
        t["rows"] += t2 - t1
        t["COPY"] += t3 - t2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    url = scratch_database(DB)
    bench_ingest = load_bench_ingest()
    lines = bench_ingest.auth_lines(args.messages)
    with psycopg.connect(url) as conn:
        # The copy of the table has no FK (LIKE never copies one): any key will do.
        gw = {g: k for k, g in enumerate(sorted({ln.split(",", 1)[0] for ln in lines}), 1)}
        conn.execute("CREATE TABLE bench_stage (LIKE ingest_authlog INCLUDING ALL)")
        conn.commit()
        results: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        for _ in range(args.rounds):
            for name, path in (("old", old_path), ("new", new_path)):
                # Fresh strings each round: no cache of a previous round helps.
                fresh = [ln + "" for ln in lines]
                t: dict[str, float] = {k: 0.0 for k in ("parse", "digest", "parse+digest",
                                                         "rows", "COPY", "COPY wall")}
                cpu0 = time.process_time()
                path(conn, fresh, args.batch, gw, t)
                t["worker CPU"] = time.process_time() - cpu0
                conn.rollback()
                for k, v in t.items():
                    results[name].setdefault(k, []).append(1e6 * v / len(lines))
    print(f"per-record stages, {len(lines)} auth records, batches of {args.batch}, "
          f"median of {args.rounds} alternating rounds (µs/record)")
    print(f"{'stage':>14} {'old':>7} {'new':>7}")
    for k in ("parse", "digest", "parse+digest", "rows", "COPY", "worker CPU", "COPY wall"):
        old, new = (statistics.median(results[p][k]) for p in ("old", "new"))
        print(f"{k:>14} {old:7.2f} {new:7.2f}")
    print("rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
          f".venv/bin/python bench/store_stages.py --messages {args.messages} "
          f"--batch {args.batch} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
