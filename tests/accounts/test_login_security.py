"""Throttling, client address, logout, session and OTP enrolment."""
import base64
import re
import time

import pyotp
import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import LoginHistory, OperationHistory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_throttles_failures_per_ip(client, bob, alice, login_post, settings):
    settings.LOGIN_THROTTLE_PER_IP = 3
    settings.LOGIN_THROTTLE_PER_USER = 100
    for name in ("x1", "x2", "x3"):
        login_post(client, name, "wrong")
    response = login_post(client, "bob", PASSWORD)
    assert response.status_code == 429
    assert LoginHistory.objects.count() == 3  # refused before any check: no row
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert login_post(client, "bob", PASSWORD, ip="203.0.113.9").status_code == 302


def test_it_throttles_failures_per_user_id(client, bob, login_post, settings):
    settings.LOGIN_THROTTLE_PER_USER = 2
    settings.LOGIN_LOCKOUT_THRESHOLD = 50
    login_post(client, "bob", "wrong", ip="203.0.113.1")
    login_post(client, "bob", "wrong", ip="203.0.113.2")
    assert login_post(client, "bob", PASSWORD, ip="203.0.113.3").status_code == 429


def test_the_throttle_window_passes(client, bob, login_post, settings):
    settings.LOGIN_THROTTLE_PER_USER = 1
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 60
    with time_machine.travel("2026-11-20 10:00:00+09:00", tick=False):
        login_post(client, "bob", "wrong")
        assert login_post(client, "bob", PASSWORD).status_code == 429
    with time_machine.travel("2026-11-20 10:02:00+09:00", tick=False):
        assert login_post(client, "bob", PASSWORD).status_code == 302


def test_it_ignores_forwarded_for_unless_configured(client, bob, login_post, last_login_row,
                                                    settings):
    settings.TRUSTED_PROXY_HEADER = ""
    login_post(client, "bob", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert "[198.51.100.7 " in last_login_row().detail
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    login_post(client, "bob", "wrong", HTTP_X_FORWARDED_FOR="junk")
    assert "[198.51.100.7 " in last_login_row().detail
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    login_post(client, "bob", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.66, 192.0.2.1")
    assert "[192.0.2.1 " in last_login_row().detail  # the hop our proxy added


def test_logout_is_recorded(client, bob, login_post):
    login_post(client, "bob", PASSWORD)
    response = client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.7",
                           HTTP_USER_AGENT="curl/8")
    assert response.status_code == 302
    row = OperationHistory.objects.get(kind="logout")
    assert (row.username, row.detail) == ("bob", "ログアウトしました。[198.51.100.7 Other]")
    assert client.get(reverse("portal:home")).status_code == 302


def test_logout_needs_post(client, bob):
    client.force_login(bob)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_login_needs_csrf(bob):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 403


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_the_otp_step_expires(client, bob, login_post, totp_for):
    totp = totp_for(bob)
    with time_machine.travel("2026-11-20 10:00:00+09:00", tick=False):
        login_post(client, "bob", PASSWORD)
    with time_machine.travel("2026-11-20 10:10:00+09:00", tick=False):
        response = login_post(client, otp_token=totp.now())
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_malformed_login_post_is_a_form_error(client, db, login_post):
    response = login_post(client, "", "")
    assert response.status_code == 400
    assert LoginHistory.objects.count() == 0


def enrol(client, user):
    page = client.get(reverse("accounts:otp-setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    secret = re.search(r'id="otp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret
    return pyotp.TOTP(secret), client.post(reverse("accounts:otp-setup"),
                                           {"otp_token": pyotp.TOTP(secret).now()})


def test_first_otp_set_up_is_recorded_and_then_required(client, bob, login_post, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp delays the next try after a failure
    client.force_login(bob)
    assert client.post(reverse("accounts:otp-setup"), {"otp_token": "123456"}).status_code == 400
    totp, response = enrol(client, bob)
    assert response.status_code == 302
    row = OperationHistory.objects.get(kind="credential_setup")
    assert row.detail == "ワンタイムパスワード設定を実施しました。"
    client.logout()
    assert b'name="otp_token"' in login_post(client, "bob", PASSWORD).content
    # A code is accepted once: the next login uses the next 30-second step.
    with time_machine.travel(time.time() + 30):
        assert login_post(client, otp_token=totp.now()).status_code == 302


def test_otp_reset_replaces_the_device_and_is_recorded(client, bob, totp_for):
    totp_for(bob)
    client.force_login(bob)
    _totp, response = enrol(client, bob)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=bob).count() == 1
    row = OperationHistory.objects.get(kind="otp_reset")
    assert row.detail == "自身のワンタイムパスワードを再設定しました。"


def test_a_condition_requiring_otp_forces_set_up(client, alice, bob, login_post):
    from accounts.security import login_condition_add

    login_condition_add(account=bob.account, actor=alice, name="otp for all", require_otp=True)
    response = login_post(client, "bob", PASSWORD)
    assert response["Location"] == reverse("accounts:otp-setup")
    assert client.get(reverse("portal:home"))["Location"] == reverse("accounts:otp-setup")
    _totp, done = enrol(client, bob)
    assert done.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_an_admins_only_condition_spares_plain_users(client, alice, bob, login_post,
                                                     last_login_row):
    from accounts.security import login_condition_add

    login_condition_add(account=alice.account, actor=alice, name="admins in office",
                        allowed_cidrs="192.0.2.0/24", admins_only=True)
    assert login_post(client, "bob", PASSWORD).status_code == 302
    client.logout()
    login_post(client, "alice", PASSWORD)
    assert last_login_row().pattern == 23


def test_the_login_page_in_english_and_japanese(client, db):
    assert "ログイン" in client.get(reverse("accounts:login")).content.decode()
    client.cookies["django_language"] = "en"
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in body and "User ID" in body
    assert 'name="username"' in body and 'name="password"' in body


def test_the_login_error_does_not_say_which_part_was_wrong(client, bob, login_post):
    body = login_post(client, "bob", "wrong").content.decode()
    assert "ユーザIDまたはパスワードが正しくありません。" in body
