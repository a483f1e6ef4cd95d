"""The login decision (KDDI manual ch. 2): every attempt ends in exactly one
login-history row with the pattern that describes it.

Order of checks: throttle (no row: the client is refused before any check),
user lookup (unknown ID: pattern 22 with the typed ID), lock (26), suspension
(27), password (22, or 30 when it reaches the lockout threshold), in-house IP
rules (23), one-time password (21), success (1 or 2). The account's
login methods (loginmethods) add: a passkey instead of the one-time password
(second factor, then 9/15), FIDO-only refusing the password (29), and the
browser restriction after every other factor (3, 4, 10, 15-17; 24, 25).
Device authentication (a client certificate, loginmethods.devices) is checked
once every other factor passed and before the browser restriction, so a
client without a certificate files no browser application (28; with it 5-8,
12-14, 18-20).
"""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import LoginHistory
from audit.services import login_record
from audit.texts import RESULT_SUCCESS
from loginmethods.browsers import browser_gate
from loginmethods.devices import device_gate
from loginmethods.passkeys import password_fido_part
from loginmethods.policy import success_pattern

from .access import ip_allowed, otp_required_by_condition
from .clientinfo import client_ip
from .models import User, UserStatus
from .otp import otp_wait_seconds
from .selectors import policy_get


@dataclass(frozen=True)
class LoginOutcome:
    """What the form shows: `user` logged in, `need_otp`, or `error` (a code
    of `forms_auth.LOGIN_ERRORS`: invalid, outside, otp, otp_wait, device,
    browser_*; with `wait_seconds` for otp_wait). `device` is the TOTP device
    that verified the one-time password."""

    user: User | None = None
    device: TOTPDevice | None = None
    need_otp: bool = False
    error: str = ""
    otp_setup_required: bool = False
    wait_seconds: int = 0
    need_passkey: bool = False


def login_throttled(*, request: HttpRequest, user_id: str) -> bool:
    """Too many failed attempts lately from this IP or for this user ID."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    failed = LoginHistory.objects.filter(at__gte=since).exclude(result=RESULT_SUCCESS)
    ip = client_ip(request)
    if ip and failed.filter(ip=ip).count() >= settings.LOGIN_THROTTLE_PER_IP:
        return True
    return failed.filter(username=user_id).count() >= settings.LOGIN_THROTTLE_PER_USER


def lockout_threshold(user: User) -> int:
    policy = policy_get(account=user.account) if user.account_id else None
    if policy and policy.lockout_threshold:
        return policy.lockout_threshold
    return settings.LOGIN_LOCKOUT_THRESHOLD


def otp_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True))


def _password_failed(user: User, request: HttpRequest) -> LoginOutcome:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= lockout_threshold(user):
            User.objects.filter(pk=user.pk).update(
                status=UserStatus.LOCKED, locked_at=timezone.now()
            )
            login_record(account=user.account, user=user, user_id=user.username, pattern=30,
                         request=request)
            return LoginOutcome(error="invalid")
    login_record(account=user.account, user=user, user_id=user.username, pattern=22,
                 request=request)
    return LoginOutcome(error="invalid")


def login_attempt(
    *, request: HttpRequest, username: str, password: str | None, otp_token: str = "",
    pending_user: User | None = None,
) -> LoginOutcome:
    """Decide one attempt and write its history row (none when it only asks
    for the one-time password). `pending_user` is set on the second step, when
    the password was verified on the first and only `otp_token` is sent."""
    ip = client_ip(request)
    user = pending_user or User.objects.filter(username=username).select_related("account").first()
    if user is None or not user.is_active:
        User().set_password(password or "")  # same hashing time as a known ID
        login_record(account=user.account if user else None, user=user, user_id=username,
                     pattern=22, request=request)
        return LoginOutcome(error="invalid")

    def record(pattern: int) -> None:
        login_record(account=user.account, user=user, user_id=user.username, pattern=pattern,
                     request=request)

    password_ok = pending_user is not None or user.check_password(password or "")
    # A locked or suspended account answers exactly like a wrong password,
    # whether the password was right or not (else the answer confirms a
    # guessed password); the history still records the true pattern.
    if user.status == UserStatus.LOCKED:
        record(26)
        return LoginOutcome(error="invalid")
    if user.status == UserStatus.SUSPENDED:
        record(27)
        return LoginOutcome(error="invalid")
    if not password_ok:
        return _password_failed(user, request)
    if user.failed_logins:
        User.objects.filter(pk=user.pk).update(failed_logins=0)
    if not ip_allowed(user, ip):
        record(23)
        return LoginOutcome(error="outside")
    fido = password_fido_part(user)
    if fido == "only":  # this account signs in with a passkey only
        record(29)
        return LoginOutcome(error="passkey_only")
    if fido == "second":
        return LoginOutcome(user=user, need_passkey=True)
    devices = otp_devices(user)
    if devices:
        if not otp_token:
            return LoginOutcome(user=user, need_otp=True)
        # django-otp refuses every code, right or not, for a while after a
        # wrong one: say how long instead of "incorrect".
        wait = min(otp_wait_seconds(d) for d in devices)
        if wait:
            record(21)
            return LoginOutcome(user=user, need_otp=True, error="otp_wait", wait_seconds=wait)
        device = match_token(user, otp_token.strip())
        if device is None:
            record(21)
            return LoginOutcome(user=user, need_otp=True, error="otp")
        return login_succeed(request=request, user=user, fido=fido, otp=True,
                             otp_device=device)
    return login_succeed(request=request, user=user, fido=fido, otp=False)


def login_succeed(*, request: HttpRequest, user: User, fido: str, otp: bool,
                  otp_device=None) -> LoginOutcome:
    """Every other factor passed: the device certificate, then the browser
    restriction decide, then the success row names all the factors
    (policy.success_pattern)."""
    device = device_gate(request=request, user=user)
    if not device.passed:
        login_record(account=user.account, user=user, user_id=user.username, pattern=28,
                     request=request)
        return LoginOutcome(error="device")
    verdict = browser_gate(request=request, user=user)
    if not verdict.allowed:
        if verdict.refusal_pattern:
            login_record(account=user.account, user=user, user_id=user.username,
                         pattern=verdict.refusal_pattern, request=request)
            return LoginOutcome(error=f"browser_{verdict.refusal_pattern}")
        return LoginOutcome(error="browser_applied")
    login_record(account=user.account, user=user, user_id=user.username, request=request,
                 pattern=success_pattern(fido=fido, otp=otp, browser=verdict.restricted,
                                         device=device.required))
    return LoginOutcome(user=user, device=otp_device,
                        otp_setup_required=otp_required_by_condition(user))
