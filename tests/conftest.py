"""The test cast (after healthchecks' alice/bob/charlie) and real-server helpers.

alice is an admin of account A00700001 which owns gateway GW-ALICE-1; bob is a
plain user of the same account; charlie belongs to another account and must
see nothing of alice's.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "Correct-horse-42"


def pytest_configure(config):
    """Test-process settings (child processes keep the real ones)."""
    if not config.pluginmanager.has_plugin("django"):
        return  # pure tests run with -p no:django
    from django.conf import settings

    _own_redis_database_per_xdist_worker(settings)
    # PBKDF2 costs about a second per hash here; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render {% static %} without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _own_redis_database_per_xdist_worker(settings) -> None:
    """Under pytest-xdist each test process has its own test database
    (pytest-django adds the gwN suffix) and so needs its own Redis database:
    a shared queue would hand one process's batches to another's worker,
    which stores them in the wrong database. Processes gw0, gw1 … take the
    databases after the configured one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not worker or not url:
        return
    base, _, number = url.rpartition("/")
    index = int(worker.removeprefix("gw"))
    url = f"{base}/{(int(number or 0) + 1 + index) % 16}"
    os.environ["REDIS_URL"] = settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    from syslogcloud.celery import app

    app.conf.broker_url = url  # in case Celery read its configuration already


def using_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def real_servers_or_skip() -> None:
    """End-to-end tests need PostgreSQL and Redis; CI always has them."""
    if using_postgres() and os.environ.get("REDIS_URL"):
        return
    if os.environ.get("CI"):
        pytest.fail("CI must run end-to-end tests: set DATABASE_URL and REDIS_URL")
    pytest.skip("needs DATABASE_URL (PostgreSQL) and REDIS_URL")


def require_tool(path: str) -> str:
    found = shutil.which(path) or (path if os.path.exists(path) else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{path} is missing: .ci/run must install it")
    pytest.skip(f"{path} not installed")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@contextmanager
def launched_chromium():
    """Debian's Chromium, headless, driven by Playwright (CI installs it)."""
    chromium = require_tool("/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser():
    """A fresh browser per test (modules that share one override this)."""
    with launched_chromium() as launched:
        yield launched


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_account(account_id: str, name: str = ""):
    from accounts.services import account_create

    return account_create(account_id=account_id, name=name or account_id)


def make_user(user_id: str, *, account, admin: bool = False, name: str = ""):
    from accounts.services import user_create

    return user_create(
        account=account, user_id=user_id, password=PASSWORD, name=name or user_id.title(),
        admin=admin,
    )


@pytest.fixture
def account_a(db):
    return make_account("A00700001", "Hotel Alpha")


@pytest.fixture
def account_b(db):
    return make_account("A00700002", "Station Beta")


@pytest.fixture
def gateway_a(account_a):
    from accounts.services import gateway_register

    return gateway_register(gateway_id="GW-ALICE-1", account=account_a, label="Lobby")


@pytest.fixture
def gateway_b(account_b):
    from accounts.services import gateway_register

    return gateway_register(gateway_id="GW-CHARLIE-1", account=account_b, label="Gate")


@pytest.fixture
def alice(account_a):
    """Admin of account A."""
    return make_user("alice", account=account_a, admin=True, name="Alice Admin")


@pytest.fixture
def bob(account_a):
    """A plain user of account A."""
    return make_user("bob", account=account_a, name="Bob User")


@pytest.fixture
def charlie(account_b):
    """Belongs to another account: every screen must show him nothing of A."""
    return make_user("charlie", account=account_b, admin=True, name="Charlie Other")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child process (worker, collector) that must use the
    test database pytest-django created, not the configured one."""
    from django.db import connection

    env = dict(os.environ)
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = s.get("USER") or "postgres"
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{s['NAME']}"
    env.update(extra)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class Process:
    """A child process with its output kept in a file for failure messages."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=self.fh, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if text in out:
                return out
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen; output:\n{self.output()[-3000:]}")

    def stop(self, sig: int = 15, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.fh.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, whose teardown on PostgreSQL first ends
    the sessions this process still holds: a live-server thread that served a
    browser keeps its connection while it waits on a keep-alive socket, and
    DROP DATABASE then failed ("being accessed by other users") in some runs."""
    yield
    if not using_postgres():
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real Celery worker for the whole run, on the test database and the
    configured Redis; starting one costs seconds, so tests share it."""
    real_servers_or_skip()
    import redis as redis_lib

    redis_lib.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    with django_db_blocker.unblock():
        # The test SCIM peers listen on loopback, which SPEC §9 refuses by default.
        env = subprocess_env(ALLOW_PRIVATE_OUTBOUND="1")
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "syslogcloud", "worker", "--pool=solo",
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env,
        tmp_path_factory.mktemp("celery") / "worker.log",
    )
    worker.wait_for("ready", timeout=90)
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker_process(celery_worker_session, transactional_db):
    """The shared worker, with committed (transactional) test data it can see."""
    assert celery_worker_session.proc.poll() is None, celery_worker_session.output()[-3000:]
    return celery_worker_session


def wait_until(predicate, timeout: float = 30, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or "condition not met in time")
