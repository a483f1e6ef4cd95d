from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import FidoMode


class PasskeyNameForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("passkey", "Name"), max_length=64)


class LoginPolicyForm(forms.Form):
    fido = forms.ChoiceField(label=_("FIDO setting"), choices=FidoMode.choices,
                             widget=forms.RadioSelect)
    browser_restriction = forms.BooleanField(label=_("Require approved browsers"),
                                             required=False)
    browser_limit = forms.IntegerField(label=_("Browsers per user"), min_value=1,
                                       max_value=20)
    device_auth = forms.BooleanField(label=_("Require a device certificate"), required=False)

    def __init__(self, *args, instance_values, **kwargs) -> None:
        kwargs.setdefault("initial", {"fido": instance_values.fido,
                                      "browser_restriction": instance_values.browser_restriction,
                                      "browser_limit": instance_values.browser_limit,
                                      "device_auth": instance_values.device_auth})
        super().__init__(*args, **kwargs)


class DeviceIssueForm(forms.Form):
    """A device certificate: its name, and optionally the one user it is for."""

    name = forms.CharField(label=_("Device name"), max_length=64)
    user = forms.ModelChoiceField(label=_("User"), queryset=None, required=False,
                                  empty_label=_("Any user of the account"))

    def __init__(self, *args, account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from accounts.models import User

        self.fields["user"].queryset = User.objects.filter(account=account,
                                                           is_active=True).order_by("username")
        self.fields["user"].label_from_instance = lambda u: f"{u.username} {u.display_name}"

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a device name."))
        return name
