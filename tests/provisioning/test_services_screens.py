"""The admin screens for connected services: register, change, remove,
the write-only token, operation-history rows and account scoping."""
import pytest
from django.urls import reverse

from audit.models import OperationHistory
from provisioning.crypto import token_decrypt
from provisioning.models import ConnectedService, ProvisioningHistory
from provisioning.texts import Result
from tests.provisioning.scimpeer import TOKEN, register

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "s3cret-bearer-token-never-shown-7f1e"


def post_service(client, url, **overrides):
    data = {"name": "Directory", "base_url": "http://127.0.0.1:9/scim/v2", "token": SECRET,
            "enabled": "on", "sync_all_organisations": "on", **overrides}
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def test_an_admin_registers_a_service_and_the_token_is_never_shown(alice_client, alice):
    response = post_service(alice_client, reverse("provisioning:service-create"),
                            enabled=None)
    assert response.status_code == 302
    service = ConnectedService.objects.get()
    assert service.account == alice.account and not service.enabled
    assert SECRET not in service.token_encrypted
    assert token_decrypt(service.token_encrypted) == SECRET

    for url in (reverse("provisioning:service-list"),
                reverse("provisioning:service-edit", args=[service.pk])):
        page = alice_client.get(url)
        assert page.status_code == 200
        assert SECRET not in page.content.decode()
        assert service.token_encrypted not in page.content.decode()

    op = OperationHistory.objects.get(kind="scim_service_add")
    assert (op.username, op.detail) == ("alice", "連携サービス「Directory」を登録しました。")


def test_changing_without_a_token_keeps_the_stored_one(alice_client, account_a):
    service = register(account_a, "http://127.0.0.1:9/scim/v2", token=SECRET, enabled=False)
    response = post_service(alice_client, reverse("provisioning:service-edit", args=[service.pk]),
                            name="Renamed", token="", enabled=None)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Renamed"
    assert token_decrypt(service.token_encrypted) == SECRET
    assert OperationHistory.objects.filter(
        kind="scim_service_update", detail="連携サービス「Renamed」の情報を変更しました。").exists()

    post_service(alice_client, reverse("provisioning:service-edit", args=[service.pk]),
                 token="a-new-token", enabled=None)
    service.refresh_from_db()
    assert token_decrypt(service.token_encrypted) == "a-new-token"


def test_bad_input_is_a_clear_error_not_a_500(alice_client, account_a):
    register(account_a, "http://127.0.0.1:9/scim/v2", name="Taken", enabled=False)
    url = reverse("provisioning:service-create")
    response = post_service(alice_client, url, base_url="ftp://nowhere", name="Taken", token="")
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"base_url", "name", "token"}
    assert ConnectedService.objects.count() == 1


def test_removing_a_service_keeps_its_history(alice_client, account_a, scim_server):
    from accounts.services import user_create
    from tests.conftest import PASSWORD

    service = register(account_a, scim_server.url)
    user_create(account=account_a, user_id="dave", password=PASSWORD)
    response = alice_client.post(reverse("provisioning:service-delete", args=[service.pk]))
    assert response.status_code == 302
    assert not ConnectedService.objects.exists()
    row = ProvisioningHistory.objects.get(target="dave")
    assert (row.service_name, row.service_id, row.result) == ("Directory", None, Result.OK)
    assert OperationHistory.objects.filter(
        kind="scim_service_remove", detail="連携サービス「Directory」を削除しました。").exists()


def test_registering_provisions_the_existing_users(alice_client, alice, bob, scim_server):
    post_service(alice_client, reverse("provisioning:service-create"), base_url=scim_server.url,
                 token=TOKEN)
    assert {u["userName"] for u in scim_server.users()} == {"alice", "bob"}
    assert set(ProvisioningHistory.objects.values_list("result", flat=True)) == {Result.OK}


def test_another_accounts_service_looks_unknown(client, charlie, account_a):
    service = register(account_a, "http://127.0.0.1:9/scim/v2", enabled=False)
    client.force_login(charlie)
    for name in ("service-edit", "service-delete", "service-sync"):
        url = reverse(f"provisioning:{name}", args=[service.pk])
        assert client.get(url).status_code in (404, 405)
        assert client.post(url).status_code == 404
    assert client.post(reverse("provisioning:service-edit", args=[999999])).status_code == 404
    assert "Directory" not in client.get(reverse("provisioning:service-list")).content.decode()
    assert ConnectedService.objects.get().name == "Directory"


def test_plain_users_cannot_open_the_service_screens(client, bob):
    client.force_login(bob)
    assert client.get(reverse("provisioning:service-list")).status_code == 403
    assert post_service(client, reverse("provisioning:service-create")).status_code == 403
    assert not ConnectedService.objects.exists()
