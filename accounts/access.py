"""Who may do what: the one access module of the portal (SPEC §9).

Every way in (browser session, API token, the Django admin through the
portal login) is judged by the rules here, and every view and API decorator
calls them:

- user status: only an active user acts. Suspending, locking or deleting a
  user ends their open sessions at the next request and makes their tokens
  answer 401 (`AccessMiddleware`, `token_authenticate`);
- API tokens: unexpired, and the IP rules and login conditions of a login
  apply to each call (a condition that demands a one-time password refuses
  tokens, which cannot give one);
- `admin_required` for the account administration screens, `history_required`
  and `may_read_account_history` for the histories;
- `api_view`, the decorator of every JSON and download endpoint: GET only,
  401 with `WWW-Authenticate`, 403/400 as JSON naming the parameter, and
  `Cache-Control: no-store` on every answer.

The tenant check itself (which gateways a request may see) is
`portal.scope`; another account's objects answer like unknown ones.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import NamedTuple

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .clientinfo import client_ip
from .models import ApiToken, User, UserStatus, ip_in_cidrs, split_cidrs
from .selectors import login_conditions_for, policy_get

REALM = "syslogcloud"
LAST_USED_EVERY = timedelta(minutes=1)  # how often a token's last use is written


# --- Rules about a user ------------------------------------------------------
def user_may_act(user) -> bool:
    """Only an active user acts: suspended (一時停止), locked and deactivated
    users are out, whatever credential they hold."""
    return bool(user.is_active) and user.status == UserStatus.ACTIVE


def ip_allowed(user: User, ip: str) -> bool:
    """The per-user "no access from outside" flag against the account's
    in-house ranges, and every login condition's allowed ranges."""
    if user.account_id is None:
        return True
    if user.no_outside_access:
        inhouse = split_cidrs(policy_get(account=user.account).inhouse_cidrs)
        if not ip_in_cidrs(ip, inhouse):
            return False
    for cond in login_conditions_for(user=user):
        cidrs = split_cidrs(cond.allowed_cidrs)
        if cidrs and not ip_in_cidrs(ip, cidrs):
            return False
    return True


def otp_required_by_condition(user: User) -> bool:
    """A login condition of the user's account demands a one-time password."""
    return any(c.require_otp for c in login_conditions_for(user=user))


def is_account_admin(user) -> bool:
    """An admin of an account (the administration screens' condition)."""
    return bool(user.is_authenticated and user.account_id and user.is_account_admin)


def can_trace(user) -> bool:
    """Terminal lookup (SPEC §7): account admins, and users an admin gave the
    lookup permission; a user of no account sees no logs and may not look up."""
    return is_account_admin(user) or bool(
        user.is_authenticated and user.account_id and user.trace_permitted
    )


def may_read_account_history(user) -> bool:
    """Whole-account histories: the account's admins, and platform operators."""
    return bool(user.is_authenticated and (user.is_account_admin or user.is_superuser))


def history_visible(qs, *, user, own_only: bool = False, own_rows: bool = True):
    """The rows of a history queryset `user` may see: the account's for its
    admins; every account's for a platform operator without an account; else
    only the user's own rows (`own_rows`; none for a history of pushes)."""
    if own_only or not may_read_account_history(user):
        return qs.filter(user=user) if own_rows else qs.none()
    if user.account_id:
        return qs.filter(account_id=user.account_id)
    return qs if user.is_superuser else qs.none()


def admin_site_gate(user) -> None:
    """403 for a signed-in user who is not staff: the Django admin is not
    for them (anonymous users go on to the portal login)."""
    if user.is_authenticated and not user.is_staff:
        raise PermissionDenied


# --- API tokens ---------------------------------------------------------------
class TokenCheck(NamedTuple):
    """The outcome of a bearer token: `user` when accepted, else `error`."""

    user: User | None
    error: str = ""


def token_authenticate(request: HttpRequest, secret: str) -> TokenCheck:
    """Judge a bearer token by the rules of a login: it exists and has not
    expired, its user is active, the call comes from an allowed address and
    no login condition demands a one-time password. Records the last use."""
    token = (
        ApiToken.objects.select_related("user__account")
        .filter(key_hash=ApiToken.hash(secret)).first()
    )
    if token is None:
        return TokenCheck(None, _("the token is unknown or revoked"))
    if token.is_expired:
        return TokenCheck(None, _("the token has expired"))
    user = token.user
    if not user_may_act(user):
        return TokenCheck(None, _("the token's user may not log in"))
    if not ip_allowed(user, client_ip(request)):
        return TokenCheck(None, _("calls from this address are not allowed for this user"))
    if otp_required_by_condition(user):
        return TokenCheck(
            None, _("a login condition requires a one-time password, which tokens cannot give")
        )
    now = timezone.now()
    # Shown to the minute. Written on every call it would make each API read
    # a writer, which on SQLite waits for the collector's write lock (issue 9).
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return TokenCheck(user)


class AccessMiddleware:
    """After Django's authentication: applies the status rule to sessions
    (ending them at once), accepts `Authorization: Bearer <token>`, and sets
    `request.account` (None for anonymous users and account-less operators)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.token_error = ""
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            check = token_authenticate(request, header[7:].strip())
            request.token_error = check.error
            # A refused token refuses the call, whatever session cookie
            # came along with it.
            request.user = check.user or AnonymousUser()
            if check.user is not None:
                # Token calls carry no cookie, so CSRF does not apply to them.
                request._dont_enforce_csrf_checks = True
        elif request.user.is_authenticated and not user_may_act(request.user):
            logout(request)  # suspended or locked meanwhile: the session ends now
        user = request.user
        request.account = user.account if user.is_authenticated else None
        if user.is_authenticated and request.session.get("otp_setup_required"):
            # A login condition demands a one-time password the user has not
            # set up yet: nothing but the set-up page (and logout) until done.
            allowed = (reverse("accounts:otp-setup"), reverse("accounts:logout"))
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("accounts:otp-setup")
        return self.get_response(request)


# --- Decorators -----------------------------------------------------------------
def admin_required(view: Callable) -> Callable:
    """Logged in, in an account, and that account's admin (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.account is None or not is_account_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def history_required(view: Callable) -> Callable:
    """Whole-account history screens: account admins and platform operators."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_read_account_history(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def trace_required(view: Callable) -> Callable:
    """The terminal lookup screens (SPEC §7): `can_trace`, else 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_trace(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def found(obj):
    """The object, or 404: another account's object looks like a missing one."""
    if obj is None:
        raise Http404
    return obj


def api_error(message: str, status: int, parameter: str = "") -> JsonResponse:
    """The API's one error shape: `{"error": ..., "parameter": ...}`."""
    body = {"error": str(message)}
    if parameter:
        body["parameter"] = parameter
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    return response


def api_view(fn: Callable | None = None, *, account: bool = True,
             history: bool = False, trace: bool = False) -> Callable:
    """The decorator of every JSON and download endpoint: GET/HEAD only,
    authenticated (session or token, else 401 with WWW-Authenticate), in an
    account unless `account=False`, a history reader when `history=True`,
    allowed to look up terminals when `trace=True`;
    `portal.scope.ParamError` becomes 400 naming the parameter. Every answer
    gets `Cache-Control: no-store` (they carry one tenant's data)."""
    if fn is None:
        return lambda f: api_view(f, account=account, history=history, trace=trace)

    @wraps(fn)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = _api_call(fn, request, args, kwargs, account=account, history=history,
                             trace=trace)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return wrapper


def _api_call(fn, request, args, kwargs, *, account: bool, history: bool,
              trace: bool) -> HttpResponse:
    from portal.scope import ParamError  # portal builds on accounts, not the reverse

    if request.method not in ("GET", "HEAD"):
        return api_error(_("method not allowed"), 405)
    if not request.user.is_authenticated:
        return api_error(getattr(request, "token_error", "") or _("authentication required"),
                         401)
    if account and request.account is None:
        return api_error(_("this user belongs to no account"), 403)
    if history and not may_read_account_history(request.user):
        return api_error(_("admins only"), 403)
    if trace and not can_trace(request.user):
        return api_error(_("terminal lookup is not permitted for this user"), 403)
    try:
        return fn(request, *args, **kwargs)
    except ParamError as exc:
        return api_error(exc.message, 400, exc.parameter)
