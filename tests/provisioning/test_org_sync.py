"""Organisation sync (組織同期) as SCIM Groups against a real scim2-server,
with `OK: x NG: y 中断: z` details for whole and partly failing batches."""
import pytest

from accounts.organisations import (
    organisation_create,
    organisation_delete,
    organisation_members_add,
    organisation_rename,
)
from accounts.services import user_create
from provisioning.models import ProvisioningHistory, RemoteLink
from provisioning.texts import Kind, Result
from tests.conftest import PASSWORD
from tests.provisioning.scimpeer import down_url, register

pytestmark = pytest.mark.django_db(transaction=True)


def syncs():
    return list(ProvisioningHistory.objects.filter(kind=Kind.ORG_SYNC).order_by("id"))


def last_sync():
    return syncs()[-1]


@pytest.fixture
def staff(account_a):
    return [user_create(account=account_a, user_id=u, password=PASSWORD, name=u.title())
            for u in ("dave", "erin")]


def test_it_syncs_organisations_as_groups_with_their_members(account_a, staff, scim_server):
    service = register(account_a, scim_server.url)
    sales = organisation_create(account=account_a, name="Sales")
    organisation_create(account=account_a, name="Support")
    organisation_members_add(org=sales, users=staff)

    row = last_sync()
    assert (row.result, row.detail, row.target) == (Result.OK, "OK: 2 NG: 0 中断: 0", "組織 2件")
    groups = {g["displayName"]: g for g in scim_server.groups()}
    assert set(groups) == {"Sales", "Support"}
    dave_id = scim_server.user_named("dave")["id"]
    erin_id = scim_server.user_named("erin")["id"]
    assert {m["value"] for m in groups["Sales"]["members"]} == {dave_id, erin_id}
    assert groups["Sales"]["externalId"] == str(sales.pk)

    organisation_rename(org=sales, name="Sales East")
    assert last_sync().detail == "OK: 2 NG: 0 中断: 0"
    assert {g["displayName"] for g in scim_server.groups()} == {"Sales East", "Support"}

    organisation_delete(org=sales)
    assert last_sync().result == Result.OK
    assert [g["displayName"] for g in scim_server.groups()] == ["Support"]
    assert RemoteLink.objects.filter(service=service, resource="group").count() == 1


def test_a_partly_failing_batch_counts_ok_and_ng(account_a, scim_proxy, scim_server):
    register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Groups", body="Broken", status=409,
                   scim_type="uniqueness", detail="displayName is taken")
    for name in ("Alpha", "Broken", "Gamma"):
        organisation_create(account=account_a, name=name)

    row = last_sync()
    assert (row.result, row.detail) == (Result.NG, "OK: 2 NG: 1 中断: 0")
    assert row.errors == [{"target": "Broken", "detail": "409 uniqueness: displayName is taken"}]
    assert {g["displayName"] for g in scim_server.groups()} == {"Alpha", "Gamma"}


def test_a_server_failing_mid_batch_aborts_the_rest(account_a, scim_proxy, scim_server):
    for name in ("Alpha", "Beta", "Gamma", "Delta"):
        organisation_create(account=account_a, name=name)
    scim_proxy.add(method="POST", path="/Groups", body="Beta", status=503, detail="overloaded")
    register(account_a, scim_proxy.url)  # registering syncs everything once

    (row,) = syncs()
    assert row.target == "組織 4件"
    assert (row.result, row.detail) == (Result.NG, "OK: 1 NG: 1 中断: 2")
    assert row.attempts == 3  # the batch was retried before giving up
    assert row.errors == [{"target": "Beta", "detail": "503: overloaded"}]


def test_a_down_server_aborts_every_organisation(account_a):
    register(account_a, down_url())
    organisation_create(account=account_a, name="Alpha")

    row = last_sync()
    # Issue 11 item 12: the reason reads first, in words, not "NG: 0" alone.
    assert row.result == Result.NG
    assert row.detail == ("連携先に接続できなかったため中断しました: 接続できませんでした: "
                          "接続が拒否されました (連携先のサーバが待ち受けていません) "
                          "(OK: 0 NG: 0 中断: 1)")
    assert "Errno" not in row.detail
    assert row.errors[0]["detail"].startswith("接続できませんでした")


def test_only_the_chosen_organisations_are_synced(account_a, scim_server):
    from django.db import transaction

    from provisioning.services import service_update

    with transaction.atomic():
        alpha = organisation_create(account=account_a, name="Alpha")
        organisation_create(account=account_a, name="Beta")
    service = register(account_a, scim_server.url)
    service_update(service=service, actor=None, sync_all_organisations=False,
                   organisations=[alpha])

    row = last_sync()
    # Alpha is updated and Beta's Group, synced on registration, is removed.
    assert (row.result, row.detail, row.target) == (Result.OK, "OK: 2 NG: 0 中断: 0", "組織 2件")
    assert [g["displayName"] for g in scim_server.groups()] == ["Alpha"]


def test_another_accounts_organisations_are_not_synced(account_a, account_b, scim_server):
    register(account_a, scim_server.url)
    organisation_create(account=account_b, name="Theirs")
    assert syncs() == []
    assert scim_server.groups() == []


def test_deleting_a_member_syncs_its_organisations(account_a, staff, scim_server):
    from accounts.services import user_delete

    sales = organisation_create(account=account_a, name="Sales")
    organisation_members_add(org=sales, users=staff)
    register(account_a, scim_server.url)
    (group,) = scim_server.groups()
    assert len(group["members"]) == 2

    user_delete(user=staff[0], actor=None)
    assert last_sync().detail == "OK: 1 NG: 0 中断: 0"
    (group,) = scim_server.groups()
    assert [m["value"] for m in group["members"]] == [scim_server.user_named("erin")["id"]]
