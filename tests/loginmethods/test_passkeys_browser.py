"""Passkeys and the browser restriction in Debian's Chromium (Playwright) with
a CDP virtual authenticator (ctap2, internal, resident keys, user
verification): registration, passkey-only sign-in, passkey as the second
factor, a failed assertion, and application -> approval -> login. Every
pattern is read back through /api/v1/history/login."""
import os

import pytest
from django.core.management import call_command
from django.test import Client

from loginmethods.models import Browser
from tests.loginmethods.browserkit import HOME, Tab, last_login, logins_per_fido_mode
from tests.loginmethods.conftest import api_rows

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def site(live_server):
    # WebAuthn needs a secure context: http://localhost is one, 127.0.0.1 is not.
    return live_server.url.replace("127.0.0.1", "localhost")


@pytest.fixture
def reader(alice):
    c = Client()
    c.force_login(alice)
    return c


@pytest.mark.parametrize("width", [390, 1440])
def test_register_rename_sign_in_with_a_passkey_alone_then_delete_and_fail(
        live_server, site, browser, bob, alice, reader, width):
    s = Tab(browser, site, width=width)
    s.password_login()
    s.page.wait_for_url(HOME)
    s.register_passkey("ノートPC")
    assert len(s.credentials()) == 1 and s.credentials()[0]["isResidentCredential"]
    assert "端末内蔵" in s.page.inner_text("#passkeys")
    s.shot(f"passkeys-{width}")
    assert s.page.evaluate("(m => m.scrollWidth <= m.clientWidth)(document.querySelector('main'))")
    ops = api_rows(reader, "operation")
    assert (ops[0]["kind"], ops[0]["user_id"], ops[0]["detail"]) == (
        "FIDO認証器管理", "bob", "認証器(端末内蔵)を登録しました。")
    s.page.fill("#passkeys input[name=name]", "仕事用PC")
    s.page.click("#passkeys form:has(input[value=rename]) button")
    s.page.wait_for_selector("#passkeys input[value='仕事用PC']")
    assert api_rows(reader, "operation")[0]["detail"] == "登録済認証器の名称を変更しました。"

    call_command("set_login_policy", "A00700001", "--fido", "only")
    assert api_rows(reader, "operation")[0]["detail"] == "FIDO設定を変更しました。"
    s.forget()
    s.password_login()  # FIDO only: the password alone is refused
    s.page.wait_for_selector("text=パスキーでログイン")
    assert "パスキー" in s.page.inner_text("form.login")
    assert last_login(reader)[:2] == ("ログインNG", "FIDO認証失敗")
    s.shot(f"login-passkey-only-{width}")
    s.passkey_login()  # no user ID typed: the discoverable credential says who
    s.page.wait_for_url(HOME)
    assert last_login(reader) == ("ログイン成功", "FIDOによる認証成功", "Linux")
    s.goto("/me/passkeys/")
    assert "—" not in s.page.inner_text("#passkeys tbody")  # last used is filled in now

    s.page.click("#passkeys form:has(input[value=delete]) button")
    s.page.wait_for_selector("text=パスキーはありません。")
    assert api_rows(reader, "operation")[0]["detail"] == "認証器(端末内蔵)を削除しました。"
    s.forget()
    s.passkey_login()  # the authenticator still offers the removed credential
    s.page.wait_for_selector("[data-passkey-error]:not([hidden])")
    assert last_login(reader) == ("ログインNG", "FIDO認証失敗", "Linux")
    assert api_rows(reader)[0]["user_id"] == "bob"  # named by the user handle
    assert not s.errors, s.errors
    s.close()


def test_passkey_as_second_factor_and_either(live_server, site, browser, bob, reader):
    s = Tab(browser, site)
    s.password_login()
    s.page.wait_for_url(HOME)
    s.register_passkey("key")
    call_command("set_login_policy", "A00700001", "--fido", "second_factor")
    s.forget()
    s.passkey_login()  # a passkey alone is not enough with FIDO as the second factor
    s.page.wait_for_selector("[data-passkey-error]:not([hidden])")
    assert last_login(reader)[:2] == ("ログインNG", "FIDO認証失敗")
    s.password_login()
    s.page.click("button:has-text('パスキーで確認')")
    s.page.wait_for_url(HOME)
    assert last_login(reader) == ("ログイン成功", "ID/パスワード+FIDOによる認証成功", "Linux")

    call_command("set_login_policy", "A00700001", "--fido", "either")
    s.forget()
    s.password_login()
    s.page.wait_for_url(HOME)
    assert last_login(reader).text == "ID/パスワード or FIDOによる認証成功"
    s.forget()
    s.passkey_login()
    s.page.wait_for_url(HOME)
    assert last_login(reader).text == "ID/パスワード or FIDOによる認証成功"

    from accounts.services import user_status_set

    user_status_set(user=bob, status="suspended", actor=None)
    s.forget()
    s.passkey_login()  # a suspended user's passkey answers like a failed one
    s.page.wait_for_selector("[data-passkey-error]:not([hidden])")
    assert "パスキーによる認証に失敗しました" in s.page.inner_text("[data-passkey-error]")
    assert last_login(reader)[:2] == ("ログインNG", "一時停止中のログイン")
    assert not s.errors, s.errors
    s.close()


@pytest.mark.parametrize("width", [390, 1440])
def test_browser_application_approval_then_login_with_fido(
        live_server, site, browser, bob, alice, reader, width):
    s = Tab(browser, site, width=width)
    s.password_login()
    s.page.wait_for_url(HOME)
    s.register_passkey("key")
    admin = Tab(browser, site, width=width)
    admin.password_login("alice")  # signed in before the restriction starts
    admin.page.wait_for_url(HOME)
    call_command("set_login_policy", "A00700001", "--fido", "second_factor",
                 "--browser-restriction", "on")
    s.forget()
    s.password_login()
    s.page.click("button:has-text('パスキーで確認')")
    s.page.wait_for_selector("[data-passkey-error]:not([hidden])")
    assert "申請" in s.page.inner_text("[data-passkey-error]")
    assert api_rows(reader, "operation")[0]["detail"] == "利用ブラウザを申請しました。"
    s.shot(f"browser-applied-{width}")

    admin.goto("/manage/browsers/")
    assert "bob" in admin.page.inner_text("#applications")
    admin.shot(f"browser-applications-{width}")
    admin.page.click("#applications button[value=approve]")
    admin.page.wait_for_selector("#applications >> text=承認済み")
    assert api_rows(reader, "operation")[0]["detail"] == (
        "ブラウザ制限の申請を承認しました。[申請者:bob]")
    admin.close()

    logins_per_fido_mode(s, reader, "A00700001", {
        "second_factor": "ID/パスワード+FIDO+ブラウザ制限による認証成功",
        "either": "ID/パスワード or FIDO+ブラウザ制限による認証成功",
        "only": "FIDO+ブラウザ制限による認証成功",
    })
    assert Browser.objects.get(user=bob).summary.endswith("/ Linux")
    assert not s.errors, s.errors
    s.close()


def test_the_mail_link_page_sets_password_one_time_password_and_passkey(
        live_server, site, browser, bob, reader, settings):
    import pyotp

    from tests.loginmethods.smtp import smtp_server

    controller, inbox = smtp_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    bob.email = "bob@example.com"
    bob.save(update_fields=["email"])
    call_command("set_login_policy", "A00700001", "--fido", "either")
    try:
        s = Tab(browser, site)
        s.goto("/login/")
        s.page.click("text=パスワードをお忘れの方")
        s.page.fill("input[name=username]", "bob")
        s.page.click("button[type=submit]")
        s.page.wait_for_url("**/login/")
        (mail,) = inbox.messages
        s.page.goto(inbox.link(mail).replace("127.0.0.1", "localhost"))
        s.page.click("button:has-text('パスキーを登録')")
        s.page.wait_for_selector("#setup-passkey .ok")
        secret = s.page.inner_text("#otp-secret").strip()
        s.page.fill("input[name=new_password1]", "Another-horse-77")
        s.page.fill("input[name=new_password2]", "Another-horse-77")
        s.page.fill("input[name=otp_token]", pyotp.TOTP(secret).now())
        s.shot("credential-setup-1440")
        s.page.click("form.box button[type=submit]")
        s.page.wait_for_url("**/login/")
        assert api_rows(reader, "operation")[0]["detail"] == (
            "パスワード設定・FIDO認証器登録・ワンタイムパスワード設定を実施しました。")
        s.passkey_login()
        s.page.wait_for_url(HOME)
        assert last_login(reader).text == "ID/パスワード or FIDOによる認証成功"
        assert not s.errors, s.errors
        s.close()
    finally:
        controller.stop()


def test_a_security_key_is_named_so_in_the_history(live_server, site, browser, bob, reader):
    s = Tab(browser, site, transport="usb")  # a roaming authenticator: cross-platform
    s.password_login()
    s.page.wait_for_url(HOME)
    s.register_passkey("USBキー")
    assert "セキュリティキー" in s.page.inner_text("#passkeys")
    assert api_rows(reader, "operation")[0]["detail"] == "認証器(セキュリティキー)を登録しました。"
    s.page.click("#passkeys form:has(input[value=delete]) button")
    s.page.wait_for_selector("text=パスキーはありません。")
    assert api_rows(reader, "operation")[0]["detail"] == "認証器(セキュリティキー)を削除しました。"
    assert not s.errors, s.errors
    s.close()
