"""The management commands scripts use (issue 2): clear errors, non-zero exits."""
import gzip
import io
import json
import time

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, ApiToken, Gateway, User
from ingest.models import AuthLog, Quarantine
from tests.logformats.samples import AUTH


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_sets_up_a_tenant_from_the_command_line(client):
    run("add_account", "A00700123", "--name", "Hotel")
    run("add_gateway", "PCGOLD001", "--account", "A00700123", "--label", "Lobby")
    run("add_user", "ops1", "--account", "A00700123", "--admin", "--name", "Ops One",
        "--password", "Very-long-pass-99")
    token = run("create_api_token", "ops1").strip()
    gw = Gateway.objects.get(gateway_id="PCGOLD001")
    assert gw.account.account_id == "A00700123" and gw.label == "Lobby"
    user = User.objects.get(username="ops1")
    assert user.is_account_admin and user.check_password("Very-long-pass-99")
    assert ApiToken.objects.get().key_hash == ApiToken.hash(token)
    assert token not in str(ApiToken.objects.values_list())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["add_account", "bad id", "--name", "x"], "A00700123"),
        (["add_gateway", "GW1", "--account", "A00799999"], "no account A00799999"),
        (["add_user", "u1", "--account", "A00799999", "--password", "x"], "no account"),
        (["create_api_token", "nobody"], "no user nobody"),
        (["import_logs", "--type", "nope", "x.csv"], "--type must be one of"),
        (["import_logs", "--type", "auth", "/nonexistent.csv"], "no such file"),
    ],
)
def test_bad_arguments_give_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db
def test_add_user_refuses_a_weak_password():
    Account.objects.create(account_id="A00700123", name="x")
    with pytest.raises(CommandError, match="too short|短すぎ"):
        run("add_user", "u1", "--account", "A00700123", "--password", "1234")


@pytest.mark.django_db
def test_a_gateway_of_another_account_is_not_taken_over():
    run("add_account", "A00700001", "--name", "a")
    run("add_account", "A00700002", "--name", "b")
    run("add_gateway", "GW1", "--account", "A00700001")
    with pytest.raises(CommandError, match="another account"):
        run("add_gateway", "GW1", "--account", "A00700002")


@pytest.mark.django_db
def test_import_logs_reads_gzip_and_quarantines_bad_lines(tmp_path):
    good = tmp_path / "auth_PCGOLD001_202402.csv.gz"
    with gzip.open(good, "wt", encoding="utf-8") as fh:
        fh.write(AUTH + "\n" + AUTH.replace("10:00:00", "11:00:00") + "\n\n")
    out = run("import_logs", "--type", "auth", str(good))
    assert "2 stored" in out and "100%" in out
    assert AuthLog.objects.count() == 2

    bad = tmp_path / "mixed.csv"
    bad.write_bytes(AUTH.replace("10:00:00", "12:00:00").encode() + b"\nbroken,line\n\xff\xfe\n")
    with pytest.raises(SystemExit) as exc:
        run("import_logs", "--type", "auth", str(bad))
    assert exc.value.code == 1
    assert AuthLog.objects.count() == 3
    reasons = sorted(Quarantine.objects.values_list("reason", flat=True))
    assert reasons[0].startswith("auth: expected 28 columns, got 2")
    assert reasons[1].startswith("not valid UTF-8")


@pytest.mark.django_db
def test_ingest_status_prints_the_required_json():
    from ingest.services import store_batch

    store_batch(items=[["auth", AUTH, "x", "udp", time.time(), None],
                       [None, "junk", "x", "udp", time.time(), "bad"]])
    status = json.loads(run("ingest_status", "--json"))
    assert status["stored"]["auth"] == 1 and status["stored"]["mail"] == 0
    assert set(status["stored"]) == {
        "auth", "active", "control", "dhcp", "session", "traffic", "mail", "activeuser"}
    assert status["quarantined"] == 1 and status["unassigned"] == 1


@pytest.mark.django_db
def test_seed_demo_fills_every_log_type_once():
    out = run("seed_demo", "--days", "2", "--per-day", "30")
    assert "demo-admin" in out
    status = json.loads(run("ingest_status", "--json"))
    assert all(n > 0 for n in status["stored"].values()), status
    assert status["unassigned"] == 0 and status["quarantined"] == 0
    again = run("seed_demo", "--if-empty")
    assert "nothing to do" in again
