"""Monthly partitions of the log tables on PostgreSQL (issue 9 "Scale"):
records always land (DEFAULT when their month has no partition yet) and move
into the month's partition when it is created; the scheduler creates months
ahead; retention drops whole partitions and the months kept answer exactly as
before; a record is still stored once; migrating keeps the rows."""
import io
import json
import os
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ingest import tasks
from ingest.models import LOG_MODELS, AuthLog, ControlLog, time_field
from ingest.partitions import (
    LogTable,
    ensure_partitions,
    log_tables,
    partition_create,
    partitions_of,
)
from ingest.services import store_batch
from portal.models import DailyFact, RollupDay
from portal.periods import JST, Month
from tests.conftest import using_postgres
from tests.portal.builders import WORKED, auth_line, store
from tests.portal.conftest import load_worked_month

AUTH = LogTable("auth", "ingest_authlog", "start")
FEB_2024 = Month(2024, 2)


@pytest.fixture(autouse=True)
def postgres_only():
    if using_postgres():
        return
    if os.environ.get("CI"):
        pytest.fail("CI must run the partition tests on PostgreSQL: set DATABASE_URL")
    pytest.skip("partitions are PostgreSQL's; SQLite keeps plain tables")


def items(*lines, log_type="auth"):
    return [[log_type, ln, "test", "file", time.time(), None] for ln in lines]


def where_stored(mac: str) -> list[str]:
    """The partition (table) each auth row of this MAC is physically in."""
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM ingest_authlog WHERE mac = %s "
                    "ORDER BY id", [mac])
        return [name for (name,) in cur.fetchall()]


def partition_names(table: str) -> list[str]:
    return [p.name for p in partitions_of(table)]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def months_keeping(first: Month) -> int:
    now = Month.current()
    return (now.year * 12 + now.month) - (first.year * 12 + first.month) + 1


def test_every_log_table_is_partitioned_by_its_time_field(db):
    assert {t.log_type for t in log_tables()} == set(LOG_MODELS)
    for log_table in log_tables():
        assert log_table.time_column == time_field(log_table.log_type)
        model = LOG_MODELS[log_table.log_type]
        # The model's unique key is the one the partitioned table holds.
        [unique] = model._meta.constraints
        assert list(unique.fields) == [log_table.time_column, "digest"]
        with connection.cursor() as cur:
            cur.execute("SELECT pg_get_partkeydef(%s::regclass)", [log_table.table])
            assert cur.fetchone()[0] == f"RANGE ({log_table.time_column})"
        # Migrated with this month's and next month's partitions and DEFAULT.
        now = Month.current()
        names = partition_names(log_table.table)
        assert f"{log_table.table}_p{now.year:04d}_{now.month:02d}" in names
        nxt = now.next()
        assert f"{log_table.table}_p{nxt.year:04d}_{nxt.month:02d}" in names
        assert names[-1] == f"{log_table.table}_default"


def test_every_mac_compares_in_collation_c_in_old_and_new_partitions(db):
    """ingest 0011: memcmp instead of the C library for the trace index."""
    ensure_partitions(ahead=0, today=Month(2031, 5))  # made after the migration
    with connection.cursor() as cur:
        cur.execute("SELECT c.relname, co.collname FROM pg_attribute a"
                    " JOIN pg_class c ON c.oid = a.attrelid"
                    " JOIN pg_collation co ON co.oid = a.attcollation"
                    " WHERE a.attname = 'mac' AND c.relkind IN ('r', 'p')"
                    " AND c.relname LIKE 'ingest%%'")
        collations = dict(cur.fetchall())
    with_mac = {model._meta.db_table for model in LOG_MODELS.values()
                if "mac" in {f.name for f in model._meta.fields}}
    assert with_mac == {"ingest_authlog", "ingest_activelog", "ingest_controllog",
                        "ingest_dhcplog"}
    assert with_mac | {"ingest_authlog_p2031_05", "ingest_dhcplog_default"} <= set(collations)
    assert set(collations.values()) == {"C"}


@pytest.mark.django_db
def test_a_record_without_its_month_lands_in_default_and_moves_into_the_new_partition(
        gateway_a):
    march = auth_line("GW-ALICE-1", "02:00:00:00:03:01", "2024/03/31 23:59:59")
    april = auth_line("GW-ALICE-1", "02:00:00:00:04:01", "2024/04/01 00:00:00")
    assert store_batch(items=items(march, april)).stored["auth"] == 2
    assert where_stored("02:00:00:00:03:01") == ["ingest_authlog_default"]

    # 23:59:59 JST on 31 March is 14:59:59 UTC: March's by the JST bounds.
    assert partition_create(AUTH, Month(2024, 3)) == 1
    assert where_stored("02:00:00:00:03:01") == ["ingest_authlog_p2024_03"]
    assert where_stored("02:00:00:00:04:01") == ["ingest_authlog_default"]
    # Created without rows to move, the next month's partition simply takes new ones.
    assert partition_create(AUTH, Month(2024, 5)) == 0
    may = auth_line("GW-ALICE-1", "02:00:00:00:05:01", "2024/05/01 00:00:00")
    store("auth", may)
    assert where_stored("02:00:00:00:05:01") == ["ingest_authlog_p2024_05"]
    assert AuthLog.objects.count() == 3
    # The moved record is still that record, once: a redelivery adds nothing.
    result = store_batch(items=items(march))
    assert (result.stored["auth"], result.duplicates) == (0, 1)
    assert AuthLog.objects.filter(start__month=3).count() == 1


@pytest.mark.django_db
def test_the_scheduler_creates_this_and_next_month_ahead(capsys):
    assert settings.CELERY_BEAT_SCHEDULE["ingest-ensure-partitions"] == {
        "task": "ingest.tasks.ensure_partitions", "schedule": 3600.0}
    # 31 January 2031, 23:30 JST: January is this month, February is next.
    moment = datetime(2031, 1, 31, 23, 30, tzinfo=JST)
    with time_machine.travel(moment, tick=False):
        created = tasks.ensure_partitions.apply().get()
        assert sorted(created) == sorted(
            f"{t.table}_p2031_{m:02d}" for t in log_tables() for m in (1, 2))
        assert tasks.ensure_partitions.apply().get() == []  # idempotent
    # The embedded scheduler (`make run` without Redis) does the same.
    with time_machine.travel(moment + timedelta(days=30), tick=False):
        call_command("scheduler", "--rounds", "1")
    assert "ingest-ensure-partitions: " in capsys.readouterr().out
    months = {p.month for p in partitions_of("ingest_authlog")}
    assert {Month(2031, 3), Month(2031, 4)} <= months


@pytest.mark.django_db
def test_the_partitions_command_shows_and_creates(db):
    out = run("partitions", "--ahead", "2")
    after = Month.current().next().next()
    assert f"ingest_authlog_p{after.year:04d}_{after.month:02d}" in out.splitlines()[0]
    assert "ingest_controllog (by at, JST months):" in out
    assert "DEFAULT  ingest_controllog_default" in out
    assert run("partitions", "--ahead", "2").startswith("created: none")
    with pytest.raises(CommandError, match="--ahead must be 0 or more"):
        run("partitions", "--ahead", "-1")
    # A past month's, before importing it.
    out = run("partitions", "--month", "2019-12")
    assert "ingest_maillog_p2019_12" in out.splitlines()[0]
    assert "2019-12  ingest_maillog_p2019_12" in out
    with pytest.raises(CommandError, match="--month must be a month like 2024-02"):
        run("partitions", "--month", "2019-13")


@pytest.mark.django_db
def test_a_record_is_stored_once_across_batches_partitions_and_redeliveries(gateway_a):
    partition_create(AUTH, FEB_2024)
    first = [auth_line("GW-ALICE-1", f"02:00:00:00:00:{i:02x}", "2024/02/01 10:00:00")
             for i in range(4)]
    # The same record twice in one batch.
    result = store_batch(items=items(*first, first[0]))
    assert (result.stored["auth"], result.duplicates) == (4, 1)
    # Again in a later batch: the direct COPY hits the unique (start, digest)
    # and the staging fallback's ON CONFLICT keeps only the new record.
    new = auth_line("GW-ALICE-1", "02:00:00:00:01:01", "2024/02/02 10:00:00")
    result = store_batch(items=items(first[1], new, first[3]))
    assert (result.stored["auth"], result.duplicates) == (1, 2)
    # A whole batch delivered again (a Celery redelivery) adds nothing.
    result = store_batch(items=items(*first, new))
    assert (result.stored["auth"], result.duplicates) == (0, 5)
    assert AuthLog.objects.count() == 5
    assert set(where_stored("02:00:00:00:00:00")) == {"ingest_authlog_p2024_02"}


def answers(client, index) -> dict:
    return {e["path"]: client.get(e["path"]).json() for e in index["entries"]}


@pytest.mark.django_db
def test_retention_drops_old_partitions_and_the_worked_month_stays_exact(client):
    _account, user, index = load_worked_month()  # February 2024, into DEFAULT
    store("auth", auth_line("PCGOLD001", "02:00:00:00:00:aa", "2024/01/31 23:59:59"),
          auth_line("PCGOLD002", "02:00:00:00:00:bb", "2023/06/15 12:00:00"))
    store("control", "2024/01/10 10:00:00,0,02:00:00:00:00:aa,10.0.0.1,200,PCGOLD001")
    call_command("refresh_rollups", "--quiescent", stdout=io.StringIO())
    client.force_login(user)
    before = answers(client, index)
    totals = {t: m.objects.count() for t, m in LOG_MODELS.items()}

    # The scheduler catching up on January and February moves their rows out of DEFAULT.
    created = ensure_partitions(ahead=1, today=Month(2024, 1))
    assert "ingest_authlog_p2024_01" in created and "ingest_controllog_p2024_02" in created
    assert where_stored("02:00:00:00:00:aa") == ["ingest_authlog_p2024_01"]
    assert where_stored("02:00:00:00:00:bb") == ["ingest_authlog_default"]  # June 2023
    assert {t: m.objects.count() for t, m in LOG_MODELS.items()} == totals
    assert answers(client, index) == before

    months = str(months_keeping(FEB_2024))
    out = run("purge_logs", "--dry-run", "--months", months)
    assert "auth: 3" in out and "active: 1" in out and "control: 2" in out
    assert "would drop: " in out and "ingest_authlog_p2024_01" in out
    assert "ingest_authlog_p2024_02" not in out
    assert "ingest_authlog_p2024_01" in partition_names("ingest_authlog")

    out = run("purge_logs", "--months", months)
    assert "auth: 3" in out and "control: 2" in out
    for log_table in log_tables():
        names = partition_names(log_table.table)
        assert f"{log_table.table}_p2024_01" not in names
        assert f"{log_table.table}_p2024_02" in names
    assert AuthLog.objects.count() == totals["auth"] - 3
    assert ControlLog.objects.count() == totals["control"] - 2
    assert not AuthLog.objects.filter(start__lt=FEB_2024.span()[0]).exists()
    assert not DailyFact.objects.filter(day__lt=FEB_2024.first_day()).exists()
    assert not RollupDay.objects.filter(day__lt=FEB_2024.first_day()).exists()
    assert answers(client, index) == before
    for entry in index["entries"]:
        expected = json.loads((WORKED / "expected" / entry["file"]).read_text())
        assert before[entry["path"]] == expected, entry["path"]
    assert "auth: 0" in run("purge_logs", "--months", months)


@pytest.mark.django_db(transaction=True)
def test_migrating_a_database_with_rows_keeps_them(gateway_a):
    executor = MigrationExecutor(connection)
    executor.migrate([("ingest", "0007_trace_indexes")])
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE relname = 'ingest_authlog'")
        assert cur.fetchone()[0] == "r"  # a plain table again
        for i, start in enumerate(["2023-06-15 12:00+09", "2024-02-01 00:00+09",
                                   "2024-02-29 23:59:59+09"]):
            cur.execute(
                "INSERT INTO ingest_authlog (gateway_id, digest, port, port_label, mac, start, "
                "auth_method, access_id, area_code, postal_code, language, country, "
                "auth_domain_id, openid_provider, gender, age_band, device_type, device_os, "
                "device_app) VALUES (%s, %s, '', '', %s, %s, '000', '', '', '', '', '', '', "
                "'', '', '', '', '', '')",
                [gateway_a.pk, bytes([i]) * 16, f"02:00:00:00:09:{i:02x}", start])
        cur.execute("SELECT max(id) FROM ingest_authlog")
        top = cur.fetchone()[0]

    executor = MigrationExecutor(connection)
    executor.migrate([("ingest", "0009_partition_log_tables")])
    assert AuthLog.objects.count() == 3
    assert where_stored("02:00:00:00:09:00") == ["ingest_authlog_p2023_06"]
    assert where_stored("02:00:00:00:09:01") == ["ingest_authlog_p2024_02"]
    assert where_stored("02:00:00:00:09:02") == ["ingest_authlog_p2024_02"]
    # The id sequence carries on past the copied rows.
    store("auth", auth_line("GW-ALICE-1", "02:00:00:00:09:10", "2024/02/10 10:00:00"))
    assert AuthLog.objects.get(mac="02:00:00:00:09:10").pk > top
