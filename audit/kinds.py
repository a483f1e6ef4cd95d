"""The operation-history kind table (KDDI manual §3.2), one line per kind.

The Japanese labels are data: they are stored as codes and shown and exported
exactly as the manual words them. Kinds the portal does not produce (SSO,
FIDO, LINE WORKS, Active Directory…) stay in the table so the kind filter
lists the manual's categories. To add a kind, append one `Kind(...)` line to
`KINDS` (the provisioning helper adds its kinds in category "service").
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class Kind:
    code: str
    label: str  # 種別 as the manual words it
    category: str  # a key of CATEGORIES
    en: str  # the name the English UI shows (the stored data stays Japanese)


# Category code -> label, in the manual's order (§1.2.1), then the portal's own.
CATEGORIES: dict[str, str] = {
    "user": "ユーザ管理",
    "org": "組織管理",
    "sso": "SSO関連",
    "security": "セキュリティ関連",
    "self": "ユーザによる情報変更",
    "representative": "代表管理者変更",
    "ad": "Active Directory関連設定",
    "platform": "ゲートウェイ・アカウント管理",
    "session": "ログアウト",
    "service": "サービス連携",
    "trace": "端末照会",
}

KINDS: list[Kind] = [
    Kind("user_add", "ユーザ追加", "user", "User added"),  # 3.2.1
    Kind("password_reset", "パスワード再設定", "user", "Password reset"),  # 3.2.2
    Kind("user_status", "ユーザステータス変更", "user", "User status change"),  # 3.2.3
    Kind("user_update", "ユーザ情報変更", "user", "User information change"),  # 3.2.4
    Kind("user_bulk", "ユーザー一括処理", "user", "User bulk processing"),  # 3.2.5
    Kind("user_delete", "ユーザ削除", "user", "User deleted"),  # 3.2.6
    Kind("user_service_add", "ユーザへサービス登録", "user", "Service registered for a user"),  # 3.2.7
    Kind("user_service_update", "ユーザのサービス情報変更", "user", "User's service information change"),  # 3.2.8
    Kind("user_service_remove", "ユーザのサービス登録解除", "user", "Service unregistered for a user"),  # 3.2.9
    Kind("fido_authenticator", "FIDO認証器管理", "user", "FIDO authenticator management"),  # 3.2.10
    Kind("org_manage", "組織管理", "org", "Organisation management"),  # 3.2.11
    Kind("org_bulk", "組織一括処理", "org", "Organisation bulk processing"),  # 3.2.12
    Kind("lineworks_org", "LINE WORKS組織連携", "org", "LINE WORKS organisation sync"),  # 3.2.13
    Kind("sso_setting", "SSO設定", "sso", "SSO settings"),  # 3.2.14
    Kind("sso_service_add", "SSOサービス追加", "sso", "SSO service added"),  # 3.2.15
    Kind("sso_icon", "SSOアイコン押下", "sso", "SSO icon pressed"),  # 3.2.16
    Kind("sso_mail_start", "ユーザSSO利用開始（メール経由）", "sso", "User SSO start (by e-mail)"),  # 3.2.17
    Kind("login_condition", "ログイン条件", "security", "Login conditions"),  # 3.2.18
    Kind("browser_request_review", "ブラウザ制限 申請処理", "security", "Browser restriction request review"),  # 3.2.19
    Kind("browser_request", "ブラウザ申請", "security", "Browser request"),  # 3.2.20
    Kind("inhouse_ip", "社内IPアドレス設定", "security", "In-house IP address settings"),  # 3.2.21
    Kind("password_strength", "パスワード強度設定", "security", "Password strength settings"),  # 3.2.22
    Kind("fido_setting", "FIDO設定", "security", "FIDO settings"),  # 3.2.23
    Kind("api_token", "APIトークン管理", "security", "API token management"),  # the portal's own
    Kind("browser_restriction_setting", "ブラウザ制限設定", "security", "Browser restriction settings"),  # the portal's own
    Kind("device_auth_setting", "デバイス認証設定", "security", "Device authentication settings"),  # the portal's own
    Kind("device_certificate", "デバイス証明書管理", "security", "Device certificate management"),  # the portal's own
    Kind("notification_email", "通知先メールアドレス変更", "self", "Notification e-mail change"),  # 3.2.24
    Kind("password_change", "パスワード変更", "self", "Password change"),  # 3.2.25
    Kind("otp_reset", "ワンタイムパスワード再設定", "self", "One-time password reset"),  # 3.2.26
    Kind("basicpack_mail", "ベーシックパックプラス適用対象外通知メール設定", "self", "Basic Pack Plus exclusion notice settings"),  # 3.2.27
    Kind("credential_setup", "認証情報設定", "self", "Credential set-up"),  # 3.2.28
    Kind("representative_change", "代表管理者変更", "representative", "Representative admin change"),  # 3.2.29
    Kind("external_idp", "外部IdP関連設定", "ad", "External IdP settings"),  # 3.2.30
    # The portal's own kinds, worded in the manual's style.
    Kind("account_add", "アカウント登録", "platform", "Account registered"),
    Kind("gateway_register", "ゲートウェイ登録", "platform", "Gateway registered"),
    Kind("gateway_update", "ゲートウェイ情報変更", "platform", "Gateway information change"),
    Kind("logout", "ログアウト", "session", "Logout"),
    # Provisioning (SCIM) services: registered, changed, removed.
    Kind("scim_service_add", "連携サービス登録", "service", "Connected service registered"),
    Kind("scim_service_update", "連携サービス情報変更", "service", "Connected service change"),
    Kind("scim_service_remove", "連携サービス削除", "service", "Connected service removed"),
    # Gateway alert rules (SPEC §8): the portal's own category.
    Kind("alert_rule_add", "アラートルール登録", "platform", "Alert rule added"),
    Kind("alert_rule_update", "アラートルール変更", "platform", "Alert rule change"),
    Kind("alert_rule_delete", "アラートルール削除", "platform", "Alert rule deleted"),
    # Terminal lookup (SPEC §7): each lookup, and who may look up.
    Kind("trace_lookup", "端末照会", "trace", "Terminal lookup"),
    Kind("trace_permission", "端末照会権限変更", "trace", "Terminal lookup permission change"),
]

BY_CODE: dict[str, Kind] = {k.code: k for k in KINDS}


def kind_label(code: str) -> str:
    """The manual's label for a kind code (the raw code when unknown)."""
    kind = BY_CODE.get(code)
    return kind.label if kind else code


def kind_codes(selector: str) -> list[str] | None:
    """Kind codes matched by a filter value: a kind code, or `cat:<category>`.
    None when the value is not known."""
    if selector.startswith("cat:"):
        cat = selector[4:]
        if cat not in CATEGORIES:
            return None
        return [k.code for k in KINDS if k.category == cat]
    return [selector] if selector in BY_CODE else None


def kind_choices() -> list[tuple[str, object]]:
    """Drop-down choices: per category, the whole category then its kinds."""
    groups: list[tuple[str, object]] = [("", _("Any"))]
    for cat, label in CATEGORIES.items():
        members = [(k.code, k.label) for k in KINDS if k.category == cat]
        if members:
            groups.append((label, [(f"cat:{cat}", label), *members]))
    return groups


def kind_aliases() -> dict[str, str]:
    """Japanese labels accepted as filter values: a kind's label selects the
    kind, a category's label the whole category."""
    aliases = {f"{label}": f"cat:{cat}" for cat, label in CATEGORIES.items()}
    aliases.update({k.label: k.code for k in KINDS if k.label not in aliases})
    return aliases
