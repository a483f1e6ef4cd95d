"""Rows never stay 処理中: the sweep for lost workers, a broker that is down,
and the one-year retention purge shared with the other histories."""
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from audit.services import history_purge
from provisioning.models import ProvisioningHistory
from provisioning.services import pending_sweep
from provisioning.texts import NOT_QUEUED_TEXT, STALE_TEXT, Kind, Result
from tests.conftest import REPO, free_port, subprocess_env, using_postgres
from tests.provisioning.scimpeer import down_url, register

pytestmark = pytest.mark.django_db


def row(account, **fields):
    values = {"at": timezone.now(), "service_name": "Directory", "kind": Kind.USER_UPDATE,
              "target": "dave", "target_ref": "user:1", "result": Result.PENDING, **fields}
    return ProvisioningHistory.objects.create(account=account, **values)


def test_the_sweep_closes_rows_a_lost_worker_left_pending(account_a):
    stale = row(account_a, at=timezone.now() - timedelta(hours=2))
    fresh = row(account_a)
    assert pending_sweep() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.result, stale.detail) == (Result.NG, STALE_TEXT)
    assert fresh.result == Result.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_closes_the_row_ng_instead_of_failing(account_a):
    """A child process (the portal) with REDIS_URL pointing where nothing
    listens adds a user: the change commits and the push row is closed NG."""
    if not using_postgres():
        pytest.skip("needs PostgreSQL: the child process must share the test database")
    register(account_a, down_url())
    code = ("from accounts.models import Account; from accounts.services import user_create; "
            "user_create(account=Account.objects.get(account_id='A00700001'), "
            "user_id='dave', password=None)")
    env = subprocess_env(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    (row_,) = ProvisioningHistory.objects.all()
    assert (row_.target, row_.result, row_.detail) == ("dave", Result.NG, NOT_QUEUED_TEXT)


def test_the_retention_purge_covers_the_provisioning_history(account_a):
    now = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.get_current_timezone())
    row(account_a, at=now - timedelta(days=400), result=Result.OK)
    kept = row(account_a, at=now - timedelta(days=300), result=Result.OK)
    counts = history_purge(now=now)
    assert counts["ProvisioningHistory"] == 1
    assert list(ProvisioningHistory.objects.all()) == [kept]
