"""Device authentication (デバイス認証) without a proxy: the success-pattern
table against the manual, the certificate checks, the header trust rule, the
admin screens and the commands. The TLS path is test_device_auth_tls.py."""
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from cryptography import x509
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from audit.texts import LOGIN_PATTERNS, RESULT_NG, RESULT_SUCCESS
from loginmethods import devices
from loginmethods.models import DeviceCertificate
from loginmethods.policy import _SUCCESS
from tests.accounts.kit import WIN_UA
from tests.conftest import PASSWORD
from tests.loginmethods.conftest import api_rows
from tests.loginmethods.devicekit import install, open_p12

# KDDI manual §2.2, the success rows and 28, copied as the manual prints them.
MANUAL = """
1 ID/パスワード+ワンタイムパスワード認証による認証成功
2 ID/パスワードによる認証成功
3 ID/パスワード+ブラウザ制限による認証成功
4 ID/パスワード+ワンタイムパスワード認証+ブラウザ制限による認証成功
5 ID/パスワード+デバイス認証による認証成功
6 ID/パスワード+ブラウザ制限+デバイス認証による認証成功
7 ID/パスワード+ワンタイムパスワード認証+デバイス認証による認証成功
8 ID/パスワード+ワンタイムパスワード認証+ブラウザ制限+デバイス認証による認証成功
9 ID/パスワード+FIDO による認証成功
10 ID/パスワード or FIDO による認証成功
11 FIDO による認証成功
12 ID/パスワード+FIDO+デバイス認証による認証成功
13 ID/パスワード or FIDO+デバイス認証による認証成功
14 FIDO+デバイス認証による認証成功
15 ID/パスワード+FIDO+ブラウザ制限による認証成功
16 ID/パスワード or FIDO+ブラウザ制限による認証成功
17 FIDO+ブラウザ制限による認証成功
18 ID/パスワード+FIDO+ブラウザ制限+デバイス認証による認証成功
19 ID/パスワード or FIDO+ブラウザ制限+デバイス認証による認証成功
20 FIDO+ブラウザ制限+デバイス認証による認証成功
28 デバイス認証失敗
"""
IP = "198.51.100.7"


def manual_texts() -> dict[int, str]:
    """The manual's texts as the portal stores them: no space where the PDF
    put one between Latin and Japanese letters ("FIDO による"), " or " kept."""
    texts = {}
    for line in MANUAL.strip().splitlines():
        number, text = line.split(" ", 1)
        text = text.replace(" or ", "\0")
        text = re.sub(r"(?<=[A-Za-z]) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=[A-Za-z])", "", text)
        texts[int(number)] = text.replace("\0", " or ")
    return texts


def composed(fido: str, otp: bool, browser: bool, device: bool) -> str:
    """The text the factors spell, in the manual's order."""
    text = {"": "ID/パスワード", "second": "ID/パスワード+FIDO",
            "either": "ID/パスワード or FIDO", "only": "FIDO"}[fido]
    if otp and fido == "":  # the manual names the one-time password only without FIDO
        text += "+ワンタイムパスワード認証"
    if browser:
        text += "+ブラウザ制限"
    if device:
        text += "+デバイス認証"
    return text + "による認証成功"


def test_every_factor_combination_maps_to_the_manuals_pattern():
    manual = manual_texts()
    for (fido, otp, browser, device), pattern in _SUCCESS.items():
        assert LOGIN_PATTERNS[pattern] == (RESULT_SUCCESS, manual[pattern]), pattern
        assert composed(fido, otp, browser, device) == manual[pattern], (fido, otp, browser,
                                                                         device)
    assert set(_SUCCESS.values()) == set(range(1, 21))
    assert LOGIN_PATTERNS[28] == (RESULT_NG, manual[28])


# --- Certificates and the header rule (Django's test client) ------------------------------
@pytest.fixture
def device_on(account_a):
    call_command("set_login_policy", account_a.account_id, "--device-auth", "on")
    return account_a


def login(client, header: str = "", peer: str = "127.0.0.1", user: str = "bob"):
    """A password login as the proxy (peer) would pass it on."""
    extra = {"HTTP_X_CLIENT_CERT": header} if header else {}
    return client.post("/login/", {"username": user, "password": PASSWORD},
                       REMOTE_ADDR=peer, HTTP_USER_AGENT=WIN_UA, **extra)


def last(reader) -> tuple[str, str]:
    row = api_rows(reader)[0]
    return row["user_id"], row["detail"]


@pytest.mark.django_db
def test_header_counts_only_from_a_trusted_peer(device_on, bob, alice_reader, tmp_path):
    cert = install(tmp_path, device_on, "desk")
    assert login(Client(), cert.header, peer=IP).status_code == 200  # refused
    assert last(alice_reader) == ("bob", f"デバイス認証失敗[{IP} Windows 10]")
    assert login(Client(), cert.header).status_code == 302
    assert last(alice_reader) == ("bob", "ID/パスワード+デバイス認証による認証成功"
                                         "[127.0.0.1 Windows 10]")
    assert DeviceCertificate.objects.get(pk=cert.pk).last_used_at is not None


@pytest.mark.django_db
def test_refused_certificates_are_pattern_28(device_on, account_b, bob, alice_reader,
                                             tmp_path, settings):
    from tests.conftest import make_user

    carol = make_user("carol", account=device_on)
    refused = {
        "none": "",
        "garbage": quote("-----BEGIN CERTIFICATE-----\nnot a certificate\n"),
        "another account's CA": install(tmp_path, account_b, "theirs").header,
        "bound to another user": install(tmp_path, device_on, "carols", user=carol).header,
    }
    refused["forged: CA's name, a real serial, another key"] = forged_like(
        install(tmp_path, device_on, "real"))
    revoked = install(tmp_path, device_on, "lost")
    devices.device_revoke(certificate=DeviceCertificate.objects.get(pk=revoked.pk))
    refused["revoked"] = revoked.header
    for reason, header in refused.items():
        response = login(Client(), header)
        assert response.status_code == 200, reason
        assert "device certificate" in response.content.decode() or \
            "デバイス証明書" in response.content.decode(), reason
        assert last(alice_reader) == ("bob", "デバイス認証失敗[127.0.0.1 Windows 10]"), reason
    assert login(Client(), install(tmp_path, device_on, "bobs", user=bob).header).status_code == 302
    settings.DEVICE_CERT_HEADER = "HTTP_X_SSL_CERT"  # another proxy's header name
    assert login(Client(), install(tmp_path, device_on, "any").header).status_code == 200


def forged_like(installed) -> str:
    """A certificate copying a real one's issuer, subject and serial, signed
    by a key of the forger's own: what someone who saw the list could make."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    real = x509.load_pem_x509_certificate(installed.cert_file.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = (x509.CertificateBuilder().subject_name(real.subject).issuer_name(real.issuer)
              .public_key(key.public_key()).serial_number(real.serial_number)
              .not_valid_before(real.not_valid_before_utc)
              .not_valid_after(real.not_valid_after_utc).sign(key, hashes.SHA256()))
    return quote(forged.public_bytes(serialization.Encoding.PEM).decode(), safe="")


@pytest.mark.django_db
def test_validity_window_is_checked(account_a, bob, tmp_path):
    cert = x509.load_pem_x509_certificate(install(tmp_path, account_a, "d").cert_file.read_bytes())
    now = timezone.now()
    assert devices.certificate_match(cert=cert, user=bob, now=now)
    assert devices.certificate_match(cert=cert, user=bob, now=now + timedelta(days=900)) is None
    assert devices.certificate_match(cert=cert, user=bob, now=now - timedelta(days=1)) is None


@pytest.mark.django_db
def test_device_auth_off_ignores_certificates(account_a, bob, alice_reader, tmp_path):
    assert login(Client(), install(tmp_path, account_a, "d").header).status_code == 302
    assert last(alice_reader)[1].startswith("ID/パスワードによる認証成功")


@pytest.mark.django_db
def test_ca_key_is_stored_encrypted(account_a, tmp_path, settings):
    install(tmp_path, account_a, "d")
    authority = account_a.device_authority
    assert "PRIVATE KEY" not in authority.key_encrypted
    assert authority.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert install(tmp_path, account_a, "e").pk  # the same CA signs again


# --- Screens ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_login_methods_screen_switches_device_auth(account_a, alice_client, alice_reader):
    url = "/manage/security/login-methods/"
    assert "デバイス認証" in alice_client.get(url).content.decode()
    response = alice_client.post(url, {"fido": "off", "browser_limit": 3, "device_auth": "on"})
    assert response.status_code == 302
    assert account_a.login_methods.device_auth
    ops = api_rows(alice_reader, "operation")
    assert (ops[0]["kind"], ops[0]["user_id"], ops[0]["detail"]) == (
        "デバイス認証設定", "alice", "デバイス認証の設定を変更しました。")
    alice_client.post(url, {"fido": "off", "browser_limit": 3})
    account_a.login_methods.refresh_from_db()
    assert not account_a.login_methods.device_auth


@pytest.mark.django_db
def test_issue_download_once_and_revoke_on_the_screen(account_a, bob, alice_client,
                                                      alice_reader, tmp_path):
    url = "/manage/devices/"
    page = alice_client.post(url, {"action": "issue", "name": "受付PC", "user": bob.pk})
    assert page.status_code == 200
    html = page.content.decode()
    password = re.search(r'id="p12-password">([^<]+)<', html)[1]
    row = DeviceCertificate.objects.get(name="受付PC")
    assert row.user == bob and row.serial in html and row.fingerprint in html
    download = alice_client.get(f"{url}{row.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/x-pkcs12"
    installed = open_p12(download.content, password, tmp_path, "screen")
    assert x509.load_pem_x509_certificate(installed.cert_file.read_bytes()).serial_number == \
        int(row.serial, 16)
    assert alice_client.get(f"{url}{row.pk}/download/").status_code == 404  # once only
    assert password not in alice_client.get(url).content.decode()
    ops = api_rows(alice_reader, "operation")
    assert (ops[0]["kind"], ops[0]["detail"]) == ("デバイス証明書管理",
                                                  "デバイス証明書「受付PC」を発行しました。")
    assert alice_client.post(url, {"action": "revoke", "pk": row.pk}).status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api_rows(alice_reader, "operation")[0]["detail"] == (
        "デバイス証明書「受付PC」を失効させました。")


@pytest.mark.django_db
def test_screen_refuses_bad_input_and_other_accounts(account_a, account_b, bob, charlie,
                                                     alice_client, tmp_path):
    url = "/manage/devices/"
    assert alice_client.post(url, {"action": "issue", "name": " "}).status_code == 400
    assert alice_client.post(url, {"action": "issue", "name": "x", "user": charlie.pk}
                             ).status_code == 400  # another account's user is no choice
    assert alice_client.post(url, {"action": "explode"}).status_code == 400
    theirs = install(tmp_path, account_b, "theirs")
    assert alice_client.post(url, {"action": "revoke", "pk": theirs.pk}).status_code == 404
    assert alice_client.get(f"{url}{theirs.pk}/download/").status_code == 404
    plain = Client()
    plain.force_login(bob)
    assert plain.get(url).status_code == 403


# --- Commands --------------------------------------------------------------------------
@pytest.mark.django_db
def test_commands(account_a, bob, alice_reader, tmp_path, capsys):
    call_command("set_login_policy", "A00700001", "--device-auth", "on")
    assert "device_auth=on" in capsys.readouterr().out
    assert api_rows(alice_reader, "operation")[0]["detail"] == "デバイス認証の設定を変更しました。"
    out = tmp_path / "bob.p12"
    call_command("issue_device_cert", "A00700001", "Bob's phone", "--out", str(out),
                 "--user", "bob")
    password = re.search(r"password: (\S+)", capsys.readouterr().out)[1]
    installed = open_p12(out.read_bytes(), password, tmp_path, "cmd")
    assert login(Client(), installed.header).status_code == 302
    assert DeviceCertificate.objects.get(name="Bob's phone").user == bob
    for args, message in (
            (["A09999999", "x", "--out", str(tmp_path / "a.p12")], "no account"),
            (["A00700001", "x", "--out", str(out)], "exists"),
            (["A00700001", "x", "--out", str(tmp_path / "b.p12"), "--user", "zed"], "no user"),
            (["A00700001", "", "--out", str(tmp_path / "c.p12")], "NAME"),
            (["A00700001", "x", "--out", str(tmp_path / "no" / "d.p12")], "does not exist")):
        with pytest.raises(CommandError, match=message):
            call_command("issue_device_cert", *args)
