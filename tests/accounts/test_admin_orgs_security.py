"""Organisations (§3.2.11-12), security settings (§3.2.18, 21, 22), self-service
(§3.2.24-25), representative admin (§3.2.29) and gateway kinds."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organisation
from accounts.organisations import organisation_create
from accounts.selectors import policy_get
from accounts.signals import organisations_changed
from audit.models import OperationHistory
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db
STRONG = "Very-long-Pass-93"


def last_op():
    row = OperationHistory.objects.order_by("-id").first()
    return row.kind_label, row.detail


@pytest.fixture
def orgs(alice):
    return [organisation_create(account=alice.account, name=n, actor=alice, record=False)
            for n in ("営業部", "開発部")]


@pytest.fixture
def org_signals():
    seen = []

    def receiver(sender, account, **kw):
        seen.append(account.account_id)

    organisations_changed.connect(receiver)
    yield seen
    organisations_changed.disconnect(receiver)


def test_add_organisation(alice_client, org_signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("accounts:organisation-list"), {"name": "総務部"})
    assert response.status_code == 302
    assert last_op() == ("組織管理", "組織「総務部」を登録しました。")
    assert org_signals == ["A00700001"]
    dup = alice_client.post(reverse("accounts:organisation-list"), {"name": "総務部"})
    assert dup.status_code == 400


def test_same_name_in_another_account_is_fine(client, charlie, orgs):
    client.force_login(charlie)
    assert client.post(reverse("accounts:organisation-list"), {"name": "営業部"}
                       ).status_code == 302


def test_organisation_detail_actions(alice_client, alice, bob, orgs):
    sales, dev = orgs
    url = reverse("accounts:organisation-detail", args=[sales.pk])
    alice_client.post(url, {"action": "add", "users": [bob.pk, alice.pk]})
    assert last_op() == ("組織管理", "組織「営業部」にユーザを登録しました。")
    alice_client.post(url, {"action": "move", "users": [bob.pk], "target": dev.pk})
    assert last_op() == ("組織管理", "組織「営業部」から組織「開発部」へユーザを移動しました。")
    assert list(dev.members.all()) == [bob]
    alice_client.post(url, {"action": "remove", "users": [alice.pk]})
    assert last_op() == ("組織管理", "組織「営業部」からユーザを削除しました。")
    alice_client.post(url, {"action": "rename", "name": "営業本部"})
    assert last_op() == ("組織管理", "組織「営業本部」の情報を変更しました。")
    alice_client.post(url, {"action": "delete"})
    assert last_op() == ("組織管理", "組織「営業本部」を削除しました。")
    assert not Organisation.objects.filter(pk=sales.pk).exists()


def test_reorder(alice_client, orgs):
    sales, dev = orgs
    alice_client.post(reverse("accounts:organisation-reorder"), {"pk": dev.pk,
                                                                 "direction": "up"})
    assert last_op() == ("組織管理", "組織の表示順番を変更しました。")
    names = [o.name for o in Organisation.objects.filter(account=sales.account)]
    assert names == ["開発部", "営業部"]
    bad = alice_client.post(reverse("accounts:organisation-reorder"), {"order": "1,x"})
    assert bad.status_code == 400


def test_another_accounts_organisation_looks_missing(client, charlie, orgs, bob):
    client.force_login(charlie)
    url = reverse("accounts:organisation-detail", args=[orgs[0].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "delete"}).status_code == 404
    # charlie cannot add alice's users to his own organisation either
    mine = organisation_create(account=charlie.account, name="x", actor=charlie)
    client.post(reverse("accounts:organisation-detail", args=[mine.pk]),
                {"action": "add", "users": [bob.pk]})
    assert mine.members.count() == 0


def test_organisation_bulk_csv(alice_client, bob, orgs):
    f = SimpleUploadedFile("orgs.csv", "name,members\n営業部,bob\n新規部,\n".encode())
    response = alice_client.post(reverse("accounts:organisation-bulk"), {"file": f})
    assert response.status_code == 200
    assert last_op() == ("組織一括処理", "組織一括処理を実行しました。[orgs.csv]")
    assert list(orgs[0].members.all()) == [bob]
    assert Organisation.objects.filter(name="新規部").exists()
    bad = SimpleUploadedFile("orgs.csv", "name,members\n営業部,nobody\n".encode())
    assert alice_client.post(reverse("accounts:organisation-bulk"), {"file": bad}
                             ).status_code == 400


def test_login_conditions(alice_client, alice):
    url = reverse("accounts:security")
    alice_client.post(url, {"action": "condition", "name": "社内のみ",
                            "allowed_cidrs": "192.0.2.0/24"})
    assert last_op() == ("ログイン条件", "ログイン条件「社内のみ」を登録しました。")
    bad = alice_client.post(url, {"action": "condition", "name": "x", "allowed_cidrs": "nope"})
    assert bad.status_code == 400
    cond = alice.account.login_conditions.get()
    alice_client.post(reverse("accounts:login-condition-delete", args=[cond.pk]))
    assert last_op() == ("ログイン条件", "ログイン条件「社内のみ」を削除しました。")


def test_inhouse_ip_and_password_strength(alice_client, alice):
    url = reverse("accounts:security")
    alice_client.post(url, {"action": "inhouse", "inhouse_cidrs": "10.0.0.0/8\n192.0.2.0/24"})
    assert last_op() == ("社内IPアドレス設定", "社内IPアドレス設定を変更しました。")
    assert alice_client.post(url, {"action": "inhouse", "inhouse_cidrs": "10.0.0.300/8"}
                             ).status_code == 400
    alice_client.post(url, {"action": "strength", "password_min_length": 12,
                            "require_digit": "on", "require_symbol": "on"})
    assert last_op() == ("パスワード強度設定", "パスワード強度の設定を変更しました。")
    assert policy_get(account=alice.account).password_min_length == 12


def test_password_strength_applies_to_every_change(alice_client, alice, bob, client):
    policy = policy_get(account=alice.account)
    policy.password_min_length, policy.require_symbol = 14, True
    policy.save()
    weak = "Abcdefgh12345x"  # 14 chars, no symbol
    r = alice_client.post(reverse("accounts:user-detail", args=[bob.pk]),
                          {"action": "password", "new_password1": weak, "new_password2": weak})
    assert r.status_code == 400
    client.force_login(bob)
    r = client.post(reverse("accounts:me"), {"action": "password", "old_password": PASSWORD,
                                             "new_password1": weak, "new_password2": weak})
    assert r.status_code == 400
    good = "Abcdefgh-12345x"
    r = client.post(reverse("accounts:me"), {"action": "password", "old_password": PASSWORD,
                                             "new_password1": good, "new_password2": good})
    assert r.status_code == 302
    assert last_op() == ("パスワード変更", "自身のパスワードを変更しました。")
    assert client.get(reverse("portal:home")).status_code == 200  # session kept


def test_self_service_email(client, bob):
    client.force_login(bob)
    r = client.post(reverse("accounts:me"), {"action": "email",
                                             "notification_email": "b@example.com"})
    assert r.status_code == 302
    assert last_op() == ("通知先メールアドレス変更", "自身の通知先メールアドレスを変更しました。")
    assert client.post(reverse("accounts:me"), {"action": "email",
                                                "notification_email": "nope"}).status_code == 400


def test_representative_change(alice_client, alice, account_a):
    other = make_user("dave", account=account_a, admin=True)
    r = alice_client.post(reverse("accounts:security"), {"action": "representative",
                                                         "user": other.pk})
    assert r.status_code == 302
    assert last_op() == ("代表管理者変更", "代表管理者を変更しました。")
    assert policy_get(account=account_a).representative == other


def test_representative_must_be_an_admin_of_the_account(alice_client, bob, charlie):
    for pk in (bob.pk, charlie.pk):
        r = alice_client.post(reverse("accounts:security"), {"action": "representative",
                                                             "user": pk})
        assert r.status_code == 400


def test_gateway_kinds(account_a):
    from django.core.management import call_command

    from accounts.services import gateway_update

    call_command("add_gateway", "GW-9", "--account", "A00700001")
    assert last_op() == ("ゲートウェイ登録", "ゲートウェイ「GW-9」を登録しました。")
    gateway_update(gateway=account_a.gateways.get(), label="Lobby", actor=None)
    assert last_op() == ("ゲートウェイ情報変更", "ゲートウェイ「GW-9」の情報を変更しました。")


def test_gateway_changes_in_the_admin_site_are_recorded(client, account_a, django_user_model):
    from accounts.models import Gateway

    op = django_user_model.objects.create_superuser("root", "r@example.com", STRONG)
    client.force_login(op)
    r = client.post("/admin/accounts/gateway/add/", {"gateway_id": "GW-10",
                                                      "account": account_a.pk, "label": "A"})
    assert r.status_code == 302
    assert last_op() == ("ゲートウェイ登録", "ゲートウェイ「GW-10」を登録しました。")
    gw = Gateway.objects.get(gateway_id="GW-10")
    client.post(f"/admin/accounts/gateway/{gw.pk}/change/", {
        "gateway_id": "GW-10", "account": account_a.pk, "label": "B"})
    assert last_op() == ("ゲートウェイ情報変更", "ゲートウェイ「GW-10」の情報を変更しました。")
