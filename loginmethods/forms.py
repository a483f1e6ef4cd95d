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

    def __init__(self, *args, instance_values, **kwargs) -> None:
        kwargs.setdefault("initial", {"fido": instance_values.fido,
                                      "browser_restriction": instance_values.browser_restriction,
                                      "browser_limit": instance_values.browser_limit})
        super().__init__(*args, **kwargs)
