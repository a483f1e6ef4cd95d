"""Browser restriction (ブラウザ制限) with real logins: application (§3.2.20),
review (§3.2.19), patterns 3, 4, 24 and 25 read back through the history API."""
import pytest
from django.core.management import call_command
from django.test import Client

from loginmethods.models import Browser, BrowserStatus
from tests.accounts.kit import IPHONE_UA, WIN_UA
from tests.conftest import PASSWORD
from tests.loginmethods.conftest import api_rows

pytestmark = pytest.mark.django_db
IP = "198.51.100.7"
URL = "/manage/browsers/"


@pytest.fixture
def restricted(account_a):
    call_command("set_login_policy", account_a.account_id, "--browser-restriction", "on")
    return account_a


def login(client, password=PASSWORD, **extra):
    return client.post("/login/", {"username": "bob", "password": password},
                       REMOTE_ADDR=IP, HTTP_USER_AGENT=extra.pop("ua", WIN_UA), **extra)


def approve(alice_reader, browser, action="approve"):
    return alice_reader.post(URL, {"pk": browser.pk, "action": action})


def test_a_new_browser_applies_and_is_refused_then_signs_in_once_approved(
        restricted, bob, alice_reader):
    client = Client()
    first = login(client)
    assert first.status_code == 200
    assert "申請" in first.content.decode() or "application" in first.content.decode()
    cookie = first.cookies["sc_browser"]
    assert cookie["httponly"] and int(cookie["max-age"]) > 300 * 86400
    browser = Browser.objects.get(user=bob)
    assert browser.status == BrowserStatus.PENDING
    assert browser.summary == "Chrome 120.0 / Windows 10"
    ops = api_rows(alice_reader, "operation")
    assert (ops[0]["kind"], ops[0]["user_id"], ops[0]["detail"]) == (
        "ブラウザ申請", "bob", "利用ブラウザを申請しました。")
    assert "bob" in alice_reader.get(URL).content.decode()
    assert approve(alice_reader, browser).status_code == 302
    assert api_rows(alice_reader, "operation")[0]["detail"] == (
        "ブラウザ制限の申請を承認しました。[申請者:bob]")
    assert login(client).status_code == 302
    row = api_rows(alice_reader)[0]
    assert (row["user_id"], row["result"], row["detail"]) == (
        "bob", "ログイン成功", f"ID/パスワード+ブラウザ制限による認証成功[{IP} Windows 10]")


def test_pattern_4_with_a_one_time_password(restricted, bob, alice_reader, totp_for):
    totp = totp_for(bob)
    client = Client()
    login(client)  # password right: the OTP step comes first
    client.post("/login/", {"otp_token": totp.now()}, REMOTE_ADDR=IP, HTTP_USER_AGENT=WIN_UA)
    approve(alice_reader, Browser.objects.get(user=bob))
    client.post("/login/", {"username": "bob", "password": PASSWORD,
                            "otp_token": totp.at(__import__("time").time() + 30)},
                REMOTE_ADDR=IP, HTTP_USER_AGENT=WIN_UA)
    assert api_rows(alice_reader)[0]["detail"] == (
        f"ID/パスワード+ワンタイムパスワード認証+ブラウザ制限による認証成功[{IP} Windows 10]")


def test_applying_again_from_a_pending_browser_is_pattern_24(restricted, bob, alice_reader):
    client = Client()
    login(client)
    second = login(client)
    assert second.status_code == 200
    row = api_rows(alice_reader)[0]
    assert (row["result"], row["detail"]) == (
        "ログインNG", f"ブラウザ申請不許可（同一環境からの連続申請）[{IP} Windows 10]")
    assert Browser.objects.filter(user=bob).count() == 1


def test_past_the_per_user_limit_is_pattern_25(restricted, bob, alice_reader):
    call_command("set_login_policy", restricted.account_id, "--browser-limit", "2")
    for _n in range(2):
        login(Client())  # each new client is a new browser (no cookie)
    third = login(Client(), ua=IPHONE_UA)
    assert third.status_code == 200
    row = api_rows(alice_reader)[0]
    assert row["detail"] == f"ブラウザ申請不許可（申請可能台数を超過）[{IP} iOS 17.1]"
    assert Browser.objects.filter(user=bob).count() == 2


def test_clearing_cookies_makes_a_new_browser_and_a_wrong_password_files_nothing(
        restricted, bob, alice_reader):
    client = Client()
    login(client, password="wrong")
    assert not Browser.objects.exists()  # only a login whose other factors passed applies
    login(client)
    approve(alice_reader, Browser.objects.get(user=bob))
    client.cookies.clear()
    assert login(client).status_code == 200
    assert Browser.objects.filter(user=bob, status=BrowserStatus.PENDING).count() == 1


def test_refuse_and_delete_write_their_texts_and_a_forged_cookie_is_a_new_browser(
        restricted, bob, alice_reader):
    client = Client()
    login(client)
    browser = Browser.objects.get(user=bob)
    approve(alice_reader, browser, "refuse")
    assert api_rows(alice_reader, "operation")[0]["detail"] == (
        "ブラウザ制限の申請を拒否しました。[申請者:bob]")
    login(client)  # refused: the user may apply again
    browser.refresh_from_db()
    assert browser.status == BrowserStatus.PENDING
    approve(alice_reader, browser, "delete")
    assert api_rows(alice_reader, "operation")[0]["detail"] == (
        "ブラウザ制限の申請を削除しました。[申請者:bob]")
    assert not Browser.objects.exists()
    forged = Client()
    forged.cookies["sc_browser"] = "not-signed"
    login(forged)
    assert Browser.objects.get(user=bob).key != "not-signed"


def test_another_accounts_application_answers_like_an_unknown_one(restricted, bob, charlie):
    login(Client())
    other = Client()
    other.force_login(charlie)
    browser = Browser.objects.get(user=bob)
    assert other.post(URL, {"pk": browser.pk, "action": "approve"}).status_code == 404
    assert other.post(URL, {"pk": 999999, "action": "approve"}).status_code == 404
    assert "bob" not in other.get(URL).content.decode()
    assert other.post(URL, {"pk": browser.pk, "action": "nonsense"}).status_code == 400
    browser.refresh_from_db()
    assert browser.status == BrowserStatus.PENDING


def test_without_restriction_nothing_changes(bob, alice_reader):
    assert login(Client()).status_code == 302
    assert api_rows(alice_reader)[0]["detail"] == f"ID/パスワードによる認証成功[{IP} Windows 10]"
    assert not Browser.objects.exists()


def test_the_admin_screen_sets_the_policy_and_keeps_the_admins_browser(alice, bob):
    admin = Client()
    assert admin.post("/login/", {"username": "alice", "password": PASSWORD},
                      REMOTE_ADDR=IP, HTTP_USER_AGENT=WIN_UA).status_code == 302
    page = admin.get("/manage/security/login-methods/")
    assert page.status_code == 200 and "FIDO設定" in page.content.decode()
    bad = admin.post("/manage/security/login-methods/", {"fido": "sometimes",
                                                          "browser_limit": "0"})
    assert bad.status_code == 400
    saved = admin.post("/manage/security/login-methods/", {
        "fido": "either", "browser_restriction": "on", "browser_limit": "2"})
    assert saved.status_code == 302
    kinds = [(r["kind"], r["detail"]) for r in api_rows(admin, "operation")[:2]]
    assert ("FIDO設定", "FIDO設定を変更しました。") in kinds
    assert ("ブラウザ制限設定", "ブラウザ制限の設定を変更しました。") in kinds
    assert Browser.objects.get(user=alice).status == BrowserStatus.APPROVED
    admin.post("/logout/")
    assert admin.post("/login/", {"username": "alice", "password": PASSWORD},
                      REMOTE_ADDR=IP, HTTP_USER_AGENT=WIN_UA).status_code == 302
    assert api_rows(admin)[0]["detail"] == (
        f"ID/パスワード+ブラウザ制限による認証成功[{IP} Windows 10]")
    plain = Client()
    plain.force_login(bob)
    assert plain.get("/manage/security/login-methods/").status_code == 403
    assert plain.get(URL).status_code == 403


def test_set_login_policy_refuses_bad_input(account_a):
    from django.core.management.base import CommandError

    for args in ([account_a.account_id], ["NOPE"],
                 [account_a.account_id, "--browser-limit", "0"],
                 [account_a.account_id, "--fido", "maybe"]):
        with pytest.raises(CommandError):
            call_command("set_login_policy", *args)
