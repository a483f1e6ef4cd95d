"""The account's login-method policy (§3.2.23 FIDO 設定 and ブラウザ制限) and
the success pattern (§2.2) a login earns from the factors it used."""
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
                     browser_limit: int | None = None) -> LoginMethodPolicy:
    """Change what was given; each changed part writes its history row
    (FIDO設定を変更しました。 / ブラウザ制限の設定を変更しました。)."""
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
    return policy


# (FIDO part, OTP used, through an approved browser) -> §2.2 pattern number.
# FIDO part: "" none, "second" ID/password+FIDO, "either" ID/password or
# FIDO, "only" FIDO alone. Device authentication (5-8, 12-14, 18-20) is not
# a portal method.
_SUCCESS: dict[tuple[str, bool, bool], int] = {
    ("", False, False): 2, ("", True, False): 1,
    ("", False, True): 3, ("", True, True): 4,
    ("second", False, False): 9, ("second", False, True): 15,
    ("either", False, False): 10, ("either", True, False): 10,
    ("either", False, True): 16, ("either", True, True): 16,
    ("only", False, False): 11, ("only", False, True): 17,
}


def success_pattern(*, fido: str, otp: bool, browser: bool) -> int:
    return _SUCCESS[(fido, otp, browser)]
