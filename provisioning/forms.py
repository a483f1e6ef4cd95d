"""Forms: registering a connected service, and the history search."""
from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from audit.search import HistorySearchForm
from syslogcloud.outbound import OutboundRefused, check_url

from .models import ConnectedService
from .texts import Kind, Result


class ServiceForm(forms.Form):
    """A connected service. The token field is write-only: it is never
    rendered back, and left empty on a change it keeps the stored token."""

    name = forms.CharField(label=_("Service name"), max_length=100)
    base_url = forms.CharField(
        label=_("SCIM base URL"), max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("For example https://scim.example.com/scim/v2"),
    )
    token = forms.CharField(
        label=_("Bearer token"), required=False, max_length=4096, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    sync_all_organisations = forms.BooleanField(
        label=_("Sync all organisations"), required=False, initial=True
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations to sync"), required=False, queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used when 'Sync all organisations' is off."),
    )

    def __init__(self, *args, account, service: ConnectedService | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.service = service
        self.fields["organisations"].queryset = Organisation.objects.filter(account=account)
        if service is None:
            self.fields["token"].required = True
        else:
            self.fields["token"].help_text = _(
                "A token is set. Leave this empty to keep it; it is never shown again."
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        same = ConnectedService.objects.filter(account=self.account, name=name)
        if self.service is not None:
            same = same.exclude(pk=self.service.pk)
        if same.exists():
            raise forms.ValidationError(_("A service with this name already exists."))
        return name


    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"].strip()
        try:
            check_url(url)
        except OutboundRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url

    def clean(self):
        data = super().clean()
        url = data.get("base_url")
        if (self.service is not None and url and url != self.service.base_url
                and not data.get("token")):
            # The stored token belongs to the old host: never send it elsewhere.
            self.add_error("token", _("The URL changed: enter the token for the new URL."))
        return data


def service_initial(service: ConnectedService) -> dict:
    return {
        "name": service.name, "base_url": service.base_url, "enabled": service.enabled,
        "sync_all_organisations": service.sync_all_organisations,
        "organisations": list(service.organisations.all()),
    }


def _kind_choices() -> list:
    return [("", _("Any")), *Kind.choices]


class ProvisioningSearchForm(HistorySearchForm):
    """サービス連携履歴 (manual §1.3.1): period, target text, service and kind
    drop-downs, result checkboxes. The service choices are the account's,
    set by `with_services`."""

    result_choices = Result.choices
    kind_choices = staticmethod(_kind_choices)
    service_choices = staticmethod(lambda: [("", _("Any"))])
    sort_fields = {
        "time": "at", "service": "service_name", "kind": "kind", "target": "target",
        "result": "result",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Target")
        self.fields["q"].max_length = 255

    def with_services(self, names: list[str]) -> "ProvisioningSearchForm":
        self.fields["service"].choices = [("", _("Any"))] + [(n, n) for n in names]
        return self


CSV_HEADER = ["日時", "連携先サービス", "種別", "連携対象", "結果", "詳細"]
