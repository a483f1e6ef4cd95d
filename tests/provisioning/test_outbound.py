"""SSRF through SCIM (issue 10 item 4, SPEC §9): loopback, link-local and
private targets are refused at registration and again at connect time
unless ALLOW_PRIVATE_OUTBOUND; a changed URL needs the token again; remote
error bodies are cut short."""
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.services import user_create
from provisioning.crypto import token_decrypt
from provisioning.models import ConnectedService, ProvisioningHistory
from provisioning.services import service_update
from provisioning.texts import Kind, Result
from tests.provisioning.scimpeer import register

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_refused(settings):
    settings.ALLOW_PRIVATE_OUTBOUND = False


def post_service(client, url, **overrides):
    data = {"name": "Directory", "base_url": "http://127.0.0.1:9/scim/v2", "token": "tok",
            "enabled": "on", "sync_all_organisations": "on", **overrides}
    return client.post(url, {k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("base_url", [
    "http://127.0.0.1:6379/scim/v2",        # Redis on loopback
    "http://169.254.169.254/latest/meta-data",  # the cloud metadata service
    "http://10.1.2.3/scim",                 # the office LAN
    "http://[::1]:8000/scim",
    "http://localhost:8000/scim",
])
def test_the_form_refuses_private_targets(alice_client, private_refused, base_url):
    response = post_service(alice_client, reverse("provisioning:service-create"),
                            base_url=base_url)
    assert response.status_code == 400
    assert "ALLOW_PRIVATE_OUTBOUND" in response.content.decode()
    assert not ConnectedService.objects.exists()


def test_the_command_refuses_private_targets(account_a, private_refused, monkeypatch):
    monkeypatch.setenv("SCIM_TOKEN", "tok")
    with pytest.raises(CommandError, match="ALLOW_PRIVATE_OUTBOUND"):
        call_command("add_scim_service", "A00700001", "D", "http://127.0.0.1:9/scim",
                     "--token-env", "SCIM_TOKEN")
    assert not ConnectedService.objects.exists()


def test_the_operator_may_allow_private_targets(alice_client, settings):
    settings.ALLOW_PRIVATE_OUTBOUND = True
    response = post_service(alice_client, reverse("provisioning:service-create"),
                            enabled=None)
    assert response.status_code == 302


def test_the_connect_time_check_refuses_what_registration_let_through(
        account_a, scim_proxy, settings):
    """DNS may change after registration: the client checks every request."""
    service = register(account_a, scim_proxy.url, enabled=False)
    settings.ALLOW_PRIVATE_OUTBOUND = False
    service_update(service=service, actor=None, enabled=True)  # queues a full sync
    user_create(account=account_a, user_id="dave", password=None)
    rows = list(ProvisioningHistory.objects.order_by("id"))
    assert rows and all(r.result == Result.NG for r in rows)
    assert all("接続先が許可されていません" in r.detail for r in rows), [r.detail for r in rows]
    assert scim_proxy.seen == []  # not one request left the portal


def test_a_changed_url_needs_the_token_again(alice_client, account_a, scim_proxy):
    service = register(account_a, scim_proxy.url, enabled=False, token="old-token")
    edit = reverse("provisioning:service-edit", args=[service.pk])
    response = post_service(alice_client, edit, base_url="http://127.0.0.2:9/scim",
                            token="", enabled=None)
    assert response.status_code == 400
    service.refresh_from_db()
    assert service.base_url == scim_proxy.url
    with pytest.raises(ValidationError) as caught:
        service_update(service=service, actor=None, base_url="http://127.0.0.2:9/scim")
    assert "token" in caught.value.message_dict
    # With a new token it is accepted; the same URL keeps the stored token.
    post_service(alice_client, edit, base_url="http://127.0.0.2:9/scim", token="new-token",
                 enabled=None)
    service.refresh_from_db()
    assert token_decrypt(service.token_encrypted) == "new-token"
    post_service(alice_client, edit, base_url="http://127.0.0.2:9/scim", token="",
                 enabled=None, name="Renamed")
    service.refresh_from_db()
    assert (service.name, token_decrypt(service.token_encrypted)) == ("Renamed", "new-token")


def test_remote_error_bodies_are_cut_short(account_a, scim_proxy):
    scim_proxy.add(method="POST", path="/Users", status=400, detail="<b>x</b>" * 2000)
    register(account_a, scim_proxy.url)
    user_create(account=account_a, user_id="dave", password=None)
    row = ProvisioningHistory.objects.get(kind=Kind.USER_CREATE, target="dave")
    assert row.result == Result.NG
    assert row.detail.startswith("400")
    assert len(row.detail) <= 220 and row.detail.endswith("…")


def test_a_refused_connection_says_so_in_words(account_a):
    """Issue 11 item 12: not `[Errno 111] Connection refused`."""
    from tests.provisioning.scimpeer import down_url

    register(account_a, down_url())
    user_create(account=account_a, user_id="dave", password=None)
    row = ProvisioningHistory.objects.get(kind=Kind.USER_CREATE, target="dave")
    assert row.result == Result.NG
    assert row.detail.startswith("接続できませんでした: 接続が拒否されました")
    assert "Errno" not in row.detail
