"""One set of rules for every way in (issue 10 items 1-3, SPEC §9): user
status, API tokens, the admin login, and the answers of a locked account."""
import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, UserStatus
from accounts.selectors import policy_get
from accounts.services import user_delete, user_password_set, user_status_set
from audit.models import LoginHistory, OperationHistory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/connections"
MONTH = {"month": "2024-02"}
HISTORY = "/api/v1/history/login"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def bearer(secret: str, ip: str = "198.51.100.7") -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", "REMOTE_ADDR": ip}


def last_operation() -> OperationHistory:
    return OperationHistory.objects.order_by("-id").first()


# --- Item 1: status, tokens ---------------------------------------------------
@pytest.mark.parametrize("status", ["suspended", "locked"])
def test_a_suspended_or_locked_users_token_answers_401_at_once(client, bob, status):
    secret = run("create_api_token", "bob")
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 200
    assert client.get(HISTORY, **bearer(secret)).status_code == 200
    run("set_user_status", "bob", status)
    for url, params in ((STATS, MONTH), (HISTORY, {}), ("/api/v1/downloads/auth", MONTH)):
        response = client.get(url, params, **bearer(secret))
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "no-store" in response["Cache-Control"]
    # Pages answer like to a stranger: to the login page.
    assert client.get("/", **bearer(secret)).status_code == 302
    run("set_user_status", "bob", "active")
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 200


def test_a_status_change_ends_an_open_session(client, alice, bob):
    client.force_login(bob)
    assert client.get(reverse("accounts:me")).status_code == 200
    user_status_set(user=bob, status=UserStatus.SUSPENDED, actor=alice)
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert "_auth_user_id" not in client.session
    assert client.get(STATS, MONTH).status_code == 401
    # Back to active, the session does not come back by itself.
    user_status_set(user=bob, status=UserStatus.ACTIVE, actor=alice)
    assert client.get(reverse("accounts:me")).status_code == 302


def test_a_deleted_users_token_and_session_are_gone(client, alice, bob):
    secret = run("create_api_token", "bob")
    client.force_login(bob)
    user_delete(user=bob, actor=alice)
    assert client.get(STATS, MONTH).status_code == 401
    client.logout()
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 401


def test_an_expired_token_answers_401(client, bob):
    secret = run("create_api_token", "bob", "--days", "1")
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(STATS, MONTH, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["error"]


def test_tokens_obey_the_in_house_ip_rule(client, alice, bob):
    secret = run("create_api_token", "bob")
    policy = policy_get(account=bob.account)
    policy.inhouse_cidrs = "192.0.2.0/24"
    policy.save()
    bob.no_outside_access = True
    bob.save()
    assert client.get(STATS, MONTH, **bearer(secret, ip="198.51.100.7")).status_code == 401
    assert client.get(STATS, MONTH, **bearer(secret, ip="192.0.2.9")).status_code == 200


def test_tokens_obey_login_conditions(client, alice, bob):
    from accounts.security import login_condition_add

    secret = run("create_api_token", "bob")
    cond = login_condition_add(account=bob.account, actor=alice, name="office",
                               allowed_cidrs="192.0.2.0/24")
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 401
    assert client.get(STATS, MONTH, **bearer(secret, ip="192.0.2.1")).status_code == 200
    cond.delete()
    login_condition_add(account=bob.account, actor=alice, name="otp", require_otp=True)
    response = client.get(STATS, MONTH, **bearer(secret, ip="192.0.2.1"))
    assert response.status_code == 401
    assert "ワンタイムパスワード" in response.json()["error"]


def test_an_admin_password_reset_revokes_the_tokens(client, alice, bob):
    secret = run("create_api_token", "bob", "--name", "cron")
    user_password_set(user=bob, password="Another-pass-77", actor=alice)
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 401
    assert last_operation().detail == "ユーザ「bob」のAPIトークン「cron」を失効させました。"


def test_create_api_token_takes_days_and_a_name_and_is_recorded(bob):
    before = timezone.now()
    secret = run("create_api_token", "bob", "--days", "7", "--name", "nightly export")
    token = ApiToken.objects.get(key_hash=ApiToken.hash(secret))
    assert token.name == "nightly export"
    assert before + timedelta(days=7) <= token.expires_at <= timezone.now() + timedelta(days=7)
    row = last_operation()
    assert (row.kind_label, row.username, row.account_id) == ("APIトークン管理", "", bob.account_id)
    assert row.detail == "ユーザ「bob」のAPIトークン「nightly export」を発行しました。"


def test_tokens_expire_after_api_token_days_by_default(bob, settings):
    settings.API_TOKEN_DAYS = 30
    secret = run("create_api_token", "bob")
    token = ApiToken.objects.get(key_hash=ApiToken.hash(secret))
    assert abs(token.expires_at - (token.created_at + timedelta(days=30))) < timedelta(seconds=5)


@pytest.mark.parametrize("args, message", [
    (["create_api_token", "bob", "--days", "0"], "--days"),
    (["create_api_token", "bob", "--name", "x" * 101], "--name"),
    (["set_user_status", "nobody", "locked"], "no user nobody"),
])
def test_token_and_status_commands_refuse_bad_input(bob, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_set_user_status_writes_the_screens_history_row(client, alice, bob):
    run("set_user_status", "bob", "locked")
    by_command = last_operation()
    client.force_login(alice)
    client.post(reverse("accounts:user-detail", args=[bob.pk]),
                {"action": "status", "status": "active"})
    by_screen = last_operation()
    assert (by_command.kind, by_command.detail) == (by_screen.kind, by_screen.detail)
    assert by_command.detail == "ユーザ「bob」のステータスを変更しました。"
    bob.refresh_from_db()
    assert bob.status == UserStatus.ACTIVE


def test_the_token_screen_creates_lists_and_revokes(client, bob):
    client.force_login(bob)
    url = reverse("accounts:my-tokens")
    assert client.post(url, {"action": "create", "name": "siem", "days": "10"}).status_code == 302
    response = client.get(url)
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret">([^<]+)<', response.content.decode()).group(1)
    assert last_operation().detail == "ユーザ「bob」のAPIトークン「siem」を発行しました。"
    client.logout()
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 200
    client.force_login(bob)
    page = client.get(url).content.decode()
    token = ApiToken.objects.get()
    assert "siem" in page
    assert timezone.localtime(token.expires_at).strftime("%Y/%m/%d") in page
    assert timezone.localtime(token.last_used_at).strftime("%Y/%m/%d %H:%M") in page
    assert "token-secret" not in page  # shown once only
    client.post(url, {"action": "revoke", "token": token.pk})
    assert not ApiToken.objects.exists()
    assert last_operation().detail == "ユーザ「bob」のAPIトークン「siem」を失効させました。"
    client.logout()
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 401


def test_a_bad_token_form_is_a_field_error(client, bob):
    client.force_login(bob)
    response = client.post(reverse("accounts:my-tokens"), {"action": "create", "days": "abc"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_an_admin_revokes_a_users_token_and_others_see_nothing(client, alice, bob, charlie):
    secret = run("create_api_token", "bob", "--name", "bobs")
    token = ApiToken.objects.get()
    url = reverse("accounts:user-tokens", args=[bob.pk])
    client.force_login(charlie)  # another account's admin: like an unknown user
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "revoke", "token": token.pk}).status_code == 404
    client.force_login(bob)  # not an admin
    assert client.get(url).status_code == 403
    assert client.post(reverse("accounts:my-tokens"),
                       {"action": "revoke", "token": token.pk + 999}).status_code == 404
    client.force_login(alice)
    assert "bobs" in client.get(url).content.decode()
    client.post(url, {"action": "revoke", "token": token.pk})
    row = last_operation()
    assert (row.username, row.detail) == (
        "alice", "ユーザ「bob」のAPIトークン「bobs」を失効させました。")
    client.logout()
    assert client.get(STATS, MONTH, **bearer(secret)).status_code == 401


def test_a_bad_token_is_refused_even_with_a_session(client, bob):
    client.force_login(bob)
    assert client.get(STATS, MONTH).status_code == 200
    assert client.get(STATS, MONTH, **bearer("sc_nonsense")).status_code == 401


def test_api_answers_are_no_store_and_401_names_the_scheme(client, bob):
    response = client.get(STATS, MONTH)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="syslogcloud"'
    assert client.get(STATS, MONTH, **bearer("sc_nonsense")).status_code == 401
    client.force_login(bob)
    for url in (STATS, HISTORY):
        response = client.get(url, MONTH)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


# --- Item 2: the admin login -------------------------------------------------------
@pytest.fixture
def root(db):
    from accounts.models import User

    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def test_the_admin_login_sends_to_the_portal_login(client, root):
    response = client.get("/admin/login/", {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Fadmin%2F"
    # Posting credentials to the admin's own form logs nobody in and writes
    # no row elsewhere: there is no second way in.
    for _ in range(3):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_logins_are_throttled_locked_and_recorded(client, root, login_post, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        login_post(client, "root", "wrong")
    assert [r.pattern for r in LoginHistory.objects.filter(username="root")] == [30, 22, 22]
    root.refresh_from_db()
    assert root.status == UserStatus.LOCKED
    login_post(client, "root", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_superuser_locked_meanwhile_loses_the_admin(client, root, login_post):
    response = login_post(client, "root", PASSWORD, next="/admin/")
    assert client.get("/admin/").status_code == 200, response
    user_status_set(user=root, status=UserStatus.LOCKED, actor=None)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/audit/loginhistory/").status_code == 302


# --- Item 3: a locked account gives nothing away ------------------------------------
def _visible(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("status, pattern", [("locked", 26), ("suspended", 27)])
def test_a_locked_account_answers_the_same_either_way(client, bob, login_post, status,
                                                      pattern):
    user_status_set(user=bob, status=status, actor=None)
    right = login_post(client, "bob", PASSWORD)
    wrong = login_post(client, "bob", "not-the-password")
    unknown = login_post(client, "nobody-here", "not-the-password")
    assert right.status_code == wrong.status_code == 200
    assert _visible(right) == _visible(wrong)
    assert _visible(right).replace("bob", "nobody-here") == _visible(unknown)
    rows = LoginHistory.objects.filter(username="bob").order_by("id")
    assert [r.pattern for r in rows] == [pattern, pattern]


# --- Issue 11 item 14: the one-time password throttle says how long -----------------
def test_a_right_code_after_a_wrong_one_says_how_long_to_wait(client, bob, login_post,
                                                              totp_for, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    totp = totp_for(bob)
    login_post(client, "bob", PASSWORD)
    wrong = f"{(int(totp.now()) + 1) % 1000000:06d}"
    login_post(client, otp_token=wrong)
    response = login_post(client, otp_token=totp.now())
    page = response.content.decode()
    seconds = re.search(r"(\d+)\s*秒", page)
    assert seconds, page
    assert 1 <= int(seconds.group(1)) <= 30
    assert "_auth_user_id" not in client.session


def test_the_otp_wait_message_in_english(client, bob, login_post, totp_for, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    totp = totp_for(bob)
    client.cookies["django_language"] = "en"
    login_post(client, "bob", PASSWORD)
    login_post(client, otp_token=f"{(int(totp.now()) + 1) % 1000000:06d}")
    page = login_post(client, otp_token=totp.now()).content.decode()
    assert re.search(r"Wait \d+ seconds", page), page


def test_history_csvs_and_the_otp_page_are_not_stored(client, alice):
    client.force_login(alice)
    for url in (reverse("audit:login-history-csv"), reverse("audit:operation-history-csv"),
                reverse("provisioning:history-csv"), reverse("accounts:otp-setup")):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_otp_enrolment_also_says_how_long_to_wait(client, bob, settings):
    import pyotp

    from accounts.otp import pending_device, secret_b32

    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    client.force_login(bob)
    url = reverse("accounts:otp-setup")
    client.get(url)
    totp = pyotp.TOTP(secret_b32(pending_device(bob)))
    client.post(url, {"otp_token": f"{(int(totp.now()) + 1) % 1000000:06d}"})
    page = client.post(url, {"otp_token": totp.now()}).content.decode()
    assert re.search(r"\d+\s*秒", page), page


def test_a_signed_in_plain_user_gets_403_at_the_admin_login(client, bob, root):
    client.force_login(bob)
    assert client.get("/admin/login/").status_code == 403
    client.force_login(root)
    assert client.get("/admin/login/")["Location"] == reverse("admin:index")
