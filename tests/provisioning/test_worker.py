"""Pushes through the real Celery worker (Redis broker, PostgreSQL): retries
with backoff happen in the worker, and a push still on the wire when a newer
one arrives is cancelled with the manual's text."""
import time

import pytest

from accounts.services import user_create, user_update
from provisioning.models import ProvisioningHistory
from provisioning.texts import CANCEL_TEXT, Kind, Result
from tests.conftest import PASSWORD, wait_until
from tests.provisioning.scimpeer import register

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finished(**filters):
    rows = list(ProvisioningHistory.objects.filter(**filters).order_by("id"))
    return rows if rows and all(r.result != Result.PENDING for r in rows) else None


def test_the_worker_retries_a_503_with_backoff_then_succeeds(
    celery_worker_process, account_a, scim_proxy, scim_server
):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", status=503, detail="busy", times=1,
                   headers={"Retry-After": "1"})
    started = time.monotonic()
    user_create(account=account_a, user_id="dave", password=PASSWORD)
    (row,) = wait_until(lambda: finished(target="dave"), timeout=60,
                        message=celery_worker_process.output()[-2000:])
    assert (row.result, row.attempts) == (Result.OK, 2)
    assert time.monotonic() - started >= 1.0  # Retry-After honoured as the countdown
    assert scim_server.user_named("dave") is not None
    assert "Retry in 1" in celery_worker_process.output()


def test_a_push_on_the_wire_is_cancelled_by_a_newer_one(
    celery_worker_process, account_a, scim_proxy, scim_server
):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", delay=0.8, times=1)  # under the 1 s timeout
    dave = user_create(account=account_a, user_id="dave", password=PASSWORD, name="Dave")
    wait_until(lambda: ProvisioningHistory.objects.filter(attempts=1).exists(), timeout=30)
    user_update(user=dave, actor=None, name="Dave Newer")

    first, second = wait_until(lambda: finished(target="dave"), timeout=60,
                               message=celery_worker_process.output()[-2000:])
    assert (first.kind, first.result, first.detail) == (Kind.USER_CREATE, Result.CANCEL,
                                                        CANCEL_TEXT)
    assert (second.kind, second.result) == (Kind.USER_UPDATE, Result.OK)
    assert scim_server.user_named("dave")["displayName"] == "Dave Newer"
