"""The scratch PostgreSQL database of a benchmark, made afresh each run.

Every bench measures on a database of its own (BENCH_DB, since several
people share one server), dropped, created and migrated before it starts.
Named benchdb, not db: the benches run as scripts, so bench/ comes first on
sys.path and a module here must not shadow a project package.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import psycopg

REPO = Path(__file__).resolve().parent.parent


def scratch_database(name: str) -> str:
    """Drop, create and migrate `name` on DATABASE_URL's server; its URL."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("set DATABASE_URL (PostgreSQL)")
    server = base.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = f"{server}/{name}"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO,
                   env=dict(os.environ, DATABASE_URL=url), check=True)
    return url


def month_partition(url: str, month: str) -> None:
    """Give `month` (YYYY-MM) its own partition of every log table, as
    `partitions --month` does before an old month is imported."""
    subprocess.run([sys.executable, "manage.py", "partitions", "--month", month], cwd=REPO,
                   env=dict(os.environ, DATABASE_URL=url), check=True,
                   stdout=subprocess.DEVNULL)


def load_bench_ingest() -> ModuleType:
    """bench/ingest.py as a module (its auth lines, frames and /proc CPU
    readers), loaded by path: on a bench's sys.path `ingest` is the app."""
    spec = importlib.util.spec_from_file_location("bench_ingest", REPO / "bench" / "ingest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
