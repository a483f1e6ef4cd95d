"""The manual's wording, character for character (KDDI manual §2.2, §3.2)."""
import pytest

from audit import kinds, texts


@pytest.mark.parametrize("pattern,result,detail", [
    (1, "ログイン成功", "ID/パスワード+ワンタイムパスワード認証による認証成功[192.0.2.1 iOS 17.1]"),
    (2, "ログイン成功", "ID/パスワードによる認証成功[192.0.2.1 iOS 17.1]"),
    (21, "ログインNG", "ワンタイムパスワード認証失敗[192.0.2.1 iOS 17.1]"),
    (22, "ログインNG", "パスワード認証失敗[192.0.2.1 iOS 17.1]"),
    (23, "ログインNG", "社外IPアドレスからのアクセス不許可[192.0.2.1 iOS 17.1]"),
    (26, "ログインNG", "アカウントロック中のログイン[192.0.2.1 iOS 17.1]"),
    (27, "ログインNG", "一時停止中のログイン[192.0.2.1 iOS 17.1]"),
    (28, "ログインNG", "デバイス認証失敗[192.0.2.1 iOS 17.1]"),
    (30, "アカウントロック", "一定回数パスワード入力誤り[192.0.2.1 iOS 17.1]"),
])
def test_login_patterns(pattern, result, detail):
    assert texts.RESULTS[texts.LOGIN_PATTERNS[pattern][0]] == result
    assert texts.login_detail(pattern, "192.0.2.1", "iOS 17.1") == detail


V = {"user_id": "u01", "org": "営業部", "org_from": "営業部", "org_to": "開発部",
     "file": "users.csv", "count": 3, "name": "社内のみ", "gateway_id": "GW-1",
     "account_id": "A00700001", "ip": "192.0.2.1", "os": "Windows 10"}


@pytest.mark.parametrize("key,kind,detail", [
    ("user_add", "ユーザ追加", "ユーザ「u01」を追加しました。"),
    ("password_reset_mail", "パスワード再設定", "ユーザ「u01」へパスワード再設定メールを送信しました。"),  # noqa: E501
    ("password_reset_set", "パスワード再設定", "ユーザ「u01」のパスワードを再設定しました。"),
    ("user_status", "ユーザステータス変更", "ユーザ「u01」のステータスを変更しました。"),
    ("user_update", "ユーザ情報変更", "ユーザ「u01」の情報を変更しました。"),
    ("user_bulk", "ユーザー一括処理", "ユーザー一括処理を実行しました。[users.csv]"),
    ("user_bulk_delete", "ユーザー一括処理", "ユーザの一括削除を実行しました。[3件]"),
    ("user_delete", "ユーザ削除", "ユーザ「u01」を削除しました。"),
    ("org_add", "組織管理", "組織「営業部」を登録しました。"),
    ("org_add_users", "組織管理", "組織「営業部」にユーザを登録しました。"),
    ("org_remove_users", "組織管理", "組織「営業部」からユーザを削除しました。"),
    ("org_delete", "組織管理", "組織「営業部」を削除しました。"),
    ("org_rename", "組織管理", "組織「営業部」の情報を変更しました。"),
    ("org_reorder", "組織管理", "組織の表示順番を変更しました。"),
    ("org_move_users", "組織管理", "組織「営業部」から組織「開発部」へユーザを移動しました。"),
    ("org_bulk", "組織一括処理", "組織一括処理を実行しました。[users.csv]"),
    ("login_condition_add", "ログイン条件", "ログイン条件「社内のみ」を登録しました。"),
    ("login_condition_delete", "ログイン条件", "ログイン条件「社内のみ」を削除しました。"),
    ("inhouse_ip", "社内IPアドレス設定", "社内IPアドレス設定を変更しました。"),
    ("password_strength", "パスワード強度設定", "パスワード強度の設定を変更しました。"),
    ("notification_email", "通知先メールアドレス変更", "自身の通知先メールアドレスを変更しました。"),  # noqa: E501
    ("password_change", "パスワード変更", "自身のパスワードを変更しました。"),
    ("otp_reset", "ワンタイムパスワード再設定", "自身のワンタイムパスワードを再設定しました。"),
    ("device_auth_setting", "デバイス認証設定", "デバイス認証の設定を変更しました。"),
    ("device_cert_issue", "デバイス証明書管理", "デバイス証明書「社内のみ」を発行しました。"),
    ("device_cert_revoke", "デバイス証明書管理", "デバイス証明書「社内のみ」を失効させました。"),
    ("otp_setup", "認証情報設定", "ワンタイムパスワード設定を実施しました。"),
    ("password_setup", "認証情報設定", "パスワード設定を実施しました。"),
    ("representative_change", "代表管理者変更", "代表管理者を変更しました。"),
    ("account_add", "アカウント登録", "アカウント「A00700001」を登録しました。"),
    ("gateway_register", "ゲートウェイ登録", "ゲートウェイ「GW-1」を登録しました。"),
    ("gateway_update", "ゲートウェイ情報変更", "ゲートウェイ「GW-1」の情報を変更しました。"),
    ("logout", "ログアウト", "ログアウトしました。[192.0.2.1 Windows 10]"),
])
def test_operation_texts(key, kind, detail):
    code, text = texts.operation(key, **V)
    assert (kinds.kind_label(code), text) == (kind, detail)


def test_the_kind_filter_lists_the_manual_categories_in_order():
    labels = [label for label, _members in kinds.kind_choices()[1:]]
    assert labels[:7] == ["ユーザ管理", "組織管理", "SSO関連", "セキュリティ関連",
                          "ユーザによる情報変更", "代表管理者変更", "Active Directory関連設定"]


def test_unoffered_kinds_stay_in_the_table():
    for label in ("SSO設定", "FIDO認証器管理", "LINE WORKS組織連携", "外部IdP関連設定"):
        assert label in {k.label for k in kinds.KINDS}


def test_a_category_selects_its_kinds():
    assert kinds.kind_codes("cat:representative") == ["representative_change"]
    assert "org_bulk" in kinds.kind_codes("cat:org")
    assert kinds.kind_codes("cat:nope") is None
    assert kinds.kind_codes("user_add") == ["user_add"]
