"""Login (two steps when a one-time password is asked), logout, OTP set-up."""
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from audit.services import operation_log

from .. import otp
from ..access import admin_site_gate
from ..clientinfo import client_ip, client_os
from ..forms_auth import LoginForm, OtpForm, login_error
from ..login import login_attempt, login_throttled
from ..models import User

PENDING = "login_pending"
PENDING_SECONDS = 300
OTP_SETUP_REQUIRED = "otp_setup_required"


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _pending_user(request: HttpRequest) -> User | None:
    data = request.session.get(PENDING)
    if not data or time.time() - data["at"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=data["pk"]).select_related("account").first()


def _render(request, form, *, step: str, status: int = 200) -> HttpResponse:
    context = {"form": form, "step": step, "next": request.POST.get("next") or
               request.GET.get("next", "")}
    return render(request, "registration/login.html", context, status=status)


def _failed(request, form_cls, code: str, *, step: str, status: int = 200) -> HttpResponse:
    form = form_cls(request.POST)
    form.is_valid()
    form.add_error(None, login_error(code))
    return _render(request, form, step=step, status=status)


@sensitive_post_parameters("password", "otp_token")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """LOGIN_URL. POST username/password (and otp_token); when the user has a
    one-time password and none was sent, the page asks for it (step 2)."""
    if request.method != "POST":
        request.session.pop(PENDING, None)
        return _render(request, LoginForm(), step="password")
    pending = _pending_user(request)
    second_step = "username" not in request.POST and PENDING in request.session
    if second_step and pending is None:
        request.session.pop(PENDING, None)
        return _failed(request, LoginForm, "expired", step="password")
    form = (OtpForm if second_step else LoginForm)(request.POST)
    if not form.is_valid():
        return _render(request, form, step="otp" if second_step else "password", status=400)
    username = pending.username if second_step else form.cleaned_data["username"]
    if login_throttled(request=request, user_id=username):
        return _failed(request, type(form), "throttled", step="otp" if second_step else
                       "password", status=429)
    outcome = login_attempt(
        request=request, username=username,
        password=None if second_step else form.cleaned_data["password"],
        otp_token=form.cleaned_data.get("otp_token", ""),
        pending_user=pending if second_step else None,
    )
    if outcome.need_passkey:  # FIDO as the second factor: loginmethods.views finishes
        request.session[PENDING] = {"pk": outcome.user.pk, "at": time.time(), "passkey": True}
        return _render(request, OtpForm(), step="passkey")
    if outcome.need_otp:
        request.session[PENDING] = {"pk": outcome.user.pk, "at": time.time()}
        otp_form = OtpForm()
        if outcome.error:
            otp_form = OtpForm(request.POST)
            otp_form.is_valid()
            otp_form.add_error(None, login_error(outcome.error, outcome.wait_seconds))
        return _render(request, otp_form, step="otp")
    request.session.pop(PENDING, None)
    if outcome.error:
        return _failed(request, LoginForm, outcome.error, step="password")
    auth_login(request, outcome.user, backend="django.contrib.auth.backends.ModelBackend")
    if outcome.device is not None:
        otp_login(request, outcome.device)
    if outcome.otp_setup_required:
        request.session[OTP_SETUP_REQUIRED] = True
        return redirect("accounts:otp-setup")
    return redirect(_next_url(request))


def admin_login(request: HttpRequest) -> HttpResponse:
    """`/admin/login/`: the Django admin signs in through the portal login, so
    throttle, lockout, one-time password and login history apply there too."""
    admin_site_gate(request.user)
    if request.user.is_authenticated:  # staff already signed in
        return redirect("admin:index")
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out (POST only) and record it in the operation history."""
    user = request.user
    if user.is_authenticated:
        operation_log("logout", account=user.account, actor=user, request=request,
                      ip=client_ip(request), os=client_os(request))
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@never_cache  # no-store: the page shows the TOTP secret
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """First-time set-up or reset of the one-time password: scan the QR code,
    then confirm with a code from the app."""
    device = otp.pending_device(request.user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = otp.otp_wait_seconds(device)
        if wait:
            form.add_error("otp_token", login_error("otp_wait", wait))
        elif otp.device_confirm(user=request.user, device=device,
                                token=form.cleaned_data["otp_token"], request=request):
            otp_login(request, device)
            request.session.pop(OTP_SETUP_REQUIRED, None)
            return redirect(_next_url(request))
        else:
            form.add_error("otp_token", login_error("otp"))
    context = {
        "form": form,
        "qr_svg": otp.qr_svg(device),
        "secret": otp.secret_b32(device),
        "has_device": otp.has_confirmed_device(request.user),
        "required": request.session.get(OTP_SETUP_REQUIRED, False),
    }
    return render(request, "accounts/otp_setup.html", context,
                  status=400 if form.errors else 200)
