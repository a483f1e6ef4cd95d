"""Passkey sign-in (JSON for static/loginmethods/passkeys.js), /me/passkeys/,
the login-method settings, the browser applications and the device
certificates of an account."""
import base64
import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts.access import admin_required, found, ip_allowed
from accounts.clientinfo import client_ip
from accounts.forms_auth import login_error
from accounts.login import login_succeed, login_throttled
from accounts.models import User, UserStatus
from accounts.views.auth import PENDING, PENDING_SECONDS
from audit.services import login_record

from . import browsers, devices, passkeys
from .forms import DeviceIssueForm, LoginPolicyForm, PasskeyNameForm
from .models import FidoMode
from .policy import login_policy_get, login_policy_set

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _json_body(request: HttpRequest) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _error(message: str, status: int = 400, parameter: str = "") -> JsonResponse:
    body = {"error": str(message)}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _pending_passkey_user(request: HttpRequest) -> User | None:
    """The user who passed ID/password and now owes a passkey (second factor)."""
    data = request.session.get(PENDING)
    if not data or not data.get("passkey") or time.time() - data["at"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=data["pk"]).select_related("account").first()


def _next_url(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@require_POST
def passkey_login_begin(request: HttpRequest) -> JsonResponse:
    """Assertion options: any discoverable passkey, or the pending user's."""
    return JsonResponse(passkeys.authenticate_begin(request=request,
                                                    user=_pending_passkey_user(request)))


@never_cache
@require_POST
def passkey_login_complete(request: HttpRequest) -> JsonResponse:
    """Verify the assertion and decide the login: a failure is pattern 29
    for the user the passkey names; then status, network, the account's
    FIDO setting and the browser restriction, as for a password login."""
    body = _json_body(request)
    if body is None or not isinstance(body.get("credential"), dict):
        return _error(_("credential: a WebAuthn assertion (JSON object) is required"),
                      parameter="credential")
    pending = _pending_passkey_user(request)
    assertion = passkeys.authenticate_complete(request=request, data=body["credential"],
                                               user=pending)
    user = assertion.credential.user if assertion.credential else assertion.claimed_user
    if user is not None and login_throttled(request=request, user_id=user.username):
        return _error(login_error("throttled"), 429)

    def refuse(pattern: int, code: str) -> JsonResponse:
        if user is not None:
            login_record(account=user.account, user=user, user_id=user.username,
                         pattern=pattern, request=request)
        return _error(login_error(code), 403)

    if assertion.credential is None or not user.is_active:
        return refuse(29, "passkey_failed")
    # Locked and suspended answer like a failed passkey (as a password login
    # answers like a wrong password); the history keeps the true pattern.
    if user.status == UserStatus.LOCKED:
        return refuse(26, "passkey_failed")
    if user.status == UserStatus.SUSPENDED:
        return refuse(27, "passkey_failed")
    if not ip_allowed(user, client_ip(request)):
        return refuse(23, "outside")
    mode = login_policy_get(account=user.account).fido
    if pending is not None:
        fido = "second"
    elif mode in (FidoMode.EITHER, FidoMode.ONLY):
        fido = "either" if mode == FidoMode.EITHER else "only"
    else:  # off, or a second factor that needs the password first
        return refuse(29, "passkey_not_enabled")
    outcome = login_succeed(request=request, user=user, fido=fido, otp=False)
    if outcome.error:
        return _error(login_error(outcome.error), 403)
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=BACKEND)
    otp_login(request, assertion.credential)  # the passkey verifies the session (django-otp)
    return JsonResponse({"redirect": _next_url(request, str(body.get("next") or ""))})


# --- /me/passkeys/ ---------------------------------------------------------------
@never_cache
@login_required
def my_passkeys(request: HttpRequest) -> HttpResponse:
    """List, rename and delete the user's passkeys; register with the button."""
    action = request.POST.get("action", "")
    if request.method == "POST":
        credential = found(passkeys.passkey_get(user=request.user,
                                                pk=_int(request.POST.get("pk"))))
        if action == "delete":
            passkeys.passkey_delete(credential=credential, request=request)
            messages.success(request, _("Passkey deleted."))
            return redirect("loginmethods:my-passkeys")
        form = PasskeyNameForm(request.POST)
        if action == "rename" and form.is_valid():
            passkeys.passkey_rename(credential=credential, name=form.cleaned_data["name"],
                                    request=request)
            messages.success(request, _("Passkey renamed."))
            return redirect("loginmethods:my-passkeys")
        rows = [(c, form if c.pk == credential.pk else PasskeyNameForm(initial={"name": c.name}))
                for c in passkeys.passkey_list(user=request.user)]
        return render(request, "loginmethods/my_passkeys.html", {"rows": rows}, status=400)
    rows = [(c, PasskeyNameForm(initial={"name": c.name}))
            for c in passkeys.passkey_list(user=request.user)]
    return render(request, "loginmethods/my_passkeys.html", {"rows": rows})


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@never_cache
@login_required
@require_POST
def passkey_register_begin(request: HttpRequest) -> JsonResponse:
    return JsonResponse(passkeys.register_begin(request=request))


@never_cache
@login_required
@require_POST
def passkey_register_complete(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if body is None or not isinstance(body.get("credential"), dict):
        return _error(_("credential: a WebAuthn registration (JSON object) is required"),
                      parameter="credential")
    try:
        passkeys.register_complete(request=request, data=body["credential"],
                                   name=str(body.get("name") or ""))
    except ValueError as exc:
        return _error(str(exc), parameter="credential")
    messages.success(request, _("Passkey registered."))
    return JsonResponse({"redirect": resolve_url("loginmethods:my-passkeys")})


# --- Account admin: login methods and browser applications ---------------------------
@admin_required
def login_methods(request: HttpRequest) -> HttpResponse:
    """§3.2.23 FIDO 設定 and the browser restriction of the admin's account."""
    policy = login_policy_get(account=request.account)
    form = LoginPolicyForm(request.POST or None, instance_values=policy)
    if request.method == "POST" and form.is_valid():
        was_on = policy.browser_restriction
        login_policy_set(account=request.account, actor=request.user, request=request,
                         **form.cleaned_data)
        if form.cleaned_data["browser_restriction"] and not was_on:
            browsers.browser_keep_current(request=request, user=request.user)
        messages.success(request, _("Login methods saved."))
        return redirect("loginmethods:login-methods")
    return render(request, "loginmethods/login_methods.html", {"form": form},
                  status=400 if form.errors else 200)


@admin_required
def browser_applications(request: HttpRequest) -> HttpResponse:
    """ブラウザ制限 申請一覧: approve, refuse or delete (§3.2.19)."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("approve", "refuse", "delete"):
            return render(request, "loginmethods/browser_applications.html",
                          {"rows": browsers.application_list(account=request.account),
                           "error": _("action: approve, refuse or delete")}, status=400)
        browser = found(browsers.application_get(account=request.account,
                                                 pk=_int(request.POST.get("pk"))))
        browsers.application_review(browser=browser, action=action, actor=request.user,
                                    request=request)
        messages.success(request, _("Application updated."))
        return redirect("loginmethods:browser-applications")
    return render(request, "loginmethods/browser_applications.html",
                  {"rows": browsers.application_list(account=request.account)})


# --- Account admin: device certificates (デバイス認証) --------------------------------
ISSUED = "device_p12"  # session: {pk: base64 PKCS#12}, downloadable once


def _device_page(request: HttpRequest, form: DeviceIssueForm, *, status: int = 200,
                 issued=None, error: str = "") -> HttpResponse:
    return render(request, "loginmethods/devices.html", {
        "form": form, "rows": devices.device_list(account=request.account),
        "issued": issued, "error": error,
        "device_auth": login_policy_get(account=request.account).device_auth,
    }, status=status)


@never_cache
@admin_required
def device_certificates(request: HttpRequest) -> HttpResponse:
    """Issue (the PKCS#12 password is shown on this answer only) and revoke."""
    form = DeviceIssueForm(request.POST if request.POST.get("action") == "issue" else None,
                           account=request.account)
    if request.method != "POST":
        return _device_page(request, form)
    action = request.POST.get("action", "")
    if action == "revoke":
        certificate = found(devices.device_get(account=request.account,
                                               pk=_int(request.POST.get("pk"))))
        devices.device_revoke(certificate=certificate, actor=request.user, request=request)
        messages.success(request, _("Device certificate revoked."))
        return redirect("loginmethods:devices")
    if action != "issue":
        return _device_page(request, form, status=400, error=_("action: issue or revoke"))
    if not form.is_valid():
        return _device_page(request, form, status=400)
    issued = devices.device_issue(account=request.account, name=form.cleaned_data["name"],
                                  user=form.cleaned_data["user"], actor=request.user,
                                  request=request)
    pending = request.session.get(ISSUED, {})
    pending[str(issued.certificate.pk)] = base64.b64encode(issued.pkcs12).decode()
    request.session[ISSUED] = pending
    return _device_page(request, DeviceIssueForm(account=request.account), issued=issued)


@never_cache
@admin_required
def device_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The PKCS#12 of a certificate just issued in this session, once: the
    portal keeps no copy of the device key after that."""
    certificate = found(devices.device_get(account=request.account, pk=pk))
    pending = request.session.get(ISSUED, {})
    blob = pending.pop(str(certificate.pk), None)
    if blob is None:
        raise Http404
    request.session[ISSUED] = pending
    response = HttpResponse(base64.b64decode(blob), content_type="application/x-pkcs12")
    response["Content-Disposition"] = f'attachment; filename="device-{certificate.serial[:16]}.p12"'
    return response
