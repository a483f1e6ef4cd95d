"""Log retention (issue 9 item 3): purge_logs deletes the records of JST
months older than LOG_RETENTION_MONTHS with their rollups and touched days,
and the months kept answer exactly as before (the worked month)."""
import io
import json
from datetime import date

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ingest.models import LOG_MODELS, AuthLog, ControlLog, TouchedDay
from ingest.retention import retention_cutoff
from portal.models import DailyFact, RollupDay
from portal.periods import Month
from tests.portal.builders import WORKED, auth_line, store
from tests.portal.conftest import load_worked_month

FEB_2024 = Month(2024, 2)


@pytest.fixture
def worked_month(db):
    return load_worked_month()


def months_keeping(first: Month) -> int:
    """LOG_RETENTION_MONTHS whose window starts at `first` (today moves on)."""
    now = Month.current()
    return (now.year * 12 + now.month) - (first.year * 12 + first.month) + 1


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_logs", *args, stdout=out)
    return out.getvalue()


def answers(client, index) -> dict:
    return {e["path"]: client.get(e["path"]).json() for e in index["entries"]}


def test_the_window_is_this_month_and_the_months_before_it():
    assert settings.LOG_RETENTION_MONTHS == 13
    assert retention_cutoff(months=13, today=Month(2026, 11)) == date(2025, 11, 1)
    assert retention_cutoff(months=1, today=Month(2026, 1)) == date(2026, 1, 1)
    assert retention_cutoff(months=2, today=Month(2026, 1)) == date(2025, 12, 1)
    assert retention_cutoff(months=25, today=Month(2026, 1)) == date(2024, 1, 1)
    with pytest.raises(ValueError):
        retention_cutoff(months=0)
    beat = settings.CELERY_BEAT_SCHEDULE["ingest-purge-logs"]
    assert beat["task"] == "ingest.tasks.purge_logs"


@pytest.mark.django_db
def test_purge_deletes_older_months_and_keeps_the_worked_month_exact(client, worked_month):
    _account, user, index = worked_month
    # The last second of January (JST) goes; the worked month starts at
    # 2024/02/01 00:00 JST, which is still 31 January in UTC, and stays.
    store("auth", auth_line("PCGOLD001", "02:00:00:00:00:aa", "2024/01/31 23:59:59"),
          auth_line("PCGOLD002", "02:00:00:00:00:bb", "2023/06/15 12:00:00"))
    store("control", "2024/01/10 10:00:00,0,02:00:00:00:00:aa,10.0.0.1,200,PCGOLD001")
    call_command("refresh_rollups", "--quiescent", stdout=io.StringIO())
    assert DailyFact.objects.filter(day__lt=FEB_2024.first_day()).exists()
    assert RollupDay.objects.filter(day__lt=FEB_2024.first_day()).exists()
    # A day touched but not yet folded in: its entry must go with its records.
    TouchedDay.objects.create(source="auth", gateway_pk=1, day=date(2024, 1, 31),
                              touched_at="2024-02-01T00:00:00Z")
    client.force_login(user)
    before = answers(client, index)
    totals = {t: m.objects.count() for t, m in LOG_MODELS.items()}
    months = str(months_keeping(FEB_2024))

    out = run("--dry-run", "--months", months)
    assert "keeping records from 2024-02-01" in out
    # Ours plus the worked month's own January records (terminal D starts
    # 2024/01/31 23:59:50: January's, though its session ends in February).
    assert "auth: 3" in out and "active: 1" in out and "control: 2" in out
    assert {t: m.objects.count() for t, m in LOG_MODELS.items()} == totals

    run("--months", months)
    assert AuthLog.objects.count() == totals["auth"] - 3
    assert ControlLog.objects.count() == totals["control"] - 2
    assert not AuthLog.objects.filter(start__lt=FEB_2024.span()[0]).exists()
    assert not DailyFact.objects.filter(day__lt=FEB_2024.first_day()).exists()
    assert not RollupDay.objects.filter(day__lt=FEB_2024.first_day()).exists()
    assert not TouchedDay.objects.filter(day__lt=FEB_2024.first_day()).exists()
    # Every answer of the kept month is unchanged, and still the expected one.
    assert answers(client, index) == before
    for entry in index["entries"]:
        expected = json.loads((WORKED / "expected" / entry["file"]).read_text())
        assert before[entry["path"]] == expected, entry["path"]
    # Run again: nothing left to delete.
    assert "auth: 0" in run("--months", months)


@pytest.mark.django_db
def test_purge_deletes_in_batches(gateway_a, monkeypatch):
    from ingest import retention

    monkeypatch.setattr(retention, "DELETE_BATCH", 3)
    store("auth", *[auth_line("GW-ALICE-1", f"02:00:00:00:01:{i:02x}",
                              f"2020/01/{1 + i:02d} 10:00:00") for i in range(10)])
    store("auth", auth_line("GW-ALICE-1", "02:00:00:00:02:01", "2020/03/01 00:00:00"))
    plan = retention.logs_purge(months=2, today=Month(2020, 3))
    assert plan.records["auth"] == 10
    assert AuthLog.objects.count() == 1


def test_a_bad_months_value_is_a_clear_error(db):
    with pytest.raises(CommandError, match="--months must be at least 1"):
        run("--months", "0")
