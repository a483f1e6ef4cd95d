"""The rule form (admins) and the alert history's search form."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Gateway
from audit.search import HistorySearchForm
from logformats.codes import CONTROL_KINDS
from syslogcloud.outbound import OutboundRefused, check_url

from .models import AlertRule, RuleKind

CONTROL_KIND_NAMES = {"session": "0", "spam": "1", "bandwidth": "2"}


def control_kind_code(value: str) -> str | None:
    """`0`/`session`, `1`/`spam`, `2`/`bandwidth` → the record's code; None if unknown."""
    value = (value or "").strip().lower()
    code = CONTROL_KIND_NAMES.get(value, value)
    return code if code in CONTROL_KINDS else None


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").replace(",", "\n").splitlines() if line.strip()]


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Rule"), choices=RuleKind.choices,
                             widget=forms.RadioSelect, initial=RuleKind.SILENT)
    gateway = forms.ModelChoiceField(label=_("Gateway"), queryset=Gateway.objects.none(),
                                     required=False, empty_label=_("All gateways"),
                                     to_field_name="gateway_id")
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=10080,
                                 help_text=_("Silent: minutes without any record. "
                                             "Control spike: the window."))
    alert_never_seen = forms.BooleanField(
        label=_("Also alert for gateways never heard from (未受信)"), required=False)
    control_kind = forms.ChoiceField(
        label=_("Control kind"), required=False,
        choices=[])
    threshold = forms.IntegerField(label=_("Count"), min_value=1, required=False,
                                   help_text=_("Control spike: at least this many records."))
    emails = forms.CharField(label=_("E-mail addresses"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("One per line."))
    webhooks = forms.CharField(label=_("Webhook URLs"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("One per line; JSON POST signed with the secret."))
    webhook_secret = forms.CharField(
        label=_("Webhook secret"), required=False, max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep it, or to generate one when the URLs change."))
    language = forms.ChoiceField(label=_("Notice language"),
                                 choices=[("ja", "日本語"), ("en", "English")])
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["gateway"].queryset = Gateway.objects.for_account(account)
        english = get_language() == "en"
        self.fields["language"].initial = "en" if english else "ja"
        self.fields["control_kind"].choices = [("", "-")] + [
            (k, f"{k}: {en if english else ja}") for k, (ja, en) in CONTROL_KINDS.items()]

    def clean_emails(self) -> list[str]:
        addresses = _lines(self.cleaned_data["emails"])
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise ValidationError(_("%(value)s is not an e-mail address."),
                                      params={"value": address}) from exc
        return addresses

    def clean_webhooks(self) -> list[str]:
        urls = _lines(self.cleaned_data["webhooks"])
        for url in urls:
            try:
                check_url(url)
            except OutboundRefused as exc:
                raise ValidationError("%(url)s: %(why)s", params={"url": url, "why": exc}) from exc
        return urls

    def clean(self):
        data = super().clean()
        if data.get("kind") == RuleKind.CONTROL_SPIKE:
            if not data.get("control_kind"):
                self.add_error("control_kind", _("Choose the control kind."))
            if not data.get("threshold"):
                self.add_error("threshold", _("Enter the count."))
        else:
            data["control_kind"], data["threshold"] = "", 0
        if data.get("kind") != RuleKind.SILENT:
            data["alert_never_seen"] = False
        return data


def rule_initial(rule: AlertRule) -> dict:
    return {"kind": rule.kind, "gateway": rule.gateway, "minutes": rule.minutes,
            "alert_never_seen": rule.alert_never_seen, "control_kind": rule.control_kind,
            "threshold": rule.threshold or None, "emails": "\n".join(rule.emails),
            "webhooks": "\n".join(rule.webhooks), "language": rule.language,
            "enabled": rule.enabled}


class AlertSearchForm(HistorySearchForm):
    """アラート履歴: the histories' period rules; `q` matches the gateway ID."""

    sort_fields = {"time": "opened_at"}


AlertSearchForm.base_fields["q"] = forms.CharField(label=_("Gateway ID"), required=False,
                                                   max_length=64)
