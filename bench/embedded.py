"""Embedded mode (`make run` without Redis) under a fast TCP sender: the
collector's peak RSS, and what a `kill -9` right after the send costs.

Rerun:
    .venv/bin/python bench/embedded.py --messages 600000

It migrates a fresh SQLite database in a temporary directory, starts
`manage.py collector` with no REDIS_URL (batches are spooled to disk first,
then stored from the spool), sends the messages over one TCP connection as
fast as the socket takes them, waits until the collector has received them
all, reads its peak RSS (VmHWM), kills it with SIGKILL and counts the records
stored plus those waiting in the spool. Only loopback addresses are used.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def metric(port: int, name: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    for line in data.decode().splitlines():
        if line.startswith(f"syslogcloud_collector_{name} "):
            return int(float(line.split()[1]))
    raise SystemExit(f"no metric {name}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=600_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sc-embedded-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}", SYSLOG_SPOOL_DIR=str(tmp / "spool"),
               PYTHONUNBUFFERED="1")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env,
                   check=True)
    log = open(tmp / "collector.log", "w+")  # noqa: SIM115 - lives as long as the run
    proc = subprocess.Popen([sys.executable, "manage.py", "collector", "--tcp", "127.0.0.1:0",
                             "--metrics", "127.0.0.1:0"], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    ports: dict[str, int] = {}
    deadline = time.monotonic() + 60
    while len(ports) < 2 and time.monotonic() < deadline:
        for line in (tmp / "collector.log").read_text().splitlines():
            if line.startswith("listening "):
                ports[line.split()[1]] = int(line.rsplit(":", 1)[1])
        time.sleep(0.1)
    # Distinct records: session counts per gateway and minute.
    lines = [b"<14>popchat-session: 2024/02/%02d %02d:%02d:00,GW-BENCH-%d,%d\n"
             % (1 + n // 1440 % 28, n // 60 % 24, n % 60, n // 40320, n)
             for n in range(args.messages)]
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", ports["tcp"])) as sock:
        for i in range(0, len(lines), 10_000):
            sock.sendall(b"".join(lines[i:i + 10_000]))
    while metric(ports["metrics"], "received_total") < args.messages:
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    rss = peak_rss_mb(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = sqlite3.connect(tmp / "db.sqlite3").execute(
        "SELECT count(*) FROM ingest_sessionlog").fetchone()[0]
    spooled = sum(len(json.loads(f.read_text())) for f in (tmp / "spool").glob("*.json"))
    print(f"messages sent:           {args.messages}")
    print(f"received in:             {elapsed:.1f} s ({args.messages / elapsed:,.0f} msg/s)")
    print(f"collector peak RSS:      {rss:.0f} MB")
    print(f"after kill -9: stored {stored} + on disk {spooled} = {stored + spooled} "
          f"(lost at most {args.messages - stored - spooled})")
    print(f"rerun: .venv/bin/python bench/embedded.py --messages {args.messages}")


if __name__ == "__main__":
    main()
