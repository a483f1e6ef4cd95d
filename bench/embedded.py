"""Embedded mode (`make run` without Redis) under a fast TCP sender: how fast
records are stored, how the portal's JSON answers meanwhile, the collector's
peak RSS, and (with --kill) what a `kill -9` right after the send costs.

Rerun:
    .venv/bin/python bench/embedded.py --messages 600000
    .venv/bin/python bench/embedded.py --messages 600000 --kill

It migrates a fresh SQLite database in a temporary directory, registers the
bench gateways to one account with an API token, and starts what `bin/run-all`
starts in embedded mode: gunicorn (2 workers, 4 threads) and `manage.py
collector` with no REDIS_URL (batches are spooled to disk first, then stored
from the spool by one thread), the collector at run-all's nice level. It sends
the messages over one TCP connection as fast as the socket takes them while a
client asks the portal's JSON endpoints for the month being written, one
request after another. It prints:

- received: until the collector has read every message (its /metrics);
- stored: until the collector has stored every batch (`dispatched_items`,
  polled on /metrics every 0.2 s: the bench must not load SQLite itself);
- portal JSON p50 / p90 / max before, while and after ingesting (after: the
  same month's data with nothing writing, which separates the cost of the
  data from that of the concurrent ingest);
- the collector's peak RSS (VmHWM).

With --kill the collector gets SIGKILL as soon as it has received everything,
and the bench counts the records stored plus those waiting in the spool
(issue 8 row 8: at most the batch being filled may be lost). Only loopback
addresses are used.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MONTH = "2024-02"
ACCOUNT = "A00799002"
# The month's dashboards, each computed from the records being written (no
# rollup has folded them in yet, so this is the portal's worst case).
ENDPOINTS = [f"/api/v1/stats/system?month={MONTH}",
             f"/api/v1/stats/connections?month={MONTH}",
             f"/api/v1/stats/control?month={MONTH}"]
# bin/run-all's nice level for the embedded collector (keep the two in step).
COLLECTOR_NICE = 0


def metric(port: int, name: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    for line in data.decode().splitlines():
        if line.startswith(f"syslogcloud_collector_{name} "):
            return int(float(line.split()[1]))
    return 0


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_id(n: int) -> str:
    return f"PCEMB{n // 40320:03d}"


def bench_lines(messages: int) -> list[bytes]:
    """Distinct records: session counts per gateway and minute of February."""
    return [b"<14>popchat-session: 2024/02/%02d %02d:%02d:00,%s,%d\n"
            % (1 + n // 1440 % 28, n // 60 % 24, n % 60, gateway_id(n).encode(), n)
            for n in range(messages)]


def account_prepare(env: dict, messages: int) -> str:
    """Register the bench gateways to one account; returns an API token."""
    script = f"""
from accounts.models import ApiToken
from accounts.services import account_create, gateway_register, user_create
account = account_create(account_id={ACCOUNT!r}, name="Embedded bench")
for n in range(0, {messages}, 40320):
    gateway_register(gateway_id="PCEMB%03d" % (n // 40320), account=account)
user = user_create(account=account, user_id="bench", password=None, name="Bench")
print(ApiToken.issue(user)[1])
"""
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=REPO,
                         env=env, check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


class PortalProbe(threading.Thread):
    """Asks the JSON endpoints in turn, one request at a time, until stopped;
    keeps each request's latency in seconds."""

    def __init__(self, port: int, token: str) -> None:
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Authorization": f"Bearer {self.token}"}
        i = 0
        while not self.stop.is_set():
            path = ENDPOINTS[i % len(ENDPOINTS)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (http.client.HTTPException, OSError) as exc:
                self.errors.append(f"{path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                continue
            if response.status != 200:
                self.errors.append(f"{path}: HTTP {response.status}")
                continue
            self.latencies.append(time.perf_counter() - started)
            time.sleep(0.05)  # a person clicking, not a load test


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p * len(values) + 0.5) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=600_000)
    ap.add_argument("--kill", action="store_true",
                    help="SIGKILL the collector once it has received everything")
    ap.add_argument("--no-portal", action="store_true", help="no gunicorn, no JSON probe")
    ap.add_argument("--nice", type=int, default=COLLECTOR_NICE,
                    help=f"the collector's nice level (bin/run-all: {COLLECTOR_NICE})")
    ap.add_argument("--timeout", type=float, default=600, help="give up storing after this")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sc-embedded-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}", SYSLOG_SPOOL_DIR=str(tmp / "spool"),
               PYTHONUNBUFFERED="1", DEBUG="0", PYTHONWARNINGS="ignore::UserWarning",
               STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env,
                   check=True)
    token = account_prepare(env, args.messages)
    children: list[subprocess.Popen] = []
    probe = None
    after: list[float] = []
    try:
        if not args.no_portal:
            portal_port = free_port()
            children.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "syslogcloud.wsgi", "--bind",
                 f"127.0.0.1:{portal_port}", "--workers", "2", "--threads", "4",
                 "--log-level", "warning"], cwd=REPO, env=env))
            wait_for_port(portal_port)
        log = open(tmp / "collector.log", "w+")  # noqa: SIM115 - lives as long as the run
        proc = subprocess.Popen(["nice", "-n", str(args.nice), sys.executable, "manage.py",
                                 "collector", "--tcp", "127.0.0.1:0", "--metrics",
                                 "127.0.0.1:0"], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        children.append(proc)
        ports: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while len(ports) < 2 and time.monotonic() < deadline:
            for line in (tmp / "collector.log").read_text().splitlines():
                if line.startswith("listening "):
                    ports[line.split()[1]] = int(line.rsplit(":", 1)[1])
            time.sleep(0.1)
        lines = bench_lines(args.messages)
        if not args.no_portal:
            probe = PortalProbe(portal_port, token)
            probe.start()
            time.sleep(2)  # the idle portal's latency, for comparison
            idle = list(probe.latencies)
        started = time.monotonic()
        cpu_before = cpu_seconds(proc.pid)
        with socket.create_connection(("127.0.0.1", ports["tcp"])) as sock:
            for i in range(0, len(lines), 10_000):
                sock.sendall(b"".join(lines[i:i + 10_000]))
        while metric(ports["metrics"], "received_total") < args.messages:
            time.sleep(0.01)
        received = time.monotonic() - started
        stored_in = cpu = None
        if args.kill:
            busy = probe.latencies[len(idle):] if probe else []
            rss = peak_rss_mb(proc.pid)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        else:
            deadline = started + args.timeout
            while metric(ports["metrics"], "dispatched_items_total") < args.messages:
                if time.monotonic() > deadline:
                    raise SystemExit(f"not stored within {args.timeout:.0f} s")
                time.sleep(0.2)
            stored_in = time.monotonic() - started
            cpu = cpu_seconds(proc.pid) - cpu_before
            busy = probe.latencies[len(idle):] if probe else []
            if probe is not None:
                time.sleep(3)  # the same requests over the stored month, nothing writing
                after = probe.latencies[len(idle) + len(busy):]
            rss = peak_rss_mb(proc.pid)
    finally:
        if probe is not None:
            probe.stop.set()
            probe.join(timeout=150)
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()
    db = sqlite3.connect(tmp / "db.sqlite3")
    stored = db.execute("SELECT count(*) FROM ingest_sessionlog").fetchone()[0]
    quarantined = db.execute("SELECT count(*) FROM ingest_quarantine").fetchone()[0]
    spooled = sum(len(json.loads(f.read_text())) for f in (tmp / "spool").glob("*.json"))
    n = args.messages
    print(f"messages sent:           {n}")
    print(f"received in:             {received:.1f} s ({n / received:,.0f} msg/s)")
    if stored_in is not None:
        print(f"stored in:               {stored_in:.1f} s ({n / stored_in:,.0f} msg/s), "
              f"{stored} rows, {quarantined} quarantined")
        print(f"collector CPU:           {cpu:.1f} s ({cpu / n * 1e6:.1f} µs per message: "
              "receive, spool, store; the rate a free core would allow)")
    if probe is not None:
        for name, values in (("portal JSON idle", idle), ("portal JSON ingesting", busy),
                             ("portal JSON after", after)):
            if values:
                print(f"{name + ':':<25}{len(values)} requests, p50 "
                      f"{statistics.median(values):.3f} s, p90 {pct(values, 0.9):.3f} s, "
                      f"max {max(values):.3f} s")
        for error in probe.errors[:5]:
            print(f"portal error: {error}")
    print(f"collector peak RSS:      {rss:.0f} MB")
    if args.kill:
        print(f"after kill -9: stored {stored} + on disk {spooled} = {stored + spooled} "
              f"(lost at most {n - stored - spooled})")
    print(f"rerun: .venv/bin/python bench/embedded.py --messages {n}"
          + (" --kill" if args.kill else "") + (" --no-portal" if args.no_portal else "")
          + (f" --nice {args.nice}" if args.nice != COLLECTOR_NICE else ""))


if __name__ == "__main__":
    main()
