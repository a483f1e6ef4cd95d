"""Device authentication in Debian's Chromium through real TLS: nginx on
loopback asks for an optional client certificate and Playwright presents the
PKCS#12 the admin downloaded from /manage/devices/ (client_certificates).
Patterns 5 and 28, and with a CDP virtual authenticator 12-14 and 18-20,
read back through /api/v1/history/login."""
import os

import pytest
from django.core.management import call_command

from loginmethods.models import Browser, DeviceCertificate
from tests.loginmethods.browserkit import HOME, Tab, last_login, logins_per_fido_mode
from tests.loginmethods.conftest import api_rows
from tests.loginmethods.devicekit import install

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(proxy, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_TLS_PROXY=1
    return proxy


def test_admin_issues_a_certificate_in_the_browser_and_the_device_signs_in(
        site, browser, alice, bob, alice_reader, tmp_path):
    admin = Tab(browser, site, passkeys=False, console_errors=False)
    admin.password_login("alice")
    admin.page.wait_for_url(HOME)
    admin.goto("/manage/devices/")
    admin.page.fill("input[name=name]", "受付PC")
    admin.page.select_option("select[name=user]", value=str(bob.pk))
    admin.page.click("form.box button[type=submit]")
    password = admin.page.inner_text("#p12-password").strip()
    with admin.page.expect_download() as download:
        admin.page.click("#p12-download")
    p12 = tmp_path / "bob.p12"
    download.value.save_as(p12)
    row = DeviceCertificate.objects.get(name="受付PC")
    assert row.user == bob
    for width in (1440, 390):
        admin.page.set_viewport_size({"width": width, "height": 900})
        assert admin.fits(), width
        admin.shot(f"devices-{width}")
    admin.goto("/manage/security/login-methods/")
    admin.page.check("input[name=device_auth]")
    admin.page.click("form.box button[type=submit]")
    admin.page.wait_for_selector("input[name=device_auth]:checked")
    for width in (1440, 390):
        admin.page.set_viewport_size({"width": width, "height": 900})
        assert admin.fits(), width
        admin.shot(f"login-methods-device-{width}")
    ops = api_rows(alice_reader, "operation")
    assert [o["detail"] for o in ops[:2]] == ["デバイス認証の設定を変更しました。",
                                             "デバイス証明書「受付PC」を発行しました。"]

    device = Tab(browser, site, p12=p12, password=password, passkeys=False,
                 console_errors=False)
    device.password_login()
    device.page.wait_for_url(HOME)
    assert last_login(alice_reader)[:2] == ("ログイン成功",
                                            "ID/パスワード+デバイス認証による認証成功")
    row.refresh_from_db()
    assert row.last_used_at is not None

    bare = Tab(browser, site, width=390, passkeys=False, console_errors=False)
    bare.password_login()
    bare.page.wait_for_selector("text=デバイス証明書")
    assert last_login(alice_reader)[:2] == ("ログインNG", "デバイス認証失敗")
    assert bare.fits()
    bare.shot("login-device-refused-390")
    assert not (admin.errors or device.errors or bare.errors)


def test_passkeys_with_a_device_certificate(site, browser, account_a, bob, alice_reader,
                                            tmp_path):
    installed = install(tmp_path, account_a, "bobs-pc", user=bob)
    call_command("set_login_policy", "A00700001", "--device-auth", "on")
    s = Tab(browser, site, p12=installed.p12, password=installed.password,
            console_errors=False)
    s.password_login()
    s.page.wait_for_url(HOME)
    s.register_passkey("key")
    logins_per_fido_mode(s, alice_reader, "A00700001", {
        "second_factor": "ID/パスワード+FIDO+デバイス認証による認証成功",
        "either": "ID/パスワード or FIDO+デバイス認証による認証成功",
        "only": "FIDO+デバイス認証による認証成功",
    })

    call_command("set_login_policy", "A00700001", "--browser-restriction", "on")
    s.forget()
    s.passkey_login()  # FIDO only: this browser files its application
    s.page.wait_for_selector("[data-passkey-error]:not([hidden])")
    assert "申請" in s.page.inner_text("[data-passkey-error]")
    alice_reader.post("/manage/browsers/", {"pk": Browser.objects.get(user=bob).pk,
                                            "action": "approve"})
    logins_per_fido_mode(s, alice_reader, "A00700001", {
        "only": "FIDO+ブラウザ制限+デバイス認証による認証成功",
        "either": "ID/パスワード or FIDO+ブラウザ制限+デバイス認証による認証成功",
        "second_factor": "ID/パスワード+FIDO+ブラウザ制限+デバイス認証による認証成功",
    })
    # The same passkey in a browser without the certificate: refused (28).
    # Last: its use raises the signature counter past the first browser's copy.
    call_command("set_login_policy", "A00700001", "--fido", "only")
    bare = Tab(browser, site, console_errors=False)
    (credential,) = s.cdp.send("WebAuthn.getCredentials",
                               {"authenticatorId": s.authenticator})["credentials"]
    bare.cdp.send("WebAuthn.addCredential", {"authenticatorId": bare.authenticator,
                                             "credential": credential})
    bare.passkey_login()
    bare.page.wait_for_selector("[data-passkey-error]:not([hidden])")
    assert "デバイス証明書" in bare.page.inner_text("[data-passkey-error]")
    assert last_login(alice_reader)[:2] == ("ログインNG", "デバイス認証失敗")
    assert not (s.errors or bare.errors)
