"""The account's login-method policy (§3.2.23 FIDO 設定, ブラウザ制限 and
device authentication) and the success pattern (§2.2) a login earns from the
factors it used."""
from django.db import transaction
from django.http import HttpRequest

from audit.services import operation_log

from .models import FidoMode, LoginMethodPolicy


def login_policy_get(*, account) -> LoginMethodPolicy:
    """The account's policy; an account-less user (platform operator) gets
    the defaults without a row."""
    if account is None:
        return LoginMethodPolicy()
    policy, _created = LoginMethodPolicy.objects.get_or_create(account=account)
    return policy


@transaction.atomic
def login_policy_set(*, account, actor, request: HttpRequest | None = None,
                     fido: str | None = None, browser_restriction: bool | None = None,
                     browser_limit: int | None = None,
                     device_auth: bool | None = None) -> LoginMethodPolicy:
    """Change what was given; each changed part writes its history row
    (FIDO設定を変更しました。 / ブラウザ制限の設定を変更しました。 /
    デバイス認証の設定を変更しました。)."""
    policy = login_policy_get(account=account)
    if fido is not None and fido != policy.fido:
        policy.fido = FidoMode(fido)
        policy.save(update_fields=["fido"])
        operation_log("fido_setting", account=account, actor=actor, request=request)
    restriction_changed = False
    if browser_restriction is not None and browser_restriction != policy.browser_restriction:
        policy.browser_restriction = browser_restriction
        restriction_changed = True
    if browser_limit is not None and browser_limit != policy.browser_limit:
        policy.browser_limit = browser_limit
        restriction_changed = True
    if restriction_changed:
        policy.save(update_fields=["browser_restriction", "browser_limit"])
        operation_log("browser_restriction_setting", account=account, actor=actor,
                      request=request)
    if device_auth is not None and device_auth != policy.device_auth:
        policy.device_auth = device_auth
        policy.save(update_fields=["device_auth"])
        operation_log("device_auth_setting", account=account, actor=actor, request=request)
    return policy


# (FIDO part, OTP used, through an approved browser, with a device
# certificate) -> §2.2 pattern number. FIDO part: "" none, "second"
# ID/password+FIDO, "either" ID/password or FIDO, "only" FIDO alone. The
# manual names the one-time password only without FIDO (with "either" the
# password half may have used one; the text stays "ID/パスワード or FIDO").
_SUCCESS: dict[tuple[str, bool, bool, bool], int] = {
    #  no device                      with a device certificate (デバイス認証)
    ("", False, False, False): 2,     ("", False, False, True): 5,
    ("", False, True, False): 3,      ("", False, True, True): 6,
    ("", True, False, False): 1,      ("", True, False, True): 7,
    ("", True, True, False): 4,       ("", True, True, True): 8,
    ("second", False, False, False): 9,   ("second", False, False, True): 12,
    ("second", False, True, False): 15,   ("second", False, True, True): 18,
    ("either", False, False, False): 10,  ("either", False, False, True): 13,
    ("either", True, False, False): 10,   ("either", True, False, True): 13,
    ("either", False, True, False): 16,   ("either", False, True, True): 19,
    ("either", True, True, False): 16,    ("either", True, True, True): 19,
    ("only", False, False, False): 11,    ("only", False, False, True): 14,
    ("only", False, True, False): 17,     ("only", False, True, True): 20,
}


def success_pattern(*, fido: str, otp: bool, browser: bool, device: bool) -> int:
    return _SUCCESS[(fido, otp, browser, device)]
