"""The scratch PostgreSQL database of a benchmark, made afresh each run.

Every bench measures on a database of its own (BENCH_DB, since several
people share one server), dropped, created and migrated before it starts.
Named benchdb, not db: the benches run as scripts, so bench/ comes first on
sys.path and a module here must not shadow a project package.
"""
import os
import subprocess
import sys
from pathlib import Path

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
