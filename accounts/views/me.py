"""Self-service (manual §3.2.24-3.2.26, 3.2.28): notification e-mail,
password, one-time password; the password set-up link from a reset mail."""
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from .. import security
from ..forms_auth import NotificationEmailForm, PasswordChangeForm
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

