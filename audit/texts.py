"""The manual's result and detail wording, as data (KDDI manual §2.2, §3.2).

Tests compare against these strings character for character, and the history
stores the filled-in text, so changing a line here changes what new rows say.
"""

# --- Login history (§2.2) --------------------------------------------------
RESULT_SUCCESS = "success"
RESULT_NG = "ng"
RESULT_LOCK = "lock"

RESULTS: dict[str, str] = {
    RESULT_SUCCESS: "ログイン成功",
    RESULT_NG: "ログインNG",
    RESULT_LOCK: "アカウントロック",
}

# Pattern number -> (result code, detail text before "[IP OS]").
LOGIN_PATTERNS: dict[int, tuple[str, str]] = {
    1: (RESULT_SUCCESS, "ID/パスワード+ワンタイムパスワード認証による認証成功"),
    2: (RESULT_SUCCESS, "ID/パスワードによる認証成功"),
    3: (RESULT_SUCCESS, "ID/パスワード+ブラウザ制限による認証成功"),
    4: (RESULT_SUCCESS, "ID/パスワード+ワンタイムパスワード認証+ブラウザ制限による認証成功"),
    5: (RESULT_SUCCESS, "ID/パスワード+デバイス認証による認証成功"),
    6: (RESULT_SUCCESS, "ID/パスワード+ブラウザ制限+デバイス認証による認証成功"),
    7: (RESULT_SUCCESS, "ID/パスワード+ワンタイムパスワード認証+デバイス認証による認証成功"),
    8: (RESULT_SUCCESS,
        "ID/パスワード+ワンタイムパスワード認証+ブラウザ制限+デバイス認証による認証成功"),
    9: (RESULT_SUCCESS, "ID/パスワード+FIDOによる認証成功"),
    10: (RESULT_SUCCESS, "ID/パスワード or FIDOによる認証成功"),
    11: (RESULT_SUCCESS, "FIDOによる認証成功"),
    12: (RESULT_SUCCESS, "ID/パスワード+FIDO+デバイス認証による認証成功"),
    13: (RESULT_SUCCESS, "ID/パスワード or FIDO+デバイス認証による認証成功"),
    14: (RESULT_SUCCESS, "FIDO+デバイス認証による認証成功"),
    15: (RESULT_SUCCESS, "ID/パスワード+FIDO+ブラウザ制限による認証成功"),
    16: (RESULT_SUCCESS, "ID/パスワード or FIDO+ブラウザ制限による認証成功"),
    17: (RESULT_SUCCESS, "FIDO+ブラウザ制限による認証成功"),
    18: (RESULT_SUCCESS, "ID/パスワード+FIDO+ブラウザ制限+デバイス認証による認証成功"),
    19: (RESULT_SUCCESS, "ID/パスワード or FIDO+ブラウザ制限+デバイス認証による認証成功"),
    20: (RESULT_SUCCESS, "FIDO+ブラウザ制限+デバイス認証による認証成功"),
    21: (RESULT_NG, "ワンタイムパスワード認証失敗"),
    22: (RESULT_NG, "パスワード認証失敗"),
    23: (RESULT_NG, "社外IPアドレスからのアクセス不許可"),
    26: (RESULT_NG, "アカウントロック中のログイン"),
    24: (RESULT_NG, "ブラウザ申請不許可（同一環境からの連続申請）"),
    25: (RESULT_NG, "ブラウザ申請不許可（申請可能台数を超過）"),
    27: (RESULT_NG, "一時停止中のログイン"),
    28: (RESULT_NG, "デバイス認証失敗"),
    29: (RESULT_NG, "FIDO認証失敗"),
    30: (RESULT_LOCK, "一定回数パスワード入力誤り"),
}


def login_detail(pattern: int, ip: str, os_name: str) -> str:
    """`<pattern text>[<IP> <OS>]`, e.g. `パスワード認証失敗[203.0.113.5 Windows 10]`."""
    return f"{LOGIN_PATTERNS[pattern][1]}[{ip} {os_name}]"


# --- Operation history (§3.2) ----------------------------------------------
# Message key -> (kind code, detail format). Placeholders: user_id, org,
# org_from, org_to, file, count, name, gateway_id, account_id, ip, os.
OPERATIONS: dict[str, tuple[str, str]] = {
    "user_add": ("user_add", "ユーザ「{user_id}」を追加しました。"),
    "password_reset_mail": (
        "password_reset", "ユーザ「{user_id}」へパスワード再設定メールを送信しました。"
    ),
    "password_reset_set": ("password_reset", "ユーザ「{user_id}」のパスワードを再設定しました。"),
    "user_status": ("user_status", "ユーザ「{user_id}」のステータスを変更しました。"),
    "user_update": ("user_update", "ユーザ「{user_id}」の情報を変更しました。"),
    "user_bulk": ("user_bulk", "ユーザー一括処理を実行しました。[{file}]"),
    "user_bulk_delete": ("user_bulk", "ユーザの一括削除を実行しました。[{count}件]"),
    "user_delete": ("user_delete", "ユーザ「{user_id}」を削除しました。"),
    "org_add": ("org_manage", "組織「{org}」を登録しました。"),
    "org_add_users": ("org_manage", "組織「{org}」にユーザを登録しました。"),
    "org_remove_users": ("org_manage", "組織「{org}」からユーザを削除しました。"),
    "org_delete": ("org_manage", "組織「{org}」を削除しました。"),
    "org_rename": ("org_manage", "組織「{org}」の情報を変更しました。"),
    "org_reorder": ("org_manage", "組織の表示順番を変更しました。"),
    "org_move_users": (
        "org_manage", "組織「{org_from}」から組織「{org_to}」へユーザを移動しました。"
    ),
    "org_bulk": ("org_bulk", "組織一括処理を実行しました。[{file}]"),
    "login_condition_add": ("login_condition", "ログイン条件「{name}」を登録しました。"),
    "login_condition_delete": ("login_condition", "ログイン条件「{name}」を削除しました。"),
    "inhouse_ip": ("inhouse_ip", "社内IPアドレス設定を変更しました。"),
    "password_strength": ("password_strength", "パスワード強度の設定を変更しました。"),
    "notification_email": ("notification_email", "自身の通知先メールアドレスを変更しました。"),
    "password_change": ("password_change", "自身のパスワードを変更しました。"),
    "otp_reset": ("otp_reset", "自身のワンタイムパスワードを再設定しました。"),
    "otp_setup": ("credential_setup", "ワンタイムパスワード設定を実施しました。"),
    "password_setup": ("credential_setup", "パスワード設定を実施しました。"),
    # §3.2.28 when the password-setting page also enrolled a passkey and/or OTP.
    "password_passkey_setup": (
        "credential_setup", "パスワード設定・FIDO認証器登録を実施しました。"
    ),
    "password_passkey_otp_setup": (
        "credential_setup",
        "パスワード設定・FIDO認証器登録・ワンタイムパスワード設定を実施しました。",
    ),
    "password_otp_setup": (
        "credential_setup", "パスワード設定・ワンタイムパスワード設定を実施しました。"
    ),
    "passkey_otp_setup": (
        "credential_setup", "FIDO認証器登録・ワンタイムパスワード設定を実施しました。"
    ),
    "passkey_setup": ("credential_setup", "FIDO認証器登録を実施しました。"),
    # §3.2.10 FIDO 認証器管理 (platform = 端末内蔵, cross-platform = セキュリティキー).
    "passkey_add_platform": ("fido_authenticator", "認証器(端末内蔵)を登録しました。"),
    "passkey_add_roaming": ("fido_authenticator", "認証器(セキュリティキー)を登録しました。"),
    "passkey_rename": ("fido_authenticator", "登録済認証器の名称を変更しました。"),
    "passkey_delete_platform": ("fido_authenticator", "認証器(端末内蔵)を削除しました。"),
    "passkey_delete_roaming": ("fido_authenticator", "認証器(セキュリティキー)を削除しました。"),
    # §3.2.19 / §3.2.20 / §3.2.23
    "browser_approve": (
        "browser_request_review", "ブラウザ制限の申請を承認しました。[申請者:{user_id}]"
    ),
    "browser_refuse": (
        "browser_request_review", "ブラウザ制限の申請を拒否しました。[申請者:{user_id}]"
    ),
    "browser_delete": (
        "browser_request_review", "ブラウザ制限の申請を削除しました。[申請者:{user_id}]"
    ),
    "browser_apply": ("browser_request", "利用ブラウザを申請しました。"),
    "fido_setting": ("fido_setting", "FIDO設定を変更しました。"),
    "browser_restriction_setting": (
        "browser_restriction_setting", "ブラウザ制限の設定を変更しました。"
    ),
    "device_auth_setting": ("device_auth_setting", "デバイス認証の設定を変更しました。"),
    "device_cert_issue": ("device_certificate", "デバイス証明書「{name}」を発行しました。"),
    "device_cert_revoke": ("device_certificate", "デバイス証明書「{name}」を失効させました。"),
    "representative_change": ("representative_change", "代表管理者を変更しました。"),
    # The portal's own kinds, in the manual's style.
    "account_add": ("account_add", "アカウント「{account_id}」を登録しました。"),
    "gateway_register": ("gateway_register", "ゲートウェイ「{gateway_id}」を登録しました。"),
    "gateway_update": ("gateway_update", "ゲートウェイ「{gateway_id}」の情報を変更しました。"),
    "logout": ("logout", "ログアウトしました。[{ip} {os}]"),
    "api_token_add": ("api_token", "ユーザ「{user_id}」のAPIトークン「{name}」を発行しました。"),
    "api_token_revoke": (
        "api_token", "ユーザ「{user_id}」のAPIトークン「{name}」を失効させました。"
    ),
    # Terminal lookup (SPEC §7); `at` and the dates as 2024/05/03 14:03:00, 2024/05/01.
    "trace_ip": ("trace_lookup", "IPアドレス「{ip}」({at})を照会しました。"),
    "trace_mac": ("trace_lookup", "MACアドレス「{mac}」({date_from}〜{date_to})を照会しました。"),
    "trace_grant": ("trace_permission", "ユーザ「{user_id}」に端末照会の権限を付与しました。"),
    "trace_revoke": ("trace_permission", "ユーザ「{user_id}」の端末照会の権限を削除しました。"),
}


def operation(key: str, **values: object) -> tuple[str, str]:
    """(kind code, filled-in detail) for a message key of OPERATIONS."""
    kind, fmt = OPERATIONS[key]
    return kind, fmt.format(**values)
