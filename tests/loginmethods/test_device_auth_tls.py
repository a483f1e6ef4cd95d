"""Device authentication through real TLS: nginx on loopback asks for an
optional client certificate and forwards it to the live server; httpx
presents the certificate the portal issued (patterns 5, 6, 7, 8 and 28).
Passkeys (12-14, 18-20) are in test_device_auth_browser.py."""
import re
import ssl
import time

import httpx
import pytest
from django.core.management import call_command

from loginmethods.models import Browser, DeviceCertificate
from tests.conftest import PASSWORD
from tests.loginmethods.conftest import api_rows
from tests.loginmethods.devicekit import install

pytestmark = pytest.mark.django_db(transaction=True)
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.fixture
def behind_proxy(settings):
    # The deployment's BEHIND_TLS_PROXY=1: nginx says the client used https.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.fixture
def device_on(account_a, behind_proxy):
    call_command("set_login_policy", account_a.account_id, "--device-auth", "on")
    return account_a


def client(proxy: str, installed=None, **headers) -> httpx.Client:
    """An HTTPS client; with `installed`, it presents that certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the proxy's certificate is self-signed
    if installed is not None:
        context.load_cert_chain(installed.cert_file, installed.key_file)
    return httpx.Client(base_url=proxy, verify=context, timeout=15,
                        headers={"User-Agent": UA, "Referer": f"{proxy}/login/", **headers})


def login(http: httpx.Client, otp: str = "", **extra) -> httpx.Response:
    page = http.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    data = {"csrfmiddlewaretoken": token, "username": "bob", "password": PASSWORD}
    if otp:
        data["otp_token"] = otp
    return http.post("/login/", data=data, headers=extra)


def last(reader) -> tuple[str, str]:
    row = api_rows(reader)[0]
    return row["result"], row["detail"]


def test_pattern_5_password_and_device(proxy, device_on, bob, alice_reader, tmp_path):
    installed = install(tmp_path, device_on, "desk", user=bob)
    with client(proxy, installed) as http:
        assert login(http).status_code == 302
    assert last(alice_reader) == ("ログイン成功",
                                  "ID/パスワード+デバイス認証による認証成功[127.0.0.1 Windows 10]")
    assert DeviceCertificate.objects.get(pk=installed.pk).last_used_at is not None


def test_pattern_7_with_a_one_time_password(proxy, device_on, bob, alice_reader, tmp_path,
                                             totp_for):
    totp = totp_for(bob)
    with client(proxy, install(tmp_path, device_on, "desk")) as http:
        assert login(http, otp=totp.now()).status_code == 302
    assert last(alice_reader)[1].startswith(
        "ID/パスワード+ワンタイムパスワード認証+デバイス認証による認証成功[")


def test_patterns_6_and_8_with_the_browser_restriction(proxy, device_on, bob, alice_reader,
                                                       tmp_path, totp_for):
    call_command("set_login_policy", device_on.account_id, "--browser-restriction", "on")
    installed = install(tmp_path, device_on, "desk")
    with client(proxy, installed) as http:
        assert "申請" in login(http).text  # the browser applies; no login row
        alice_reader.post("/manage/browsers/", {"pk": Browser.objects.get(user=bob).pk,
                                                "action": "approve"})
        assert login(http).status_code == 302
        assert last(alice_reader)[1].startswith(
            "ID/パスワード+ブラウザ制限+デバイス認証による認証成功[")
        http.cookies.delete("sessionid")
        totp = totp_for(bob)
        assert login(http, otp=totp.at(time.time())).status_code == 302
    assert last(alice_reader)[1].startswith(
        "ID/パスワード+ワンタイムパスワード認証+ブラウザ制限+デバイス認証による認証成功[")


def test_pattern_28_refusals_through_the_proxy(proxy, device_on, account_b, bob, alice_reader,
                                               tmp_path):
    valid = install(tmp_path, device_on, "desk")
    revoked = install(tmp_path, device_on, "lost")
    call_command("set_login_policy", device_on.account_id, "--browser-restriction", "off")
    alice_reader.post("/manage/devices/", {"action": "revoke", "pk": revoked.pk})
    cases = {
        "no certificate": client(proxy),
        "revoked": client(proxy, revoked),
        "another account's CA": client(proxy, install(tmp_path, account_b, "theirs")),
        # nginx replaces a header the client wrote itself with the (empty) real one.
        "forged header": client(proxy, X_Client_Cert=valid.header),
    }
    for reason, http in cases.items():
        with http:
            response = login(http)
        assert response.status_code == 200, reason
        assert "デバイス証明書" in response.text, reason
        assert last(alice_reader) == (
            "ログインNG", "デバイス認証失敗[127.0.0.1 Windows 10]"), reason
    with client(proxy, valid) as http:
        assert login(http).status_code == 302
