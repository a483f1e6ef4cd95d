"""Rows 2-5 of the "nothing lost" issue, with real parts: the test's own
redis-server, real Celery worker processes killed with signals, and real
PostgreSQL backends terminated while a batch is being copied in."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from ingest.items import Item
from ingest.models import DeadLetter, SessionLog
from tests.conftest import Process, free_port, subprocess_env, using_postgres, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not using_postgres(), reason="PostgreSQL backends are killed"),
]


def session_items(n: int, gw: str = "GW-KILL") -> list[list]:
    now = time.time()
    return [list(Item("session", f"2024/02/{1 + i // 1440 % 28:02} {i // 60 % 24:02}:"
                                 f"{i % 60:02}:00,{gw}{i // 40320},{i}", "192.0.2.1", "udp", now))
            for i in range(n)]


def dsn() -> str:
    s = connection.settings_dict
    return (f"host={s.get('HOST') or '127.0.0.1'} port={s.get('PORT') or 5432} "
            f"user={s.get('USER') or 'postgres'} dbname={s['NAME']}")


def copy_backends(conn) -> list[int]:
    return [pid for (pid,) in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'COPY \"%'")]


class BackendKiller(threading.Thread):
    """Terminates the backend of each COPY into a log or staging table, `times` times."""

    def __init__(self, times: int, timeout: float = 60) -> None:
        super().__init__(daemon=True)
        self.times, self.timeout = times, timeout
        self.killed: list[int] = []

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        with psycopg.connect(dsn(), autocommit=True) as conn:
            while len(self.killed) < self.times and time.monotonic() < deadline:
                for pid in copy_backends(conn):
                    conn.execute("SELECT pg_terminate_backend(%s)", [pid])
                    self.killed.append(pid)
                time.sleep(0.002)


class Stack:
    """The test's own redis-server and worker processes on the test database."""

    def __init__(self, tmp_path: Path, *, aof: bool = False) -> None:
        self.tmp_path = tmp_path
        self.port = free_port()
        self.aof = aof
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workers: list[Process] = []
        self.start_redis()

    def start_redis(self) -> None:
        """Without AOF as in CI; with it as docker-compose runs the broker
        (append-only file, fsync every second, in a directory that survives)."""
        persistence = (["--appendonly", "yes", "--appendfsync", "everysec"] if self.aof
                       else ["--appendonly", "no"])
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(self.tmp_path), *persistence],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._redis_up, timeout=10)

    def kill_redis(self) -> None:
        self.redis.kill()  # SIGKILL: no shutdown save, what a crash or OOM kill does
        self.redis.wait()

    def _redis_up(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except redis.ConnectionError:
            return False

    def worker(self, *, pool: str = "solo", **env: str) -> Process:
        env = subprocess_env(REDIS_URL=self.url, **env)
        proc = Process([sys.executable, "-m", "celery", "-A", "syslogcloud", "worker",
                        f"--pool={pool}", "--concurrency=1", "--loglevel=INFO",
                        "--without-heartbeat", "--without-gossip", "--without-mingle"],
                       env, self.tmp_path / f"worker{len(self.workers)}.log")
        self.workers.append(proc)
        proc.wait_for("ready", timeout=90)
        return proc

    def send(self, items: list[list]) -> None:
        from ingest.tasks import store_batch

        with store_batch.app.connection_for_write(self.url) as conn:
            store_batch.apply_async(args=(items,), connection=conn)

    def close(self) -> None:
        for w in self.workers:
            w.stop(signal.SIGKILL if w.proc.poll() is None else 15, timeout=5)
            _kill_children(w.proc.pid)
        self.redis.kill()
        self.redis.wait()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def _kill_children(pid: int) -> None:
    for child in _children(pid):
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def stack(tmp_path, transactional_db):
    s = Stack(tmp_path)
    yield s
    s.close()


def stored() -> int:
    return SessionLog.objects.count()


def test_a_connection_killed_mid_copy_is_retried_not_lost(stack) -> None:
    """Row 2: psycopg errors inside COPY were not Django errors, so not retried."""
    worker = stack.worker()
    killer = BackendKiller(times=2)
    killer.start()
    stack.send(session_items(60000))
    wait_until(lambda: stored() == 60000, timeout=120, message=worker.output()[-3000:])
    killer.join(1)
    assert len(killer.killed) == 2, "the test did not catch a COPY in flight"
    assert not DeadLetter.objects.exists()


def test_a_killed_pool_child_requeues_its_batch_at_once(stack) -> None:
    """Row 4: what the OOM killer does to a prefork child mid-task."""
    worker = stack.worker(pool="prefork")
    stack.send(session_items(60000))
    with psycopg.connect(dsn(), autocommit=True) as conn:
        wait_until(lambda: copy_backends(conn), timeout=60, interval=0.005)
    [child] = _children(worker.proc.pid)
    os.kill(child, signal.SIGKILL)
    # Requeued at once (not after the visibility timeout) and stored by the new child.
    wait_until(lambda: stored() == 60000, timeout=60, message=worker.output()[-3000:])


def test_a_killed_worker_batch_is_redelivered_after_the_visibility_timeout(stack) -> None:
    """Row 5: the whole worker killed mid-task; another worker gets the batch
    once the visibility timeout (here 8 s, by default 5 minutes) passes."""
    worker = stack.worker(CELERY_VISIBILITY_TIMEOUT="8")
    stack.send(session_items(60000))
    with psycopg.connect(dsn(), autocommit=True) as conn:
        wait_until(lambda: copy_backends(conn), timeout=60, interval=0.005)
    worker.proc.kill()
    worker.proc.wait()
    started = time.monotonic()
    second = stack.worker(CELERY_VISIBILITY_TIMEOUT="8")
    wait_until(lambda: stored() == 60000, timeout=90, message=second.output()[-3000:])
    assert time.monotonic() - started < 90


def test_the_visibility_timeout_exceeds_the_longest_retry_countdown(settings) -> None:
    from ingest.tasks import retry_countdown

    longest = max(retry_countdown(n) for n in range(100))
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert longest == settings.CELERY_TASK_RETRY_BACKOFF_MAX
    assert visibility >= longest + 120  # plus a batch's run time, with room
    assert visibility <= 600  # and a killed worker's batches return within minutes
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST and settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_redis_killed_without_warning_loses_no_queued_or_prefetched_batch(tmp_path,
                                                                          transactional_db
                                                                          ) -> None:
    """Row 7: the broker as docker-compose runs it (AOF, fsync every second)
    killed with SIGKILL while a worker holds one batch and nine wait in the
    queue, then started again on its files: every batch is stored. The
    prefetched one comes back after the visibility timeout (8 s here)."""
    stack = Stack(tmp_path, aof=True)
    try:
        worker = stack.worker(pool="prefork", CELERY_VISIBILITY_TIMEOUT="8")
        for k in range(10):
            stack.send(session_items(6000, gw=f"GW-REDIS{k}-"))
        with psycopg.connect(dsn(), autocommit=True) as conn:
            wait_until(lambda: copy_backends(conn), timeout=60, interval=0.005)
        time.sleep(1.5)  # past the one-second fsync window the README states
        stack.kill_redis()
        time.sleep(2)
        stack.start_redis()
        wait_until(lambda: stored() == 60000, timeout=120, message=worker.output()[-3000:])
        assert not DeadLetter.objects.exists()
    finally:
        stack.close()


def test_a_parked_batch_is_replayed_and_a_broken_one_stays_parked() -> None:
    from ingest.services import dead_letter_park, dead_letters_replay

    dead_letter_park(items=session_items(10), reason="RuntimeError: a bug, since fixed")
    dead_letter_park(items=[["session"]], reason="TypeError: not an item")
    assert dead_letters_replay() == {"replayed": 1, "still_failing": 1}
    assert stored() == 10
    left = DeadLetter.objects.get()
    assert left.attempts == 1 and "TypeError" in left.reason


class PrivatePostgres:
    """A throwaway PostgreSQL cluster of this test's own (127.0.0.1, free port)."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self) -> None:
        import tempfile

        # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 tree.
        self.dir = Path(tempfile.mkdtemp(prefix="sc-test-pg-"))
        os.chown(self.dir, *_postgres_ids())
        self.port = free_port()
        self._as_postgres([str(self.BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                           "-U", "postgres", "--no-sync"])
        self.start()

    def _as_postgres(self, args: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def start(self) -> None:
        self._as_postgres([str(self.BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w",
                           "-l", str(self.dir / "log"), "-o",
                           f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
                           "start"])

    def stop(self) -> None:
        self._as_postgres([str(self.BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w",
                           "-m", "immediate", "stop"])

    def remove(self) -> None:
        import shutil

        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def count(self) -> int:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             connect_timeout=3) as conn:
            return conn.execute("SELECT count(*) FROM ingest_sessionlog").fetchone()[0]


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


@pytest.mark.skipif(not Path("/usr/lib/postgresql/15/bin/initdb").exists() or os.getuid() != 0,
                    reason="needs PostgreSQL 15 binaries and root to run them as postgres")
def test_a_database_down_longer_than_the_old_retry_budget_costs_nothing(tmp_path) -> None:
    """Row 3: the old task gave up after 10 retries. With the countdown capped
    at 1 s here, 10 retries take about 10 s; the database stays down for 25 s."""
    pg = PrivatePostgres()
    redis_port = free_port()
    redis_proc = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind",
                                   "127.0.0.1", "--save", ""], stdout=subprocess.DEVNULL)
    env = {**os.environ, "DATABASE_URL": pg.url, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "CELERY_TASK_RETRY_BACKOFF_MAX": "1", "PYTHONUNBUFFERED": "1"}
    repo = Path(__file__).resolve().parents[2]
    worker = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=repo, env=env,
                       check=True, timeout=300)
        worker = Process([sys.executable, "-m", "celery", "-A", "syslogcloud", "worker",
                          "--pool=solo", "--loglevel=INFO", "--without-heartbeat",
                          "--without-gossip", "--without-mingle"], env, tmp_path / "worker.log")
        worker.wait_for("ready", timeout=90)
        pg.stop()
        from ingest.tasks import store_batch

        with store_batch.app.connection_for_write(env["REDIS_URL"]) as conn:
            store_batch.apply_async(args=(session_items(5000, gw="GW-DOWN"),), connection=conn)
        wait_until(lambda: worker.output().count("database unavailable") >= 12, timeout=120,
                   message=worker.output()[-3000:])
        time.sleep(25 - 12)  # down 25 s in all: far past the old budget of 10 retries
        pg.start()
        wait_until(lambda: pg.count() == 5000, timeout=60, message=worker.output()[-3000:])
    finally:
        if worker is not None:
            worker.stop()
        redis_proc.kill()
        redis_proc.wait()
        pg.remove()


def test_sigterm_right_after_a_task_arrives_shuts_down_cleanly_every_time(stack) -> None:
    """Row 6: a deploy's SIGTERM just as a batch arrives. Four tries: each worker
    exits within the soft-shutdown time, and every batch is stored (finished,
    or given back and stored by the next worker)."""
    for attempt in range(4):
        worker = stack.worker(pool="prefork")
        stack.send(session_items(20000, gw=f"GW-TERM{attempt}-"))
        worker.wait_for("received", timeout=60)
        started = time.monotonic()
        worker.proc.send_signal(signal.SIGTERM)
        try:
            worker.proc.wait(45)
        except subprocess.TimeoutExpired:
            children = {c: Path(f"/proc/{c}/wchan").read_text()
                        for c in _children(worker.proc.pid)}
            raise AssertionError(f"try {attempt}: hung in shutdown; pool children {children}"
                                 f"\n{worker.output()[-3000:]}") from None
        assert time.monotonic() - started < 45
    last = stack.worker(pool="prefork")
    wait_until(lambda: stored() == 4 * 20000, timeout=120, message=last.output()[-3000:])
