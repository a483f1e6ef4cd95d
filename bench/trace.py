"""Terminal lookup benchmark (SPEC §7): p50/p95 of GET /api/v1/trace on an
account holding many log records, on PostgreSQL.

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/trace.py --records 50000000

It creates (dropping first) the database `sc_trace_bench` (--database) on
that server, migrates it, and loads one account with `--gateways` gateways
and `--records` auth + active + DHCP + control records spread over a year
with COPY (not the collector). Every gateway hands out the same private
range (10.0.0.0/22), so an address is reused thousands of times across the
account and the year: the case the lookup's indexes are for. The loader
drops the tables' secondary indexes and FK triggers for the load and builds
the indexes afterwards, as one would restore a dump.

It then times the real API in-process (Django's test client, session login,
the operation-history row included) for random lookups of each kind and
prints p50/p95/max per kind. `--drop` removes the database at the end.

    .venv/bin/python bench/trace.py --index-cost 4 --records 500000

instead times COPY into the four log tables with and without the trace
indexes (the insert cost every ingested record pays for the lookup).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TABLES = ("ingest_authlog", "ingest_activelog", "ingest_dhcplog", "ingest_controllog")
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 366 * 86400
ADDRESSES = 1024  # 10.0.0.0/22 at every gateway
# A session is one auth + one active + two DHCP (REQUEST, ACK) records, and
# every second session also hits a limit (one control record).
RECORDS_PER_SESSION = 4.5


def psql(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


_DAYS: dict[int, str] = {}


def ts(second: int) -> str:
    """PostgreSQL timestamptz text of YEAR_START + `second` (strftime per row
    would make the generator, not the database, the bottleneck)."""
    day, rest = divmod(second, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (YEAR_START + timedelta(days=day)).strftime("%Y-%m-%d")
    return f"{prefix} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}+00"


class Loader:
    """Generates sessions and writes them to the four tables with COPY."""

    def __init__(self, conn: psycopg.Connection, gateways: list[int], terminals: int,
                 seed: int) -> None:
        self.conn = conn
        self.gateways = gateways
        self.terminals = terminals
        self.rng = random.Random(seed)
        self.digest = 0
        self.samples: list[tuple[str, datetime, str]] = []  # (ip, moment, mac)

    def next_digest(self) -> bytes:
        # Unique and increasing: appends to the digest index's right edge.
        self.digest += 1
        return self.digest.to_bytes(16, "big")

    def mac(self) -> str:
        # A few regulars and a long tail of one-time visitors.
        n = int(self.terminals * self.rng.random() ** 2)
        return f"02:{n >> 32 & 255:02x}:{n >> 24 & 255:02x}:{n >> 16 & 255:02x}:" \
               f"{n >> 8 & 255:02x}:{n & 255:02x}"

    def load(self, sessions: int, batch: int = 200_000) -> None:
        done = 0
        started = time.monotonic()
        while done < sessions:
            n = min(batch, sessions - done)
            self._copy_batch(n)
            done += n
            rate = done * RECORDS_PER_SESSION / (time.monotonic() - started)
            print(f"  {done * RECORDS_PER_SESSION:,.0f}/{sessions * RECORDS_PER_SESSION:,.0f} "
                  f"records ({rate:,.0f}/s)", flush=True)

    def _copy_batch(self, n: int) -> None:
        copy_lines(self.conn, self.lines(n))
        self.conn.commit()

    def lines(self, n: int) -> dict[str, list[str]]:
        """COPY text lines of `n` sessions, per table."""
        rng = self.rng
        auth, active, dhcp, control = [], [], [], []
        for _ in range(n):
            gw = rng.choice(self.gateways)
            ip = f"10.0.{rng.randrange(4)}.{rng.randrange(256)}"
            mac = self.mac()
            start = rng.randrange(YEAR_SECONDS)
            minutes = rng.choice((5, 15, 30, 60, 120, 240)) if rng.random() < .97 \
                else rng.randrange(240, 1440)
            end = start + minutes * 60 + rng.randrange(60)
            s, e = ts(start), ts(end)
            ack = start - rng.randrange(1, 30)
            auth.append(f"{gw}\t10\tAP-{gw}\t{ip}\t{mac}\t{s}\t{e}\t103\t\t\t\tja\tJP\t\\N\t\t"
                        f"\t1\t2\tiPhone\tiOS 17.5\tSafari\t\\\\x{self.next_digest().hex()}\n")
            active.append(f"{gw}\t10\tAP-{gw}\t{ip}\t{mac}\t{s}\t{e}\t00\t{minutes * 60}\t"
                          f"\\\\x{self.next_digest().hex()}\n")
            for kind, at in (("DHCPREQUEST", ack - 1), ("DHCPACK", ack)):
                dhcp.append(f"{gw}\t{ts(at)}\t{kind}\t{mac}\t{ip}\t"
                            f"\\\\x{self.next_digest().hex()}\n")
            if rng.random() < .5:
                at = start + rng.randrange(60, 300)
                control.append(f"{gw}\t{ts(at)}\t1\t{mac}\t{ip}\t50\t"
                               f"\\\\x{self.next_digest().hex()}\n")
            if rng.random() < 200 / max(n, 1) and len(self.samples) < 5000:
                moment = YEAR_START + timedelta(seconds=start + (end - start) * rng.random())
                self.samples.append((ip, moment, mac))
        return dict(zip(TABLES, (auth, active, dhcp, control), strict=True))


COLUMNS = {
    "ingest_authlog": "gateway_id, port, port_label, ip, mac, start, \"end\", auth_method, "
                      "access_id, area_code, postal_code, language, country, charge, "
                      "auth_domain_id, openid_provider, gender, age_band, device_type, "
                      "device_os, device_app, digest",
    "ingest_activelog": "gateway_id, port, port_label, ip, mac, start, \"end\", status, "
                        "usage_seconds, digest",
    "ingest_dhcplog": "gateway_id, at, message_type, mac, ip, digest",
    "ingest_controllog": "gateway_id, at, kind, mac, ip, value, digest",
}


def copy_lines(conn: psycopg.Connection, lines: dict[str, list[str]], suffix: str = "") -> None:
    with conn.cursor() as cur:
        for table, rows in lines.items():
            with cur.copy(f"COPY {table}{suffix} ({COLUMNS[table]}) FROM STDIN") as copy:
                for i in range(0, len(rows), 20_000):
                    copy.write("".join(rows[i:i + 20_000]))


# The indexes ingest/migrations/0003_trace_indexes.py adds.
TRACE_INDEXES = ("authlog_trace_ip", "activelog_trace_ip", "authlog_trace_ip_long",
                 "activelog_trace_ip_long", "authlog_trace_mac", "activelog_trace_mac",
                 "controllog_trace_mac", "dhcplog_trace_mac", "dhcplog_trace_ack")


def index_cost(url: str, sessions: int, rounds: int, seed: int) -> None:
    """The trace indexes' cost on inserts, isolated from the collector and
    workers: COPY the same rows into copies of the four tables with and
    without them, alternating, on a table that already holds a few rounds."""
    with psycopg.connect(url, autocommit=True) as conn:
        gateways = [conn.execute(
            "INSERT INTO accounts_gateway (gateway_id, label, allowed_cidrs, first_seen_at) "
            "VALUES ('PCCOST', '', '', now()) RETURNING id").fetchone()[0]]
        indexes = secondary_indexes(conn)
        for variant in ("plain", "trace"):
            for table in TABLES:
                conn.execute(f"CREATE TABLE {table}_{variant} "
                             f"(LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                             "INCLUDING IDENTITY)")
                conn.execute(f"ALTER TABLE {table}_{variant} ADD PRIMARY KEY (id), "
                             "ADD UNIQUE (digest)")
            for name, ddl in indexes:
                if variant == "plain" and name in TRACE_INDEXES:
                    continue
                table = next(t for t in TABLES if f" ON public.{t} " in ddl)
                conn.execute(ddl.replace(f"INDEX {name} ON public.{table} ",
                                         f"INDEX {name}_{variant} ON public.{table}_{variant} "))
        loader = Loader(conn, gateways, terminals=100_000, seed=seed)
        totals = {"plain": [0, 0.0], "trace": [0, 0.0]}
        for r in range(rounds):
            lines = loader.lines(sessions)
            n = sum(len(v) for v in lines.values())
            for variant in ("plain", "trace") if r % 2 == 0 else ("trace", "plain"):
                t = time.monotonic()
                copy_lines(conn, lines, f"_{variant}")
                totals[variant][0] += n
                totals[variant][1] += time.monotonic() - t
        for variant, (n, seconds) in totals.items():
            label = "with the trace indexes" if variant == "trace" else "without them"
            print(f"COPY into the four log tables {label}: {n / seconds:,.0f} rows/s "
                  f"({n:,} rows)")
        plain = totals["plain"][0] / totals["plain"][1]
        trace = totals["trace"][0] / totals["trace"][1]
        print(f"insert cost of the trace indexes: {100 * (plain / trace - 1):.0f} % more time "
              "per row")


def secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the log tables' indexes that back no constraint."""
    return conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [list(TABLES)]).fetchall()


def prepare(url: str, args) -> tuple[list[tuple[str, datetime, str]], float]:
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO accounts_account (account_id, name, created_at) "
                     "VALUES ('A09900001', 'Trace bench', now())")
        account = conn.execute("SELECT id FROM accounts_account").fetchone()[0]
        gateways = []
        for g in range(args.gateways):
            gateways.append(conn.execute(
                "INSERT INTO accounts_gateway (gateway_id, account_id, label, allowed_cidrs, "
                "first_seen_at, registered_at) VALUES (%s, %s, %s, '', now(), now()) "
                "RETURNING id", [f"PCTRACE{g:03d}", account, f"Site {g}"]).fetchone()[0])
        conn.commit()
        indexes = secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        for table in TABLES:
            # FK checks per row would dominate the load; the gateways exist.
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        conn.commit()
        loader = Loader(conn, gateways, terminals=max(1000, args.records // 40), seed=args.seed)
        sessions = int(args.records / RECORDS_PER_SESSION)
        print(f"loading {sessions:,} sessions ≈ {args.records:,} records …", flush=True)
        t0 = time.monotonic()
        loader.load(sessions)
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        conn.commit()
        conn.autocommit = True
        conn.execute(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
        for name, ddl in indexes:
            t = time.monotonic()
            conn.execute(ddl)
            print(f"  index {name}: {time.monotonic() - t:.0f} s", flush=True)
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
        load_seconds = time.monotonic() - t0
        total = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))"
                            ).fetchone()[0]
        print(f"loaded {total:,} records in {load_seconds:.0f} s; database {size}", flush=True)
    return loader.samples, total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(url: str, samples, queries: int, seed: int) -> dict[str, list[float]]:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # eager tasks: the bench needs no worker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")
    import django

    django.setup()
    from django.test import Client

    from accounts.models import Account
    from accounts.services import user_create

    user = user_create(account=Account.objects.get(account_id="A09900001"), user_id="bench",
                       password="Bench-password-42", admin=True)
    client = Client()
    client.force_login(user)
    rng = random.Random(seed)
    kinds: dict[str, list[float]] = {"ip (in use)": [], "ip (random moment)": [],
                                     "mac (31 days)": []}
    answers: dict[str, int] = dict.fromkeys(kinds, 0)

    def timed(kind: str, params: dict) -> None:
        t = time.perf_counter()
        response = client.get("/api/v1/trace", params)
        kinds[kind].append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        answers[kind] += sum(len(v) for v in body.values())

    jst = timedelta(hours=9)
    for _ in range(queries):
        ip, moment, mac = rng.choice(samples)
        timed("ip (in use)", {"ip": ip, "at": (moment + jst).strftime("%Y/%m/%d %H:%M:%S")})
        random_moment = YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS)) + jst
        timed("ip (random moment)", {"ip": f"10.0.{rng.randrange(4)}.{rng.randrange(256)}",
                                     "at": random_moment.strftime("%Y/%m/%d %H:%M:%S")})
        first = (moment + jst).date() - timedelta(days=rng.randrange(31))
        timed("mac (31 days)", {"mac": mac.upper().replace(":", "-"),
                                "from": first.isoformat(),
                                "to": (first + timedelta(days=31)).isoformat()})
    for kind in kinds:
        kinds[kind].append(answers[kind] / queries)  # mean rows per answer, popped below
    return kinds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50_000_000)
    ap.add_argument("--gateways", type=int, default=100)
    ap.add_argument("--queries", type=int, default=200, help="lookups per kind")
    ap.add_argument("--database", default="sc_trace_bench")
    ap.add_argument("--maintenance-work-mem", default="512MB")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--drop", action="store_true", help="drop the database at the end")
    ap.add_argument("--reuse", action="store_true", help="measure an already loaded database")
    ap.add_argument("--index-cost", type=int, metavar="ROUNDS", default=0,
                    help="instead: time COPY with and without the trace indexes, ROUNDS "
                         "rounds of --records records each")
    args = ap.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server")
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    url = base.rsplit("/", 1)[0] + "/" + args.database
    if args.index_cost:
        psql(admin_url, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        psql(admin_url, f"CREATE DATABASE {args.database}")
        env = dict(os.environ, DATABASE_URL=url)
        env.pop("REDIS_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env,
                       check=True)
        try:
            index_cost(url, int(args.records / RECORDS_PER_SESSION), args.index_cost, args.seed)
        finally:
            psql(admin_url, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        print(f"rerun: DATABASE_URL=postgres://…/postgres .venv/bin/python bench/trace.py "
              f"--index-cost {args.index_cost} --records {args.records}")
        return
    try:
        if args.reuse:
            with psycopg.connect(url) as conn:
                total = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                            for t in TABLES)
                rows = conn.execute(
                    "SELECT host(ip), start + (\"end\" - start) / 2, mac FROM ingest_authlog "
                    "TABLESAMPLE SYSTEM (0.1) LIMIT 2000").fetchall()
            samples = [(ip, at, mac) for ip, at, mac in rows]
        else:
            psql(admin_url, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            psql(admin_url, f"CREATE DATABASE {args.database}")
            env = dict(os.environ, DATABASE_URL=url)
            env.pop("REDIS_URL", None)
            subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env,
                           check=True)
            samples, total = prepare(url, args)
        timings = measure(url, samples, args.queries, args.seed)
    finally:
        if args.drop:
            from django.db import connections

            connections.close_all()
            psql(admin_url, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
    print()
    print(f"data: {total:,} records (auth + active + dhcp + control), {args.gateways} "
          f"gateways, one account; {args.queries} lookups per kind, in-process API calls")
    print(f"{'kind':<22}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'rows/answer':>13}")
    for kind, values in timings.items():
        rows_per_answer = values.pop()
        print(f"{kind:<22}{statistics.median(values):>10.1f}{percentile(values, 95):>10.1f}"
              f"{max(values):>10.1f}{rows_per_answer:>13.1f}")
    print(f"rerun: DATABASE_URL=postgres://…/postgres .venv/bin/python bench/trace.py "
          f"--records {args.records} --gateways {args.gateways} --queries {args.queries}"
          f"{' --drop' if args.drop else ''}")


if __name__ == "__main__":
    main()
