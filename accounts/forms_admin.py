"""Forms of the tenant administration screens."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LoginCondition, SecurityPolicy, User, UserStatus
from .passwords import password_validate


class UserAddForm(forms.ModelForm):
    """ユーザ追加. The password is optional: without one the user gets a reset mail."""

    password = forms.CharField(label=_("Password"), required=False, strip=False,
                               widget=forms.PasswordInput,
                               help_text=_("Leave empty to send a password set-up mail."))

    class Meta:
        model = User
        fields = ["username", "name", "email", "notification_email", "is_account_admin",
                  "no_outside_access"]
        labels = {"username": _("User ID")}

    def __init__(self, *args, account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self):
        data = super().clean()
        if data.get("password"):
            probe = User(username=data.get("username", ""), account=self.account,
                         name=data.get("name", ""))
            try:
                password_validate(data["password"], user=probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        elif not (data.get("email") or data.get("notification_email")):
            self.add_error("password", _("Give a password or an e-mail address for the "
                                         "set-up mail."))
        return data


class UserInfoForm(forms.ModelForm):
    """ユーザ情報変更."""

    class Meta:
        model = User
        fields = ["name", "email", "notification_email", "is_account_admin",
                  "no_outside_access"]


class UserStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=UserStatus.choices)


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("User ID / name"), required=False, max_length=150)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), *UserStatus.choices])


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return f


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)


class LoginConditionForm(forms.ModelForm):
    class Meta:
        model = LoginCondition
        fields = ["name", "require_otp", "allowed_cidrs", "admins_only"]
        widgets = {"allowed_cidrs": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.account = account


class InhouseIpForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = ["inhouse_cidrs"]
        widgets = {"inhouse_cidrs": forms.Textarea(attrs={"rows": 5})}


class PasswordStrengthForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = ["password_min_length", "require_upper", "require_lower", "require_digit",
                  "require_symbol", "lockout_threshold"]

    def clean_password_min_length(self) -> int:
        value = self.cleaned_data["password_min_length"]
        if not 8 <= value <= 128:
            raise forms.ValidationError(_("Between 8 and 128."))
        return value

    def clean_lockout_threshold(self):
        value = self.cleaned_data["lockout_threshold"]
        if value is not None and not 1 <= value <= 100:
            raise forms.ValidationError(_("Between 1 and 100."))
        return value


class RepresentativeForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Representative admin"), queryset=User.objects.none())

    def __init__(self, *args, account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(account=account,
                                                           is_account_admin=True)
