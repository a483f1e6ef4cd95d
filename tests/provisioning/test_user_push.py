"""User pushes against a real scim2-server: create, update, delete, and the
NG reasons, retries and cancellation around them."""
import time

import pytest

from accounts.models import User
from accounts.services import user_create, user_delete, user_update
from provisioning.models import ProvisioningHistory, RemoteLink
from provisioning.texts import CANCEL_TEXT, Kind, Result
from tests.conftest import PASSWORD
from tests.provisioning.scimpeer import down_url, register

pytestmark = pytest.mark.django_db(transaction=True)


def rows(**filters):
    return list(ProvisioningHistory.objects.filter(**filters).order_by("id"))


def add_user(account, user_id="dave", **fields):
    return user_create(account=account, user_id=user_id, password=PASSWORD,
                       name=fields.pop("name", "Dave Diver"), **fields)


def test_it_creates_updates_and_deletes_a_user(account_a, scim_server):
    service = register(account_a, scim_server.url)
    dave = add_user(account_a, email="dave@example.jp")

    (created,) = rows(kind=Kind.USER_CREATE)
    assert (created.result, created.detail, created.target) == (Result.OK, "", "dave")
    assert created.service_name == service.name and created.finished_at
    remote = scim_server.user_named("dave")
    assert remote["externalId"] == str(dave.pk)
    assert remote["displayName"] == "Dave Diver"
    assert remote["emails"][0]["value"] == "dave@example.jp"
    assert remote["active"] is True

    user_update(user=dave, actor=None, name="Dave Deep", email="deep@example.jp")
    (updated,) = rows(kind=Kind.USER_UPDATE)
    assert updated.result == Result.OK
    remote = scim_server.user_named("dave")
    assert remote["displayName"] == "Dave Deep"
    assert remote["name"]["formatted"] == "Dave Deep"
    assert remote["emails"][0]["value"] == "deep@example.jp"
    # PATCH where the server offers it, conditional on the ETag it gave.
    link = RemoteLink.objects.get(service=service, resource="user")
    assert link.remote_id == remote["id"] and link.version

    user_delete(user=dave, actor=None)
    (deleted,) = rows(kind=Kind.USER_DELETE)
    assert (deleted.result, deleted.target) == (Result.OK, "dave")
    assert scim_server.user_named("dave") is None
    assert not RemoteLink.objects.filter(service=service).exists()


def test_it_records_a_uniqueness_conflict_as_ng_with_the_scim_reason(account_a, scim_server):
    # Someone else's "dave" is already on the service (no externalId of ours).
    scim_server.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                "userName": "dave"}).raise_for_status()
    register(account_a, scim_server.url)
    add_user(account_a)

    (row,) = rows()
    assert row.result == Result.NG
    assert row.detail.startswith("409 uniqueness: ")
    assert len(row.detail) > len("409 uniqueness: ")
    assert row.attempts == 1  # a conflict is not retried


def test_it_retries_a_server_that_is_down_then_records_ng(account_a):
    register(account_a, down_url())
    add_user(account_a)

    (row,) = rows()
    assert row.result == Result.NG
    assert row.detail.startswith("接続できませんでした")
    assert "(試行 3回)" in row.detail  # first try + PROVISIONING_MAX_RETRIES
    assert row.attempts == 3 and row.finished_at


def test_it_retries_after_a_timeout_from_a_slow_server(account_a, scim_proxy, scim_server):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", delay=1.5, times=1)  # timeout is 1 s
    add_user(account_a)

    (row,) = rows()
    assert (row.result, row.attempts) == (Result.OK, 2)
    assert scim_server.user_named("dave") is not None


def test_a_slow_server_that_stays_slow_ends_ng_with_a_timeout(account_a, scim_proxy):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", delay=1.3)
    add_user(account_a)

    (row,) = rows()
    assert row.result == Result.NG
    assert row.detail == "タイムアウトしました (1秒) (試行 3回)"


def test_it_honours_retry_after_on_429(account_a, scim_proxy, scim_server):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", status=429, headers={"Retry-After": "1"},
                   detail="slow down", times=1)
    started = time.monotonic()
    add_user(account_a)

    (row,) = rows()
    assert (row.result, row.attempts) == (Result.OK, 2)
    assert time.monotonic() - started >= 1.0
    assert ("POST", "/Users", 429) in scim_proxy.seen


def test_a_503_that_persists_is_ng_with_its_status(account_a, scim_proxy):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", status=503, detail="maintenance")
    add_user(account_a)

    (row,) = rows()
    assert row.result == Result.NG
    assert row.detail == "503: maintenance (試行 3回)"


def test_a_newer_push_cancels_a_pending_one_with_the_manuals_text(account_a, scim_server):
    from django.db import transaction

    from provisioning.services import user_push_enqueue

    register(account_a, scim_server.url)
    dave = add_user(account_a)  # pushed at once (OK)
    snapshot = {"username": "dave", "name": "Dave", "email": ""}
    User.objects.filter(pk=dave.pk).update(name="Dave Changed")
    with transaction.atomic():  # two pushes queued before the first one ran
        for _ in range(2):
            user_push_enqueue(account=account_a, user_pk=dave.pk, kind="update",
                              snapshot=snapshot)

    created, first, second = rows()
    assert created.result == Result.OK
    assert (first.kind, first.result, first.detail) == (Kind.USER_UPDATE, Result.CANCEL,
                                                        CANCEL_TEXT)
    assert CANCEL_TEXT == "ユーザに対して別のサービス連携処理が開始されたためキャンセルしました。"
    assert first.attempts == 0 and first.finished_at  # never sent
    assert (second.kind, second.result) == (Kind.USER_UPDATE, Result.OK)
    assert scim_server.user_named("dave")["displayName"] == "Dave Changed"


def test_a_push_for_another_user_or_service_is_not_cancelled(account_a, scim_server):
    from django.db import transaction

    register(account_a, scim_server.url, name="One")
    register(account_a, scim_server.url, name="Two")
    with transaction.atomic():
        add_user(account_a, user_id="dave")
        add_user(account_a, user_id="erin")
    # One row per (user, service), none cancelled; "Two" meets the users "One"
    # created on the same server and adopts them by their externalId.
    assert sorted((r.service_name, r.target, r.result) for r in rows()) == [
        ("One", "dave", "ok"), ("One", "erin", "ok"), ("Two", "dave", "ok"), ("Two", "erin", "ok")
    ]


def test_a_push_per_enabled_service_only(account_a, scim_server):
    register(account_a, scim_server.url, name="One")
    register(account_a, scim_server.url, name="Off", enabled=False)
    add_user(account_a)
    assert [r.service_name for r in rows()] == ["One"]


def test_other_accounts_users_are_not_pushed_to_this_accounts_services(
    account_a, account_b, scim_server
):
    register(account_a, scim_server.url)
    add_user(account_b, user_id="erin")
    assert rows() == []
    assert scim_server.user_named("erin") is None


def test_updates_are_conditional_on_the_etag_and_retried_on_412(account_a, scim_proxy,
                                                                 scim_server):
    register(account_a, scim_proxy.url)
    dave = add_user(account_a)
    # Someone changed the user between our read and our write: 412, then retry.
    scim_proxy.add(method="PATCH", path="/Users/", status=412, times=1,
                   detail="Resource has changed on the server")
    user_update(user=dave, actor=None, name="Dave Again")

    row = ProvisioningHistory.objects.get(kind=Kind.USER_UPDATE)
    assert (row.result, row.attempts) == (Result.OK, 2)
    patches = [m for m in scim_proxy.if_match if m[0] == "PATCH"]
    assert len(patches) == 2 and all(tag.startswith('W/"') for _, _, tag in patches)
    assert scim_server.user_named("dave")["displayName"] == "Dave Again"
