"""Login, one-time password and self-service forms."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .passwords import password_validate

LOGIN_ERRORS = {
    "invalid": _("The user ID or password is incorrect."),
    "outside": _("Logging in from this network is not allowed for this account."),
    "otp": _("The one-time password is incorrect."),
    "otp_wait": _("A wrong one-time password was entered. Wait %(seconds)d seconds, then enter "
                  "the current code."),
    "throttled": _("Too many failed attempts. Wait a while and try again."),
    "expired": _("The login took too long. Enter your user ID and password again."),
    # Login methods (loginmethods): passkeys and the browser restriction.
    "passkey_only": _("This account signs in with a passkey only: use “Sign in with a "
                      "passkey”."),
    "passkey_failed": _("The passkey was not accepted."),
    "passkey_not_enabled": _("This account does not allow signing in with a passkey alone. "
                             "Enter your user ID and password first."),
    "browser_applied": _("This browser is not approved for this account yet. An application "
                         "was sent to your administrator; sign in again once it is approved."),
    "browser_24": _("This browser's application is still waiting for your administrator's "
                    "approval."),
    "device": _("This device is not registered for this account. Sign in from a device "
                "with the account's device certificate installed."),
    "browser_25": _("This browser cannot be applied for: you already have as many browsers "
                    "as the account allows. Ask your administrator to delete one."),
}


def login_error(code: str, wait_seconds: int = 0) -> str:
    """The message for an error code; otp_wait says how long to wait."""
    if code == "otp_wait":
        return LOGIN_ERRORS[code] % {"seconds": wait_seconds}
    return str(LOGIN_ERRORS[code])


class LoginForm(forms.Form):
    """Step 1: user ID and password (a one-time password may come along)."""

    username = forms.CharField(label=_("User ID"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    otp_token = forms.CharField(label=_("One-time password"), required=False, max_length=16)


class OtpForm(forms.Form):
    """Step 2, or enrolment: the six digits from the authenticator app."""

    otp_token = forms.CharField(
        label=_("One-time password"), max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )


class NotificationEmailForm(forms.Form):
    notification_email = forms.EmailField(label=_("Notification e-mail"))


class PasswordSetForm(forms.Form):
    """A new password twice, checked against Django's validators and the
    account's password strength settings."""

    new_password1 = forms.CharField(label=_("New password"), strip=False,
                                    widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password (again)"), strip=False,
                                    widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validate(p1, user=self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


class PasswordChangeForm(PasswordSetForm):
    """Self-service: the current password first."""

    old_password = forms.CharField(label=_("Current password"), strip=False,
                                   widget=forms.PasswordInput)
    field_order = ["old_password", "new_password1", "new_password2"]

    def clean_old_password(self) -> str:
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The current password is incorrect."))
        return value
