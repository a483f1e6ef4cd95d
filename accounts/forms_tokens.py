"""The API token form: a name and a lifetime in days."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .tokens import MAX_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, required=False,
                           help_text=_("What the token is for, e.g. the script's name."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS)
