"""`scheduler`, the embedded default's beat: the same CELERY_BEAT_SCHEDULE,
run in-process, so a record stored late reaches the rollups within one period
on SQLite as on PostgreSQL."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from ingest.models import TouchedDay
from portal import rollups
from portal.models import RollupDay
from portal.periods import today_jst
from tests.portal.builders import auth_line, store


def run_once() -> str:
    out = io.StringIO()
    call_command("scheduler", "--rounds", "1", stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_one_pass_runs_every_beat_entry_and_folds_in_late_records(settings, gateway_a,
                                                                   monkeypatch):
    monkeypatch.setattr(rollups, "LATE_COMMIT_SECONDS", 0)  # marks count as safe at once
    day = today_jst().replace(day=1)  # inside the retention window, which a pass also applies
    store("auth", auth_line("GW-ALICE-1", "02:00:00:00:00:0a", f"{day:%Y/%m/%d} 00:30:00"))
    assert TouchedDay.objects.filter(day=day).exists()
    out = run_once()
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f"\n{name}: " in out, out
    assert "failed" not in out, out
    assert not TouchedDay.objects.exists()
    assert RollupDay.objects.filter(day=day, source="auth").exists()


@pytest.mark.django_db
def test_an_entry_naming_no_task_is_a_clear_error(settings):
    settings.CELERY_BEAT_SCHEDULE = {"typo": {"task": "portal.tasks.refresh_rolups",
                                              "schedule": 60.0}}
    with pytest.raises(CommandError, match="typo: no task named portal.tasks.refresh_rolups"):
        run_once()


@pytest.mark.django_db
def test_a_failing_task_does_not_stop_the_others(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "broken": {"task": "ingest.tasks.purge_logs", "schedule": 60.0},
        "alerts": {"task": "alerts.tasks.evaluate_alerts", "schedule": 60.0},
    }
    settings.LOG_RETENTION_MONTHS = 0  # purge_logs refuses it
    out = run_once()
    assert "broken: failed:" in out and "\nalerts: {" in out, out
