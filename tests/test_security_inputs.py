"""Bad input and hostile text across apps (issue 10 items 6, 7, 9, 10, 14):
each answer is a clear error, never a 500; CSV cells cannot run as formulas;
download names cannot inject headers; the README's deploy claim is true."""
import csv
import io
import re
from email.message import EmailMessage

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Gateway, Organisation, User, gateway_id_valid
from accounts.organisations import organisation_create
from accounts.services import gateway_register, user_update
from audit.services import login_record
from tests.conftest import REPO
from tests.test_settings import manage

NOW = "2026-11-20 03:00:00+00:00"


# --- Item 6: a month outside the plausible range is a 400 naming month -----------
@pytest.mark.django_db
@pytest.mark.parametrize("month", ["9999-12", "1999-12", "2999-01"])
@pytest.mark.parametrize("path", [
    "/api/v1/stats/connections", "/api/v1/stats/connection-pivot?view=day-hour",
    "/api/v1/stats/distribution?dimension=device", "/api/v1/downloads/auth",
])
def test_an_implausible_month_is_a_400_naming_month(alice_client, path, month):
    sep = "&" if "?" in path else "?"
    response = alice_client.get(f"{path}{sep}month={month}")
    assert response.status_code == 400
    assert response.json()["parameter"] == "month"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["portal:summary", "portal:connection-trend",
                                  "portal:user-distribution", "portal:system-log",
                                  "portal:download"])
def test_dashboards_answer_400_to_month_9999_12(alice_client, gateway_a, name):
    assert alice_client.get(reverse(name), {"month": "9999-12"}).status_code == 400


# --- Item 7: row-level errors, not 500s ---------------------------------------------
def upload(client, url_name, content: bytes):
    return client.post(reverse(f"accounts:{url_name}"),
                       {"file": SimpleUploadedFile("x.csv", content, "text/csv")})


@pytest.mark.django_db
def test_an_organisation_post_with_a_superscript_digit_is_no_500(alice_client, bob):
    org = organisation_create(account=bob.account, name="Sales", record=False)
    url = reverse("accounts:organisation-detail", args=[org.pk])
    for data in ({"action": "add", "users": "²"}, {"action": "move", "users": str(bob.pk),
                                                     "target": "²"}):
        response = alice_client.post(url, data)
        assert response.status_code in (302, 400), data
    assert not org.members.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("content, message", [
    (b"user_id,name\nnul\x00user,Nul\n", "NUL"),
    (b"user_id,name\ngood,Na\x00me\n", "NUL"),
    ("user_id,name\nlong," + "長" * 151 + "\n", "150"),
    ("user_id,email\nmail,a" + "b" * 250 + "@example.jp\n", "254"),
    ("user_id\n" + "u" * 151 + "\n", "150"),
])
def test_bulk_user_rows_with_nul_or_overlong_cells_are_row_errors(alice_client, content,
                                                                  message):
    data = content.encode() if isinstance(content, str) else content
    response = upload(alice_client, "user-bulk", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exclude(username="alice").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"name,members\nSa\x00les,\n", b"name,members\nSales,b\x00b\n",
                                     ("name\n" + "x" * 201 + "\n").encode()])
def test_bulk_organisation_rows_with_bad_cells_are_row_errors(alice_client, content):
    response = upload(alice_client, "organisation-bulk", content)
    assert response.status_code == 400
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_bulk_delete_with_a_nul_byte_is_a_row_error(alice_client):
    response = upload(alice_client, "user-bulk-delete", b"user_id\nbo\x00b\n")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


# --- Item 9: CSV formula injection ------------------------------------------------
def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.django_db
def test_history_csvs_neutralise_formulas(alice_client, alice, bob):
    with time_machine.travel(NOW):
        user_update(user=bob, actor=alice, name='=HYPERLINK("http://evil.example","x")')
        login_record(account=bob.account, user=bob, user_id="+cmd|' /C calc'!A0", pattern=22,
                     request=None)
        login_csv = body(alice_client.get(reverse("audit:login-history-csv")))
        op_csv = body(alice_client.get(reverse("audit:operation-history-csv")))
    login_rows = list(csv.reader(io.StringIO(login_csv)))
    assert ["'+cmd|' /C calc'!A0"] == [r[1] for r in login_rows[1:]]
    op_rows = list(csv.reader(io.StringIO(op_csv)))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in op_rows for cell in row)


@pytest.mark.django_db
def test_the_provisioning_csv_neutralises_formulas(alice_client, alice):
    from django.utils import timezone

    from provisioning.models import ProvisioningHistory

    with time_machine.travel(NOW):
        ProvisioningHistory.objects.create(
            at=timezone.now(), account=alice.account, service_name="@SUM(1+1)", kind="user_create",
            target="=1+2", target_ref="user:1", result="ng", detail="-2+3")
        text = body(alice_client.get(reverse("provisioning:history-csv")))
    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert (row[1], row[3], row[5]) == ("'@SUM(1+1)", "'=1+2", "'-2+3")


# --- Item 10: gateway IDs and download names -------------------------------------
EVIL = "GWA\";filename*=UTF-8''evil.html;x=\""


@pytest.mark.django_db
@pytest.mark.parametrize("gateway_id", [EVIL, "GW 1", "GW/1", "ゲート", "x" * 65, ""])
def test_registration_refuses_gateway_ids_outside_the_alphabet(account_a, gateway_id):
    with pytest.raises(ValidationError):
        gateway_register(gateway_id=gateway_id, account=account_a)
    assert not gateway_id_valid(gateway_id)
    assert not Gateway.objects.filter(account=account_a).exists()


def test_valid_gateway_ids():
    for gid in ("PCGOLD001", "GW-ALICE-1", "a.b_c-9", "x" * 64):
        assert gateway_id_valid(gid)


@pytest.mark.django_db
def test_a_download_name_cannot_inject_a_second_filename(alice_client, account_a):
    # A row stored before the rule (or by ingest) still cannot break the header.
    Gateway.objects.create(gateway_id=EVIL, account=account_a)
    response = alice_client.get("/api/v1/downloads/auth", {"month": "2024-02", "gateway": EVIL})
    assert response.status_code == 200
    message = EmailMessage()
    message["Content-Disposition"] = response["Content-Disposition"]
    assert message.get_filename() == f"auth_{EVIL}_202402.csv.gz"
    assert message.get_param("filename*", header="Content-Disposition") is None


# --- Item 14: README and .env.example tell the truth -------------------------------
def test_the_readmes_production_variables_make_check_deploy_clean():
    readme = (REPO / "README.md").read_text()
    claim = re.search(r"With (`DEBUG=0`.+?) set,\s+`manage.py check --deploy` is clean", readme,
                      re.S)
    assert claim, "README must say which variables make check --deploy clean"
    names = re.findall(r"`([A-Z_]+)(?:=[^`]*)?`", claim.group(1))
    values = {
        "DEBUG": "0", "HTTPS": "1", "ALLOWED_HOSTS": "portal.example.jp",
        "SECRET_KEY": "k" * 20 + "production-secret-7f3a9c2e1b5d4f6a8c0e2b4d6f8a",
        "FIELD_ENCRYPTION_KEY": "yD2k0v9pUj6bqHq8d0l7jFZ0bN8m2Q4R5s6T7u8V9wA=",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    **{name: values[name] for name in names})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_env_example_documents_every_setting_read_from_the_environment():
    settings_py = (REPO / "syslogcloud" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_0-9]+)"', settings_py))
    example = (REPO / ".env.example").read_text()
    missing = sorted(n for n in names if not re.search(rf"\b{n}=", example))
    assert not missing, f".env.example does not mention {missing}"
