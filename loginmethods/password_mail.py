"""Forgot password: the login page's link sends the reset mail without
revealing whether the ID exists (the same answer either way)."""
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.login import login_throttled
from accounts.models import User, UserStatus
from accounts.services import password_link_send


class ForgotForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User ID"), max_length=150)


def password_forgot(request: HttpRequest) -> HttpResponse:
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_id = form.cleaned_data["username"]
        user = User.objects.filter(username=user_id, is_active=True,
                                   status=UserStatus.ACTIVE).first()
        if user is not None and not login_throttled(request=request, user_id=user_id):
            try:
                password_link_send(user=user, request=request, setup=False)
            except ValueError:  # no address: the answer stays the same
                pass
        messages.success(request, _("If the user ID is registered with an e-mail address, a "
                                    "mail with a link to set a new password was sent."))
        return redirect("accounts:login")
    return render(request, "loginmethods/password_forgot.html", {"form": form},
                  status=400 if form.errors else 200)
