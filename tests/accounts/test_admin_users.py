"""User administration screens write the manual's operation history (§3.2.1-3.2.6)
and send the provisioning signals."""
import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User, UserStatus
from accounts.signals import user_changed
from audit.models import OperationHistory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
STRONG = "Very-long-Pass-93"


def last_op():
    row = OperationHistory.objects.order_by("-id").first()
    return row.kind_label, row.detail, row.username


@pytest.fixture
def signals():
    seen = []

    def receiver(sender, user, kind, account, user_id, **kw):
        seen.append((kind, user_id, account.account_id))

    user_changed.connect(receiver)
    yield seen
    user_changed.disconnect(receiver)


def test_add_user_with_a_password(alice_client, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("accounts:user-add"), {
            "username": "u01", "name": "User One", "email": "", "password": STRONG})
    assert response.status_code == 302
    assert last_op() == ("ユーザ追加", "ユーザ「u01」を追加しました。", "alice")
    assert User.objects.get(username="u01").account.account_id == "A00700001"
    assert signals == [("create", "u01", "A00700001")]


def test_add_user_without_password_mails_a_link(alice_client, client):
    response = alice_client.post(reverse("accounts:user-add"), {
        "username": "u02", "name": "Two", "email": "u02@example.com"})
    assert response.status_code == 302
    assert [r.detail for r in OperationHistory.objects.order_by("-id")[:2]] == [
        "ユーザ「u02」へパスワード再設定メールを送信しました。", "ユーザ「u02」を追加しました。"]
    link = next(w for w in mail.outbox[0].body.split() if "/password/set/" in w)
    client.logout()
    page = client.post(link, {"new_password1": STRONG, "new_password2": STRONG})
    assert page.status_code == 302
    assert last_op() == ("認証情報設定", "パスワード設定を実施しました。", "u02")
    assert client.post(link, {"new_password1": STRONG, "new_password2": STRONG}
                       ).status_code == 400  # used once


def test_add_user_form_errors(alice_client, bob):
    taken = alice_client.post(reverse("accounts:user-add"), {"username": "bob", "password": STRONG})
    weak = alice_client.post(reverse("accounts:user-add"), {"username": "u3", "password": "abc"})
    assert taken.status_code == 400 and weak.status_code == 400
    assert not User.objects.filter(username="u3").exists()


@pytest.mark.parametrize("data,expected", [
    ({"action": "info", "name": "Robert", "email": "", "notification_email": ""},
     ("ユーザ情報変更", "ユーザ「bob」の情報を変更しました。")),
    ({"action": "status", "status": "suspended"},
     ("ユーザステータス変更", "ユーザ「bob」のステータスを変更しました。")),
    ({"action": "password", "new_password1": STRONG, "new_password2": STRONG},
     ("パスワード再設定", "ユーザ「bob」のパスワードを再設定しました。")),
])
def test_user_detail_actions(alice_client, bob, data, expected):
    response = alice_client.post(reverse("accounts:user-detail", args=[bob.pk]), data)
    assert response.status_code == 302
    assert last_op()[:2] == expected


def test_reset_mail_goes_to_the_user(alice_client, bob):
    bob.email = "bob@example.com"
    bob.save()
    alice_client.post(reverse("accounts:user-detail", args=[bob.pk]), {"action": "reset_mail"})
    assert mail.outbox[0].to == ["bob@example.com"]
    assert last_op()[:2] == (
        "パスワード再設定", "ユーザ「bob」へパスワード再設定メールを送信しました。")


def test_unlock_by_status_change(alice_client, bob):
    bob.status, bob.failed_logins = UserStatus.LOCKED, 5
    bob.save()
    alice_client.post(reverse("accounts:user-detail", args=[bob.pk]),
                      {"action": "status", "status": "active"})
    bob.refresh_from_db()
    assert (bob.status, bob.failed_logins) == ("active", 0)


def test_delete_user(alice_client, bob, signals):
    response = alice_client.post(reverse("accounts:user-delete", args=[bob.pk]))
    assert response.status_code == 302
    assert last_op() == ("ユーザ削除", "ユーザ「bob」を削除しました。", "alice")
    assert signals == [("delete", "bob", "A00700001")]
    assert not User.objects.filter(username="bob").exists()


def test_another_accounts_user_looks_missing(client, charlie, bob):
    client.force_login(charlie)
    missing = client.get(reverse("accounts:user-detail", args=[999999]))
    other = client.get(reverse("accounts:user-detail", args=[bob.pk]))
    delete = client.post(reverse("accounts:user-delete", args=[bob.pk]))
    assert missing.status_code == other.status_code == delete.status_code == 404
    assert User.objects.filter(username="bob").exists()
    assert "bob" not in client.get(reverse("accounts:user-list")).content.decode()


def test_plain_users_cannot_administer(client, bob):
    client.force_login(bob)
    for name in ("user-list", "user-add", "user-bulk", "organisation-list", "security"):
        assert client.get(reverse(f"accounts:{name}")).status_code == 403


def test_admin_forms_need_csrf(alice, bob):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.post(reverse("accounts:user-delete", args=[bob.pk]))
    assert response.status_code == 403


CSV_OK = (
    "\ufeffuser_id,name,email,admin,status,password\n"
    "u10,Ten,u10@example.com,0,,Very-long-Pass-93\n"
    "bob,Bobby,,1,suspended,\n"
).encode()


def upload(client, url_name, content: bytes, name="users.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse(f"accounts:{url_name}"),
                       {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_bulk_add_and_change(alice_client, bob, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(alice_client, "user-bulk", CSV_OK)
    assert response.status_code == 200
    body = response.content.decode()
    assert "u10" in body and "add" in body and "change" in body
    bob.refresh_from_db()
    assert (bob.name, bob.is_account_admin, bob.status) == ("Bobby", True, "suspended")
    assert User.objects.get(username="u10").check_password("Very-long-Pass-93")
    ops = OperationHistory.objects.filter(kind="user_bulk")
    assert [o.detail for o in ops] == ["ユーザー一括処理を実行しました。[users.csv]"]
    # The breakdown is not in the operation history (manual §3.2.5), only the file.
    assert not OperationHistory.objects.filter(username="alice", kind__in=[
        "user_add", "user_update", "user_status", "password_reset"]).exists()
    assert ("create", "u10", "A00700001") in signals


def test_a_bad_row_applies_nothing(alice_client, bob, charlie):
    content = (b"user_id,name,admin,password\n"
               b"u11,Eleven,0,\n"
               b"charlie,Taken,0,\n"
               b"u12,,maybe,short\n"
               b"u11,Twice,0,\n")
    response = upload(alice_client, "user-bulk", content)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This user ID cannot be used." in body or "このユーザID" in body
    assert not User.objects.filter(username__in=["u11", "u12"]).exists()
    assert not OperationHistory.objects.filter(kind="user_bulk").exists()


@pytest.mark.parametrize("content", [b"\xff\xfe\x00bad", b"name,unknown\nx,y\n", b"user_id\n"])
def test_a_malformed_file_is_a_form_error(alice_client, content):
    response = upload(alice_client, "user-bulk", content)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_bulk_delete_by_csv_and_by_ticks(alice_client, alice, bob, django_user_model):
    from tests.conftest import make_user

    make_user("u20", account=alice.account)
    response = upload(alice_client, "user-bulk-delete", b"user_id\nbob\nu20\n", "del.csv")
    assert response.status_code == 200
    assert last_op()[:2] == ("ユーザー一括処理", "ユーザの一括削除を実行しました。[2件]")
    make_user("u21", account=alice.account)
    alice_client.post(reverse("accounts:user-bulk-delete"), {"user_ids": ["u21"]})
    assert last_op()[:2] == ("ユーザー一括処理", "ユーザの一括削除を実行しました。[1件]")
    refused = alice_client.post(reverse("accounts:user-bulk-delete"),
                                {"user_ids": ["alice", "nobody"]})
    assert refused.status_code == 400
    assert django_user_model.objects.filter(username="alice").exists()


def test_the_add_user_command_records_and_signals(account_a, signals,
                                                  django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("add_user", "u30", "--account", "A00700001", "--password", PASSWORD)
    row = OperationHistory.objects.filter(kind="user_add").order_by("-id").first()
    assert (row.detail, row.username) == ("ユーザ「u30」を追加しました。", "")
    assert ("create", "u30", "A00700001") in signals
