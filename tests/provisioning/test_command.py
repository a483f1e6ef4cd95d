"""`manage.py add_scim_service ACCOUNT NAME BASE_URL --token-env VAR`."""
import pytest
from django.core.management import CommandError, call_command

from provisioning.crypto import token_decrypt
from provisioning.models import ConnectedService

pytestmark = pytest.mark.django_db


def test_it_registers_a_service_with_the_token_from_the_environment(account_a, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("SCIM_TOKEN", "tok-123")
    call_command("add_scim_service", "A00700001", "Directory", "https://scim.example/v2",
                 "--token-env", "SCIM_TOKEN", "--disabled")
    service = ConnectedService.objects.get()
    assert (service.account, service.name, service.enabled) == (account_a, "Directory", False)
    assert token_decrypt(service.token_encrypted) == "tok-123"
    out = capsys.readouterr().out
    assert "registered for A00700001" in out and "tok-123" not in out


@pytest.mark.parametrize("args, message", [
    (["A09999999", "D", "https://x.example", "--token-env", "SCIM_TOKEN"], "no account"),
    (["A00700001", "D", "https://x.example", "--token-env", "UNSET_VAR"], "UNSET_VAR"),
    (["A00700001", "D", "not a url", "--token-env", "SCIM_TOKEN"], "URL"),
])
def test_it_fails_clearly(account_a, monkeypatch, args, message):
    monkeypatch.setenv("SCIM_TOKEN", "tok")
    monkeypatch.delenv("UNSET_VAR", raising=False)
    with pytest.raises(CommandError, match=message):
        call_command("add_scim_service", *args)
    assert not ConnectedService.objects.exists()


def test_a_duplicate_name_is_refused(account_a, monkeypatch):
    monkeypatch.setenv("SCIM_TOKEN", "tok")
    args = ["A00700001", "D", "https://x.example", "--token-env", "SCIM_TOKEN", "--disabled"]
    call_command("add_scim_service", *args)
    with pytest.raises(CommandError, match="already has"):
        call_command("add_scim_service", *args)
