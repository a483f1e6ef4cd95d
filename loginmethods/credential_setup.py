"""The password-setting page of a set-up or reset mail's one-time link: a
new password and, on the same page, a one-time password and a passkey. One
§3.2.28 row names what was done (パスワード設定・FIDO認証器登録・…)."""
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.forms_auth import login_error
from accounts.models import User
from accounts.passwords import password_validate
from audit.services import operation_log

from . import passkeys

PASSKEY_DONE = "credential_setup_passkey"  # session: user pk whose passkey this visit added

# (password, passkey, one-time password) -> audit.texts.OPERATIONS key (§3.2.28).
SETUP_TEXTS = {
    (True, False, False): "password_setup",
    (True, True, False): "password_passkey_setup",
    (True, True, True): "password_passkey_otp_setup",
    (True, False, True): "password_otp_setup",
    (False, False, True): "otp_setup",
    (False, True, True): "passkey_otp_setup",
    (False, True, False): "passkey_setup",
}


def link_user(uidb64: str, token: str) -> User | None:
    """The user a mail's link names, while its token is still good."""
    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64)))).first()
    except (ValueError, TypeError, OverflowError):
        return None
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


class CredentialSetupForm(forms.Form):
    """Password (twice) and/or the code of the app being enrolled; at least
    one thing, or a passkey registered above, must be done."""

    new_password1 = forms.CharField(label=gettext_lazy("New password"), strip=False,
                                    required=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=gettext_lazy("New password (again)"), strip=False,
                                    required=False, widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=gettext_lazy("One-time password"), required=False, max_length=16,
        help_text=gettext_lazy("Optional: the six digits your authenticator app shows "
                               "after scanning the QR code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args, user: User, device: TOTPDevice, passkey_done: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.device, self.passkey_done = user, device, passkey_done

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 or p2:
            if p1 != p2:
                self.add_error("new_password2", _("The two passwords differ."))
            else:
                try:
                    password_validate(p1, user=self.user)
                except forms.ValidationError as exc:
                    self.add_error("new_password1", exc)
        elif not self.user.has_usable_password():
            self.add_error("new_password1", _("Choose a password."))
        code = (data.get("otp_token") or "").strip()
        wait = otp.otp_wait_seconds(self.device) if code else 0
        if wait:  # django-otp refuses every code for a while after a wrong one
            self.add_error("otp_token", login_error("otp_wait", wait))
        elif code and not self.device.verify_token(code):
            self.add_error("otp_token", _("The one-time password is incorrect."))
        if not (p1 or code or self.passkey_done) and not self.errors:
            raise forms.ValidationError(_("Set a password, a one-time password or a passkey."))
        return data


@transaction.atomic
def credential_setup_apply(*, user: User, password: str, device: TOTPDevice | None,
                           passkey_done: bool, request: HttpRequest) -> str:
    """Store what the page did and write its one §3.2.28 row; returns the key."""
    from accounts.tokens import tokens_revoke_all

    if password:
        user.set_password(password)  # also makes the mail's link stale (Django's token)
        user.save(update_fields=["password"])
        tokens_revoke_all(user=user, actor=user, request=request)
    if device is not None:
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed, device.name = True, "default"
        device.save(update_fields=["confirmed", "name"])
    key = SETUP_TEXTS[(bool(password), passkey_done, device is not None)]
    operation_log(key, account=user.account, actor=user, request=request)
    return key


@sensitive_post_parameters()
@never_cache  # no-store: the page shows the TOTP secret
def credential_setup(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = link_user(uidb64, token)
    if user is None:
        return render(request, "accounts/password_reset_confirm.html", {"invalid": True},
                      status=400)
    device = otp.pending_device(user)
    passkey_done = request.session.get(PASSKEY_DONE) == user.pk
    form = CredentialSetupForm(request.POST if request.method == "POST" else None, user=user,
                               device=device,
                               passkey_done=passkey_done)
    if request.method == "POST" and form.is_valid():
        code = (form.cleaned_data.get("otp_token") or "").strip()
        credential_setup_apply(user=user, password=form.cleaned_data.get("new_password1") or "",
                               device=device if code else None, passkey_done=passkey_done,
                               request=request)
        request.session.pop(PASSKEY_DONE, None)
        messages.success(request, _("Your sign-in settings are saved. You can log in now."))
        return redirect("accounts:login")
    base = request.path
    context = {
        "form": form, "passkey_done": passkey_done, "qr_svg": otp.qr_svg(device),
        "secret": otp.secret_b32(device), "user_id": user.username,
        "begin": f"{base}passkey/begin/", "complete": f"{base}passkey/complete/",
    }
    return render(request, "loginmethods/credential_setup.html", context,
                  status=400 if form.errors else 200)


@never_cache
@require_POST
def credential_setup_passkey_begin(request: HttpRequest, uidb64: str,
                                   token: str) -> JsonResponse:
    user = link_user(uidb64, token)
    if user is None:
        return JsonResponse({"error": _("This link is invalid or has already been used.")},
                            status=400)
    return JsonResponse(passkeys.register_begin(request=request, user=user))


@never_cache
@require_POST
def credential_setup_passkey_complete(request: HttpRequest, uidb64: str,
                                      token: str) -> JsonResponse:
    user = link_user(uidb64, token)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if user is None or not isinstance(body, dict) or not isinstance(body.get("credential"),
                                                                    dict):
        return JsonResponse({"error": _("credential: a WebAuthn registration (JSON object) "
                                        "is required"), "parameter": "credential"}, status=400)
    try:
        passkeys.register_complete(request=request, data=body["credential"], user=user,
                                   name=str(body.get("name") or ""), record=False)
    except ValueError as exc:
        return JsonResponse({"error": str(exc), "parameter": "credential"}, status=400)
    request.session[PASSKEY_DONE] = user.pk
    return JsonResponse({"redirect": reverse("accounts:password-reset-confirm",
                                             kwargs={"uidb64": uidb64, "token": token})})
