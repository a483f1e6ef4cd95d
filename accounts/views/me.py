"""Self-service (manual §3.2.24-3.2.26, 3.2.28): notification e-mail,
password, one-time password; the password set-up link from a reset mail."""
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from .. import security
from ..forms_auth import NotificationEmailForm, PasswordChangeForm, PasswordSetForm
from ..models import User
from ..otp import has_confirmed_device


@sensitive_post_parameters()
@login_required
def my_settings(request: HttpRequest) -> HttpResponse:
    user, action = request.user, request.POST.get("action", "")
    email = NotificationEmailForm(request.POST if action == "email" else None,
                                  initial={"notification_email": user.notification_email})
    password = PasswordChangeForm(request.POST if action == "password" else None, user=user)
    if action == "email" and email.is_valid():
        security.notification_email_set(user=user, email=email.cleaned_data["notification_email"],
                                        request=request)
        messages.success(request, _("Notification e-mail changed."))
        return redirect("accounts:me")
    if action == "password" and password.is_valid():
        security.own_password_change(user=user, password=password.cleaned_data["new_password1"],
                                     request=request)
        update_session_auth_hash(request, user)
        messages.success(request, _("Password changed."))
        return redirect("accounts:me")
    context = {"email": email, "password": password, "has_otp": has_confirmed_device(user)}
    return render(request, "accounts/me.html", context,
                  status=400 if request.method == "POST" else 200)


@sensitive_post_parameters()
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link of a password (re)set mail: choose a password."""
    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64)))).first()
    except (ValueError, TypeError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/password_reset_confirm.html", {"invalid": True},
                      status=400)
    form = PasswordSetForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        security.password_setup_by_link(user=user, password=form.cleaned_data["new_password1"],
                                        request=request)
        messages.success(request, _("Password set. You can log in now."))
        return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form},
                  status=400 if form.errors else 200)
