"""The embedded default's write path (`ingest.sqlite_insert`) on a real SQLite.

These run on SQLite only. Under a PostgreSQL DATABASE_URL (CI, the full
suite) the last test runs this file again in a child pytest on a fresh SQLite
database, so the path is covered whatever the suite runs on.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

import logformats
from accounts.models import Gateway
from ingest.models import LOG_MODELS, Quarantine, SessionLog, TouchedDay
from ingest.services import store_batch
from ingest.sqlite_insert import table_shape
from tests.logformats.samples import LINES

on_sqlite = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("sqlite"),
    reason="the SQLite write path (the last test runs this file on SQLite)")


def session_item(minute: int, gateway: str = "PCSQL001", count: int | None = None) -> list:
    line = (f"2024/02/01 {minute // 60 % 24:02}:{minute % 60:02}:00,{gateway},"
            f"{minute if count is None else count}")
    return ["session", line, "192.0.2.10", "tcp", time.time(), None]


@pytest.fixture
def few_variables():
    """At most 40 parameters per statement: a batch spans several INSERTs."""
    connection.ensure_connection()
    raw = connection.connection
    before = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 40)
    yield
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


@on_sqlite
@pytest.mark.django_db
def test_every_type_is_stored_as_the_orm_would_write_it():
    """The per-column shortcuts give the database exactly what the fields'
    own get_db_prep_save gives, so the ORM's reads and lookups match."""
    result = store_batch(items=[[t, line, "192.0.2.10", "udp", time.time(), None]
                                for t, line in LINES.items()])
    assert dict(result.stored) == {t: 1 for t in LINES}
    for log_type, line in LINES.items():
        model = LOG_MODELS[log_type]
        record = logformats.parse(log_type, line)
        names = tuple(logformats.FORMATS[log_type].record_class.__dataclass_fields__)
        shape = table_shape(model, names)
        # As stored: CAST keeps the driver from converting datetime columns.
        shown = [f"CAST({c} AS TEXT)" if model._meta.get_field(n).get_internal_type()
                 == "DateTimeField" else c for c, n in zip(shape.columns, names, strict=False)]
        with connection.cursor() as cur:
            cur.execute(f"SELECT {', '.join(shown)} FROM {model._meta.db_table}")
            raw = cur.fetchone()
        for i, name in enumerate(names):
            field = model._meta.get_field(name)
            if name == "gateway_id":
                assert raw[i] == Gateway.objects.get(gateway_id=record.gateway_id).pk
                continue
            expected = field.get_db_prep_save(getattr(record, name), connection)
            assert raw[i] == expected, (log_type, name)


@on_sqlite
@pytest.mark.django_db
def test_a_batch_is_stored_and_known_digests_are_skipped_across_batches(few_variables):
    first = store_batch(items=[session_item(m) for m in range(30)])
    assert first.stored["session"] == 30 and first.duplicates == 0
    gateway = Gateway.objects.get(gateway_id="PCSQL001")
    assert first.per_gateway == {gateway.pk: 30}
    # A redelivery overlapping the first batch, with one duplicate inside itself.
    second = store_batch(items=[session_item(m) for m in [*range(20, 45), 44]])
    assert second.stored["session"] == 15
    assert second.duplicates == 11  # 10 already stored + 1 twice in the batch
    assert second.per_gateway == {gateway.pk: 15}
    assert sorted(SessionLog.objects.values_list("sessions", flat=True)) == list(range(45))


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_record_sqlite_refuses_costs_only_itself():
    """A row the database itself refuses (here a trigger's ABORT, the way a
    constraint refuses) is isolated by splitting the batch; the rest is stored."""
    with connection.cursor() as cur:
        cur.execute("CREATE TRIGGER poison BEFORE INSERT ON ingest_sessionlog "
                    "WHEN NEW.sessions = 666 BEGIN SELECT RAISE(ABORT, 'poison row'); END")
    try:
        items = [session_item(m) for m in range(200)]
        items.insert(77, session_item(500, count=666))
        result = store_batch(items=items)
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TRIGGER poison")
    assert result.stored["session"] == 200 and result.quarantined == 1
    q = Quarantine.objects.get()
    assert "poison row" in q.reason and q.raw.endswith(",666")
    assert not SessionLog.objects.filter(sessions=666).exists()


@on_sqlite
@pytest.mark.django_db
def test_the_jst_days_of_new_records_are_touched_and_duplicates_touch_nothing():
    # 14:30 and 15:30 UTC are 23:30 on the 1st and 00:30 on the 2nd in JST.
    items = [["session", "2024-02-01T14:30:00+00:00,PCSQL002,1", "192.0.2.10", "tcp",
              time.time(), None],
             ["session", "2024-02-01T15:30:00+00:00,PCSQL002,2", "192.0.2.10", "tcp",
              time.time(), None]]
    store_batch(items=items)
    gateway = Gateway.objects.get(gateway_id="PCSQL002")
    assert set(TouchedDay.objects.values_list("source", "gateway_pk", "day")) == {
        ("session", gateway.pk, date(2024, 2, 1)), ("session", gateway.pk, date(2024, 2, 2))}
    TouchedDay.objects.all().delete()  # as the rollups do once they have folded them in
    again = store_batch(items=items)
    assert again.stored["session"] == 0 and again.duplicates == 2
    assert not TouchedDay.objects.exists()


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("sqlite"),
                    reason="already running on SQLite")
def test_this_file_passes_on_sqlite(tmp_path: Path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-rA", __file__],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
        timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert out.stdout.count("PASSED tests/") == 4, out.stdout[-2000:]
