"""Password set-up and reset by e-mail through a real SMTP server (aiosmtpd):
the set-up mail of a new user (add and bulk add), the login page's "forgot
password" (same answer for unknown IDs), the link's page with a one-time
password (§3.2.28 texts), and the link working once."""
import re

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import PASSWORD
from tests.loginmethods.conftest import api_rows
from tests.loginmethods.smtp import smtp_server

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Another-horse-77"


@pytest.fixture
def inbox(settings):
    controller, inbox = smtp_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def secret_of(page: str) -> str:
    return re.search(r'id="otp-secret">([A-Z2-7]+)<', page).group(1)


def test_a_new_user_gets_the_set_up_mail_and_sets_password_and_otp(inbox, alice):
    admin = Client()
    admin.force_login(alice)
    added = admin.post("/manage/users/add/", {"username": "dave", "name": "Dave New",
                                              "email": "dave@example.com"})
    assert added.status_code == 302, added.content.decode()[:2000]
    (mail,) = inbox.messages
    assert mail["To"] == "dave@example.com"
    assert "ユーザ初期設定のお願い" in mail["Subject"]
    link = inbox.link(mail)
    user = Client()
    page = user.get(link)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    totp = pyotp.TOTP(secret_of(page.content.decode()))
    done = user.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
                            "otp_token": totp.now()})
    assert done.status_code == 302
    ops = api_rows(admin, "operation")
    assert (ops[0]["kind"], ops[0]["user_id"], ops[0]["detail"]) == (
        "認証情報設定", "dave", "パスワード設定・ワンタイムパスワード設定を実施しました。")
    assert user.get(link).status_code == 400  # one time only
    login = user.post("/login/", {"username": "dave", "password": NEW_PASSWORD,
                                  "otp_token": totp.at(__import__("time").time() + 30)})
    assert login.status_code == 302
    assert api_rows(admin)[0]["detail"].startswith(
        "ID/パスワード+ワンタイムパスワード認証による認証成功[")


def test_bulk_added_users_get_the_set_up_mail(inbox, alice):
    admin = Client()
    admin.force_login(alice)
    csv = b"user_id,name,email\nerin,Erin,erin@example.com\nfrank,Frank,\n"
    response = admin.post("/manage/users/bulk/", {
        "file": SimpleUploadedFile("users.csv", csv, content_type="text/csv")})
    assert response.status_code in (200, 302)
    assert [m["To"] for m in inbox.messages] == ["erin@example.com"]
    assert "ユーザ初期設定のお願い" in inbox.messages[0]["Subject"]


def test_forgot_password_mails_a_known_id_and_answers_the_same_for_an_unknown_one(
        inbox, bob, alice):
    bob.email = "bob@example.com"
    bob.save(update_fields=["email"])
    client = Client()
    login_page = client.get("/login/").content.decode()
    assert "/password/forgot/" in login_page
    known = client.post("/password/forgot/", {"username": "bob"}, follow=True)
    unknown = client.post("/password/forgot/", {"username": "nobody"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    messages = [str(m) for m in known.context["messages"]]
    assert messages == [str(m) for m in unknown.context["messages"]]
    assert client.post("/password/forgot/", {"username": ""}).status_code == 400
    (mail,) = inbox.messages
    assert mail["To"] == "bob@example.com" and "パスワード再設定のお願い" in mail["Subject"]
    link = inbox.link(mail)
    assert client.post(link, {"new_password1": NEW_PASSWORD,
                              "new_password2": NEW_PASSWORD}).status_code == 302
    admin = Client()
    admin.force_login(alice)
    assert api_rows(admin, "operation")[0]["detail"] == "パスワード設定を実施しました。"
    assert client.post(link, {"new_password1": PASSWORD,
                              "new_password2": PASSWORD}).status_code == 400
    assert client.post("/login/", {"username": "bob", "password": NEW_PASSWORD}).status_code == 302


def test_a_bad_link_is_a_clear_400(client, bob):
    for url in ("/password/set/xx/yy/", "/password/set/MQ/nonsense-token/",
                "/password/set/%F0%9F%98%80/x/"):
        assert client.get(url).status_code == 400
    assert client.post("/password/set/xx/yy/passkey/begin/").status_code == 400
    assert client.post("/password/set/xx/yy/passkey/complete/", "{}",
                       content_type="application/json").status_code == 400


def test_a_wrong_code_or_nothing_stores_nothing(bob, alice):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    link = (f"/password/set/{urlsafe_base64_encode(force_bytes(bob.pk))}/"
            f"{default_token_generator.make_token(bob)}/")
    client = Client()
    totp = pyotp.TOTP(secret_of(client.get(link).content.decode()))
    wrong = "000000" if totp.now() != "000000" else "111111"
    answer = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
                                "otp_token": wrong})
    assert answer.status_code == 400 and "id_otp_token" in answer.content.decode()
    assert client.post(link, {}).status_code == 400  # nothing to do
    assert client.post(link, {"new_password1": "x", "new_password2": "y"}).status_code == 400
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    admin = Client()
    admin.force_login(alice)
    assert not [r for r in api_rows(admin, "operation") if r["kind"] == "認証情報設定"]


def test_only_a_one_time_password_from_the_link_page(bob, alice):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    link = (f"/password/set/{urlsafe_base64_encode(force_bytes(bob.pk))}/"
            f"{default_token_generator.make_token(bob)}/")
    client = Client()
    totp = pyotp.TOTP(secret_of(client.get(link).content.decode()))
    assert client.post(link, {"otp_token": totp.now()}).status_code == 302
    admin = Client()
    admin.force_login(alice)
    assert api_rows(admin, "operation")[0]["detail"] == "ワンタイムパスワード設定を実施しました。"


@pytest.mark.parametrize(("password", "passkey", "otp_code", "text"), [
    (True, False, False, "パスワード設定を実施しました。"),
    (True, True, False, "パスワード設定・FIDO認証器登録を実施しました。"),
    (True, True, True, "パスワード設定・FIDO認証器登録・ワンタイムパスワード設定を実施しました。"),
    (True, False, True, "パスワード設定・ワンタイムパスワード設定を実施しました。"),
    (False, False, True, "ワンタイムパスワード設定を実施しました。"),
    (False, True, True, "FIDO認証器登録・ワンタイムパスワード設定を実施しました。"),
    (False, True, False, "FIDO認証器登録を実施しました。"),
])
def test_each_combination_writes_the_manuals_text(bob, rf, password, passkey, otp_code, text):
    from accounts.otp import pending_device
    from audit.models import OperationHistory
    from loginmethods.credential_setup import credential_setup_apply

    request = rf.post("/")
    credential_setup_apply(user=bob, password=NEW_PASSWORD if password else "",
                           device=pending_device(bob) if otp_code else None,
                           passkey_done=passkey, request=request)
    row = OperationHistory.objects.order_by("-id").first()
    assert (row.kind, row.detail, row.username) == ("credential_setup", text, "bob")
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD) is password
