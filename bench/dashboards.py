"""Dashboard benchmark: a large month in PostgreSQL, real HTTP through gunicorn.

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/dashboards.py --auth 5000000 --gateways 50

It creates (and drops first) the database `sc_bench_portal` on that server,
migrates it, registers one account with --gateways gateways and loads one
month (February 2024) with generate_series directly in PostgreSQL: --auth
auth records, as many active records, and proportionate control, DHCP, mail,
session, traffic and active-user records. Then it builds the rollups
(`refresh_rollups --month … --quiescent`, timed), starts gunicorn, logs in
through the login form (pages) and with an API token (JSON), and prints p50 /
p95 per JSON endpoint (account-wide and one gateway) and per page, then
streams the account-wide auth download and prints rows/s and the gunicorn
worker's peak RSS. --reuse skips the load when the database is there.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB = "sc_bench_portal"
MONTH = "2024-02"
ACCOUNT = "A00799001"
PASSWORD = "Bench-portal-42!"

ENDPOINTS = [
    "/api/v1/stats/connections?month={m}",
    "/api/v1/stats/connection-time?month={m}",
    "/api/v1/stats/roaming?month={m}&by=gateway",
    "/api/v1/stats/roaming?month={m}&by=vlan",
    "/api/v1/stats/connection-pivot?month={m}&view=day-hour",
    "/api/v1/stats/connection-pivot?month={m}&view=country",
    "/api/v1/stats/connection-pivot?month={m}&view=language",
    "/api/v1/stats/connection-pivot?month={m}&view=weekday-hour",
    *[f"/api/v1/stats/distribution?month={{m}}&dimension={d}" for d in
      ("device", "browser", "os", "country", "language", "age", "gender", "auth_method",
       "openid")],
    "/api/v1/stats/control?month={m}",
    "/api/v1/stats/system?month={m}",
]
PAGES = ["/syslog/?month={m}", "/syslog/trend/?month={m}", "/syslog/users/?month={m}",
         "/syslog/system/?month={m}", "/syslog/download/?month={m}"]


def db_url(base: str, name: str) -> str:
    p = urllib.parse.urlparse(base)
    return urllib.parse.urlunparse(p._replace(path="/" + name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- loading ----------------------------------------------------------------

def load(conn, *, n_auth: int, gateways: int) -> None:
    """Everything with INSERT … SELECT generate_series: no rows cross the wire."""
    gw = ("(SELECT array_agg(id ORDER BY gateway_id) AS g FROM accounts_gateway "
          "WHERE gateway_id LIKE 'PCBENCH%%')")
    span = 29 * 86400
    mac_pool = max(1000, n_auth // 10)
    mac = (f"'02:' || regexp_replace(lpad(to_hex(((i::bigint * 2654435761) %% {mac_pool})),"
           " 10, '0'), '(..)(?!$)', '\\1:', 'g')")
    at = (f"(timestamptz '2024-02-01 00:00:00+09'"
          f" + make_interval(secs => i::float8 * {span} / %(n)s))")
    steps = [
        ("auth", n_auth, f"""
INSERT INTO ingest_authlog (gateway_id, digest, port, port_label, ip, mac, start, "end",
  auth_method, access_id, area_code, postal_code, language, country, charge, auth_domain_id,
  openid_provider, gender, age_band, device_type, device_os, device_app)
SELECT gws.g[1 + (i * 7) %% {gateways}], decode(md5('auth' || i), 'hex'),
  (ARRAY['10','20','30',''])[1 + i %% 4], '', '10.0.0.1', {mac}, {at}, {at},
  (ARRAY['000','102','103','203','106','002','999'])[1 + (i / 3) %% 7], '', '', '',
  (ARRAY['ja','en','zh','ko','fr',''])[1 + (i / 5) %% 6],
  (ARRAY['JP','US','CN','KR','FR','TW','TH',''])[1 + (i / 11) %% 8], NULL, '',
  (ARRAY['00','01','02','03','04','06'])[1 + (i / 13) %% 6],
  (ARRAY['0','1',''])[1 + (i / 17) %% 3],
  (ARRAY['0','1','2','3','4','5','6',''])[1 + (i / 19) %% 8],
  (ARRAY['iPhone','Android','PC','iPad',''])[1 + (i / 23) %% 5],
  (ARRAY['iOS 17.5','Android 14','Windows 11','macOS 14',''])[1 + (i / 29) %% 5],
  (ARRAY['Safari','Chrome','Edge','Firefox',''])[1 + (i / 31) %% 5]
FROM generate_series(0, %(n)s - 1) AS i, {gw} AS gws"""),
        ("active", n_auth, f"""
INSERT INTO ingest_activelog (gateway_id, digest, port, port_label, ip, mac, start, "end",
  status, usage_seconds)
SELECT gws.g[1 + (i * 7 + (i / 5) %% 3) %% {gateways}], decode(md5('active' || i), 'hex'),
  (ARRAY['10','20','30',''])[1 + i %% 4], '', '10.0.0.1', {mac}, {at}, {at} + interval '20 min',
  (ARRAY['00','01','02','20','21','22'])[1 + (i / 3) %% 6], 60 + (i * 37) %% 7200
FROM generate_series(0, %(n)s - 1) AS i, {gw} AS gws"""),
        ("control", n_auth // 50, f"""
INSERT INTO ingest_controllog (gateway_id, digest, at, kind, mac, ip, value)
SELECT gws.g[1 + i %% {gateways}], decode(md5('control' || i), 'hex'), {at},
  (ARRAY['0','1','2'])[1 + (i / 7) %% 3], {mac}, '10.0.0.1', '1'
FROM generate_series(0, %(n)s - 1) AS i, {gw} AS gws"""),
        ("dhcp", n_auth // 5, f"""
INSERT INTO ingest_dhcplog (gateway_id, digest, at, message_type, mac, ip)
SELECT gws.g[1 + i %% {gateways}], decode(md5('dhcp' || i), 'hex'), {at},
  (ARRAY['DHCPDISCOVER','DHCPOFFER','DHCPREQUEST','DHCPACK'])[1 + i %% 4], {mac}, '10.0.0.1'
FROM generate_series(0, %(n)s - 1) AS i, {gw} AS gws"""),
        ("mail", n_auth // 100, f"""
INSERT INTO ingest_maillog (gateway_id, digest, at, kind, ip, mail_from, mail_to, smtp_status)
SELECT gws.g[1 + i %% {gateways}], decode(md5('mail' || i), 'hex'), {at}, '0', '10.0.0.1',
  'a@example.jp', 'b@example.jp', '250'
FROM generate_series(0, %(n)s - 1) AS i, {gw} AS gws"""),
    ]
    # Gauges: one sample per gateway every 5 minutes.
    samples = gateways * 29 * 288
    for table, cols, values in (
        ("session", "sessions", "(i * 13) %% 300"),
        ("traffic", "rx_bps, tx_bps",
         "(i::bigint * 7919) %% 100000000, (i::bigint * 104729) %% 20000000"),
        ("activeuser", "users", "(i * 17) %% 50"),
    ):
        steps.append((table, samples, f"""
INSERT INTO ingest_{table}log (gateway_id, digest, at, {cols})
SELECT gws.g[1 + i %% {gateways}], decode(md5('{table}' || i), 'hex'),
  timestamptz '2024-02-01 00:00:00+09' + make_interval(secs => (i / {gateways}) * 300.0),
  {values}
FROM generate_series(0, %(n)s - 1) AS i, {gw} AS gws"""))
    # The rows reference gateways that exist by construction: skip the per-row
    # foreign-key triggers for the load (superuser only), as pg_restore does.
    conn.execute("SET session_replication_role = replica")
    for name, n, sql in steps:
        t0 = time.monotonic()
        conn.execute(sql, {"n": n})
        conn.commit()
        print(f"  loaded {name:<10} {n:>10,} rows in {time.monotonic() - t0:6.1f}s", flush=True)
    conn.execute("SET session_replication_role = DEFAULT")
    conn.execute("ANALYZE")
    conn.commit()


# --- HTTP ---------------------------------------------------------------------

class Http:
    """A keep-alive HTTP/1.1 client with a cookie jar of one site."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict | None = None) -> http.client.HTTPResponse:
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=h)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request(method, path, body=body, headers=h)
            response = self.conn.getresponse()
        for k, v in response.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        r = self.request("GET", path, headers=headers)
        return r.status, r.read()

    def login(self, username: str, password: str) -> None:
        status, html = self.get("/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                       "password": password, "next": "/"})
        r = self.request("POST", "/login/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}/login/"})
        r.read()
        if r.status != 302:
            raise SystemExit(f"login failed: HTTP {r.status}")


def timed(client: Http, path: str, n: int, headers: dict | None = None) -> list[float]:
    status, _body = client.get(path, headers)  # warm-up
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status}")
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        status, _body = client.get(path, headers)
        out.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status)
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p * len(values) + 0.5) - 1))]


def report(rows: list[tuple[str, list[float]]], goal: float) -> None:
    for name, ms in rows:
        p50, p95 = statistics.median(ms), pct(ms, 0.95)
        flag = "ok " if p95 < goal else "SLOW"
        print(f"  {flag} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {name}")


def worker_pids(master: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == master:
                out.append(int(d.name))
    return out


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_gunicorn(env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "syslogcloud.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--timeout", "600", "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, port


class _Skip(Exception):
    pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--auth", type=int, default=5_000_000, help="auth records in the month")
    ap.add_argument("--gateways", type=int, default=50)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    ap.add_argument("--download-only", action="store_true",
                    help="skip the endpoint and page timings")
    args = ap.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must point at a PostgreSQL server")
    url = db_url(base, DB)
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", PYTHONUNBUFFERED="1",
               STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage")
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    sys.path.insert(0, str(REPO))
    import psycopg

    exists = False
    with psycopg.connect(base, autocommit=True) as admin:
        exists = bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [DB]).fetchone())
        if not (args.reuse and exists):
            admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {DB}")
            exists = False
    manage = [sys.executable, "manage.py"]
    if not exists:
        subprocess.run([*manage, "migrate", "-v0"], cwd=REPO, env=env, check=True)
        # February's own partition, as the scheduler would have made it ahead.
        subprocess.run([*manage, "partitions", "--month", "2024-02"], cwd=REPO, env=env,
                       check=True, stdout=subprocess.DEVNULL)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")
    django.setup()
    from accounts.models import Account, ApiToken, User
    from accounts.services import account_create, gateway_register, user_create

    if not exists:
        account = account_create(account_id=ACCOUNT, name="Bench")
        for i in range(args.gateways):
            gateway_register(gateway_id=f"PCBENCH{i:03d}", account=account)
        user_create(account=account, user_id="bench", password=PASSWORD, name="Bench")
        print(f"loading {args.auth:,} auth records over {args.gateways} gateways …", flush=True)
        with psycopg.connect(url) as conn:
            load(conn, n_auth=args.auth, gateways=args.gateways)
        t0 = time.monotonic()
        subprocess.run([*manage, "refresh_rollups", "--month", MONTH, "--quiescent"],
                       cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"rollups built in {time.monotonic() - t0:.1f}s (refresh_rollups --month "
              f"{MONTH} --quiescent)", flush=True)
    account = Account.objects.get(account_id=ACCOUNT)
    user = User.objects.get(username="bench")
    _token, secret = ApiToken.issue(user)
    with psycopg.connect(url) as conn:
        n_auth = conn.execute("SELECT count(*) FROM ingest_authlog").fetchone()[0]
    one = account.gateways.order_by("gateway_id").first().gateway_id

    bearer = {"Authorization": f"Bearer {secret}"}
    proc, port = start_gunicorn(env, workers=2)
    try:
        if args.download_only:
            raise _Skip
        api = Http(port)
        print(f"\nJSON endpoints ({args.iterations} requests each, goal p95 < 300 ms)")
        rows = []
        for scope, extra in (("account", ""), (one, f"&gateway={one}")):
            for ep in ENDPOINTS:
                path = ep.format(m=MONTH) + extra
                rows.append((f"[{scope}] {path}", timed(api, path, args.iterations, bearer)))
        report(rows, 300)
        browser = Http(port)
        browser.login("bench", PASSWORD)
        print(f"\npages ({args.iterations} requests each, goal p95 < 500 ms)")
        rows = []
        for scope, extra in (("account", ""), (one, f"&gateway={one}")):
            for page in PAGES:
                path = page.format(m=MONTH) + extra
                rows.append((f"[{scope}] {path}", timed(browser, path, args.iterations)))
        report(rows, 500)
    except _Skip:
        pass
    finally:
        proc.terminate()
        proc.wait()

    proc, port = start_gunicorn(env, workers=1)
    try:
        time.sleep(0.5)
        worker = worker_pids(proc.pid)[0]
        before = peak_rss_mb(worker)
        client = Http(port)
        t0 = time.perf_counter()
        r = client.request("GET", f"/api/v1/downloads/auth?month={MONTH}", headers=bearer)
        d = zlib.decompressobj(31)
        lines = size = 0
        while chunk := r.read(1 << 16):
            size += len(chunk)
            lines += d.decompress(chunk).count(b"\n")
        lines += d.flush().count(b"\n")
        secs = time.perf_counter() - t0
        print(f"\ndownload auth_{ACCOUNT}_{MONTH.replace('-', '')}.csv.gz: {lines:,} rows "
              f"({n_auth:,} in the table), {size / 1e6:.1f} MB gzip in {secs:.1f}s = "
              f"{lines / secs:,.0f} rows/s (goal ≥ 100,000); worker peak RSS "
              f"{peak_rss_mb(worker):.0f} MB (before the download {before:.0f} MB, goal < 150)")
    finally:
        proc.terminate()
        proc.wait()
    print(f"\nrerun: DATABASE_URL={base} .venv/bin/python bench/dashboards.py "
          f"--auth {args.auth} --gateways {args.gateways}  (add --reuse to skip the load)")


if __name__ == "__main__":
    main()
