"""Parse + digest throughput of generated auth lines (the ingest hot path, pure Python).

Rerun: .venv/bin/python bench/parse.py [--lines 200000] [--rounds 3]

Lines look like real traffic: 20 gateways, 5,000 terminals (upper-case MACs,
as gateways send them), 2,000 IPs, and start times spread over one month.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logformats import parse, record_digest  # noqa: E402


def make_lines(n: int, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    macs = [":".join(f"{rnd.randrange(256):02X}" for _ in range(6)) for _ in range(5000)]
    ips = [f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
           for _ in range(2000)]
    lines = []
    for i in range(n):
        start = 1706713200 + i * 2_678_400 // n  # 2024-02-01 00:00 JST onwards
        end = start + rnd.randrange(3600)
        ts = [time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(t + 9 * 3600)) for t in (start, end)]
        lines.append(
            f"PCGW{rnd.randrange(20):05d},{rnd.choice(('', '10', '20'))},,{rnd.choice(ips)},,"
            f"{rnd.choice(macs)},{ts[0]},{ts[1]},{rnd.choice(('000', '102', '103', '203'))},"
            f",,,ja,JP,,,,,,,00,{rnd.choice('01')},{rnd.choice('0123456')},"
            f"iPhone,iOS 17.5,Safari,,"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3, help="report the best round")
    args = ap.parse_args()
    lines = make_lines(args.lines)
    best = float("inf")
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for line in lines:
            record_digest("auth", parse("auth", line))
        best = min(best, time.perf_counter() - t0)
    print(f"auth parse+digest: {args.lines} lines in {best:.2f} s (best of {args.rounds})"
          f" = {args.lines / best:,.0f} lines/s")


if __name__ == "__main__":
    main()
