"""End-to-end ingest benchmark: syslog over TCP → collector → Redis → Celery
worker(s) → PostgreSQL, against a plain psycopg COPY of the same rows.

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/ingest.py --messages 200000 --workers 2

It creates (and drops first) the database `sc_bench_ingest` on that server,
migrates it, starts the collector and the workers as subprocesses, sends the
messages as fast as the socket takes them and prints messages/s from the first
send to the last row committed. Then a paced UDP run (--udp-rate msgs/s for
--udp-seconds) prints the loss. Only loopback addresses are used.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import psycopg
from benchdb import month_partition, scratch_database

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import logformats  # noqa: E402

DB = os.environ.get("BENCH_DB", "sc_bench_ingest")  # several people share one server


def auth_lines(n: int, seed: int = 7, ordered: bool = False) -> list[str]:
    """n auth lines of February 2024 from 50 gateways. By default record i
    falls on day 1 + i % 28, so every batch touches the whole month (the
    issue's mix, the costlier one: 700 (gateway, day) pairs in every batch);
    `ordered` spreads them over the month in arrival order, as live traffic
    comes."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if ordered:
            second = i * 28 * 86400 // n
            day, sec = 1 + second // 86400, second % 86400
        else:
            day, sec = 1 + i % 28, i % 86400
        mac = f"02:{i >> 24 & 255:02x}:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}:01"
        ts = f"2024/02/{day:02d} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"
        gw = f"PCBENCH{i % 50:03d}"
        out.append(
            f"{gw},10,,10.0.{rng.randrange(256)}.{rng.randrange(1, 255)},,{mac},{ts},{ts},"
            f"103,,,,ja,JP,,,,,,,,{rng.randrange(2)},{rng.randrange(7)},iPhone,iOS 17.5,"
            "Safari,,"
        )
    return out


def frame(log_type: str, line: str) -> bytes:
    msg = f"<14>1 2024-02-01T10:00:00+09:00 gw popchat-{log_type} - - - {line}".encode()
    return b"%d %s" % (len(msg), msg)


def psql(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


class Rows(NamedTuple):
    """A table's row count and highest id, read while nothing writes to it."""

    count: int
    top_id: int


def rows_now(url: str, table: str) -> Rows:
    with psycopg.connect(url) as conn:
        return Rows(*conn.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {table}").fetchone())


def wait_rows(url: str, table: str, before: Rows, n: int, timeout: float,
              stall: float | None = None) -> tuple[int, float]:
    """Wait until `table` holds `n` rows more than `before`; returns (rows
    added, when the last one landed).

    Polling count(*) every 50 ms ate up to 30 % of a core near the end of a
    run, slowing the very thing measured. `max(id)` is one B-tree probe on the
    primary key, so it is polled instead (every 100 ms, every 5 ms near the
    end, on one connection);
    ids only grow, and without duplicates in the bench max(id) reaching
    `before.top_id` + n means every row is in. `before` is read before the
    sending starts: read later, a batch committed ahead of another one still
    in flight would put max(id) above count(*) + the gap, and the wait would
    never end. One exact count(*) confirms. `stall`: give up after that many
    seconds without a new row (UDP loses datagrams, so its target may never
    be reached); TCP waits for every row.
    """
    deadline = time.monotonic() + timeout
    need_top = before.top_id + n
    with psycopg.connect(url, autocommit=True) as conn:
        started = got_at = time.monotonic()
        last_top = -1
        while time.monotonic() < deadline:
            top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            now = time.monotonic()
            if top != last_top:
                got_at, last_top = now, top
            if top >= need_top or (stall is not None and now - got_at > stall):
                break
            # Every 100 ms, but every 5 ms once the rows still missing would
            # take less than a quarter of a second at the rate so far: the run
            # ends within 5 ms of its last commit instead of up to 100 ms
            # after it (2-4 % of a 200k-message run).
            rate = (top - before.top_id) / max(now - started, 1e-3)
            time.sleep(0.005 if rate and (need_top - top) / rate < 0.25 else 0.1)
        # Ids skip on conflicts, so confirm with one exact count (and keep
        # waiting, less often, if a batch is still in flight).
        while True:
            got = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before.count
            if got >= n or time.monotonic() >= deadline or last_top < need_top:
                return got, got_at
            time.sleep(0.5)
            got_at = time.monotonic()


def text_copy_rate(url: str, lines: list[str]) -> float:
    """The issue's baseline: COPY of the same lines into a bare one-column text table."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_text")
        conn.execute("CREATE TABLE bench_text (line text)")
        conn.commit()
        started = time.monotonic()
        with conn.cursor() as cur, cur.copy("COPY bench_text (line) FROM STDIN") as copy:
            for line in lines:
                copy.write_row((line,))
        conn.commit()
        elapsed = time.monotonic() - started
        conn.execute("DROP TABLE bench_text")
        conn.commit()
    return len(lines) / elapsed


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (Linux /proc/stat: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """User + system CPU of every PostgreSQL process now running (the
    workers' backends live as long as the workers: they keep their connection)."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat[stat.find("(") + 1:stat.rfind(")")] == "postgres":
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=open(log, "wb"),  # noqa: SIM115
                            stderr=subprocess.STDOUT)


def wait_log(log: Path, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = log.read_text(errors="replace") if log.exists() else ""
        if text in out:
            return out
        time.sleep(0.1)
    raise SystemExit(f"{text!r} not seen in {log}:\n{out[-2000:]}")


def raw_copy_rate(url: str, lines: list[str]) -> float:
    """A plain psycopg COPY of the same parsed rows into a table shaped like ingest_authlog."""
    names = [f for f in logformats.FORMATS["auth"].record_class.__dataclass_fields__]
    records = [logformats.parse("auth", line) for line in lines]
    with psycopg.connect(url) as conn:
        gw_ids = dict(conn.execute("SELECT gateway_id, id FROM accounts_gateway").fetchall())
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (LIKE ingest_authlog INCLUDING ALL)")
        conn.commit()
        cols = ", ".join(f'"{n}"' for n in [*names, "digest"])
        rows = []
        for rec in records:
            values = [getattr(rec, n) for n in names]
            values[names.index("gateway_id")] = gw_ids[rec.gateway_id]
            values.append(hashlib.blake2b(repr(values).encode(), digest_size=16).digest())
            rows.append(values)
        started = time.monotonic()
        with conn.cursor() as cur, cur.copy(f"COPY bench_copy ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        elapsed = time.monotonic() - started
        conn.execute("DROP TABLE bench_copy")
        conn.commit()
    return len(rows) / elapsed


def prefill(url: str, n: int) -> None:
    """N auth rows spread over February 2024 (the bench's month), written by
    PostgreSQL itself, then ANALYZE: the month as real traffic leaves it,
    without paying the store path's cost to get there."""
    t0 = time.monotonic()
    psql(url, f"""
        INSERT INTO ingest_authlog (gateway_id, digest, port, port_label, ip, mac, start, "end",
            auth_method, access_id, area_code, postal_code, language, country, auth_domain_id,
            openid_provider, gender, age_band, device_type, device_os, device_app)
        SELECT 1 + i % 50, decode(md5('prefill' || i), 'hex'), '10', '',
            ('10.' || (i >> 16 & 255) || '.' || (i >> 8 & 255) || '.' || (i & 255))::inet,
            '06:' || lpad(to_hex(i >> 16 & 255), 2, '0') || ':'
                || lpad(to_hex(i >> 8 & 255), 2, '0') || ':'
                || lpad(to_hex(i & 255), 2, '0') || ':00:02',
            t, t + interval '20 minutes', '103', '', '', '', 'ja', 'JP', '', '', '', '',
            'iPhone', 'iOS', 'Safari'
        FROM generate_series(0, {n - 1}) AS i,
             LATERAL (SELECT timestamptz '2024-02-01 00:00+09'
                      + (i::bigint * 28 * 86400 / {n}) * interval '1 second' AS t) AS at_
    """)
    # Then as a month filled over weeks is: vacuumed and analysed by autovacuum,
    # its pages written out by checkpoints. Without this the measured run pays
    # for the bulk load's own checkpoint and writeback (6–7 µs per message of
    # kernel and checkpointer time, seen here), which steady traffic never does.
    psql(url, "VACUUM ANALYZE ingest_authlog")
    psql(url, "CHECKPOINT")
    os.sync()
    print(f"prefilled {n:,} auth rows of 2024-02 in {time.monotonic() - t0:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--udp-rate", type=int, default=20_000)
    ap.add_argument("--udp-seconds", type=float, default=5.0)
    # The collector must drain UDP sockets in time; workers catch up from Redis.
    ap.add_argument("--worker-nice", type=int, default=10)
    ap.add_argument("--prefill", type=int, default=0,
                    help="auth rows of the bench's month stored first (server-side INSERT)")
    ap.add_argument("--ordered", action="store_true",
                    help="records in time order over the month, as live traffic arrives")
    args = ap.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    url = scratch_database(DB)
    env = dict(os.environ, DATABASE_URL=url, PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
    # The bench's records are of February 2024: give that month its partition,
    # as `partitions --month` does before an old month is imported.
    month_partition(url, "2024-02")
    if args.prefill:
        prefill(url, args.prefill)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    logs = Path(f"/tmp/sc-bench-{DB}")  # one per database: runs may overlap
    logs.mkdir(exist_ok=True)
    workers = [
        start(["nice", "-n", str(args.worker_nice), sys.executable, "-m", "celery", "-A",
               "syslogcloud", "worker", "--pool=solo",
               "-n", f"bench{i}@%h", "--without-heartbeat", "--without-gossip",
               "--without-mingle", "--loglevel=WARNING"], env, logs / f"worker{i}.log")
        for i in range(args.workers)
    ]
    collector = start([sys.executable, "manage.py", "collector", "--udp", "127.0.0.1:0",
                       "--tcp", "127.0.0.1:0"], env, logs / "collector.log")
    try:
        out = wait_log(logs / "collector.log", "listening tcp")
        ports = {ln.split()[1]: int(ln.split()[2].rsplit(":", 1)[1])
                 for ln in out.splitlines() if ln.startswith("listening ")}
        time.sleep(3)  # let the workers finish starting
        lines = auth_lines(args.messages, ordered=args.ordered)
        payloads = [frame("auth", ln) for ln in lines]
        chunks = [b"".join(payloads[i:: args.connections]) for i in range(args.connections)]
        socks = [socket.create_connection(("127.0.0.1", ports["tcp"]))
                 for _ in range(args.connections)]
        procs = [collector, *workers]
        before = rows_now(url, "ingest_authlog")
        cpu0 = [cpu_seconds(p.pid) for p in procs]
        busy0, postgres0, own0 = machine_busy_seconds(), postgres_seconds(), time.process_time()
        started = time.monotonic()
        for s, chunk in zip(socks, chunks, strict=True):
            s.sendall(chunk)
        sent = time.monotonic()
        for s in socks:
            s.close()
        got, done = wait_rows(url, "ingest_authlog", before, args.messages, timeout=600)
        e2e = got / (done - started)
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True)]
        busy = machine_busy_seconds() - busy0
        postgres = postgres_seconds() - postgres0
        own = time.process_time() - own0  # sending, then counting rows
        copy_rate = raw_copy_rate(url, lines)
        text_rate = text_copy_rate(url, lines)
        print(f"TCP end to end: {got}/{args.messages} auth messages in {done - started:.2f} s "
              f"(socket send took {sent - started:.2f} s, {args.workers} workers, "
              f"{args.connections} connections)")
        print(f"CPU per message: collector {1e6 * cpu[0] / got:.1f} µs, workers "
              f"{1e6 * sum(cpu[1:]) / got:.1f} µs, PostgreSQL {1e6 * postgres / got:.1f} µs, "
              f"this bench (sender, row counts) {1e6 * own / got:.1f} µs, the rest of the "
              f"machine (Redis, kernel, other processes) "
              f"{1e6 * (busy - sum(cpu) - postgres - own) / got:.1f} µs")
        print(f"{'':40} {'rows/s':>12} {'ratio':>7}")
        print(f"{'end to end (collector+workers+PG)':40} {e2e:>12,.0f} {1:>7.3f}")
        print(f"{'plain COPY, lines into a text table':40} {text_rate:>12,.0f} "
              f"{e2e / text_rate:>7.3f}")
        print(f"{'plain COPY, parsed rows, authlog shape':40} {copy_rate:>12,.0f} "
              f"{e2e / copy_rate:>7.3f}")

        n_udp = int(args.udp_rate * args.udp_seconds)
        if n_udp:  # --udp-rate 0: the TCP figures only
            udp_before = rows_now(url, "ingest_sessionlog")
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                t0 = time.monotonic()
                for i in range(n_udp):
                    sec = i % 86400
                    line = (f"2024/02/{1 + i // 86400:02d} {sec // 3600:02d}:{sec // 60 % 60:02d}:"
                            f"{sec % 60:02d},PCUDP{i % 7},{i}")
                    s.sendto(b"<14>popchat-session: " + line.encode(), ("127.0.0.1", ports["udp"]))
                    target = t0 + (i + 1) / args.udp_rate
                    while time.monotonic() < target:
                        pass
                paced = n_udp / (time.monotonic() - t0)
            got_udp, _ = wait_rows(url, "ingest_sessionlog", udp_before, n_udp, timeout=180,
                                   stall=30)
            lost = n_udp - got_udp
            print(f"UDP at {paced:,.0f} msgs/s for {args.udp_seconds:.0f} s: "
                  f"{n_udp - lost}/{n_udp} stored, loss {100 * lost / n_udp:.3f} %")
    finally:
        collector.terminate()
        collector.wait(30)
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(30)
    print("rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
          "REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/ingest.py "
          f"--messages {args.messages} --workers {args.workers} --prefill {args.prefill} "
          f"--connections {args.connections} --udp-rate {args.udp_rate} "
          f"--udp-seconds {args.udp_seconds:g}" + (" --ordered" if args.ordered else ""))


if __name__ == "__main__":
    main()
