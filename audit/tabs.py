"""The tab bar under "ログ". One entry per history screen; the provisioning
history adds one line here. `admin_only` tabs are hidden from plain users."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.access import may_read_account_history


@dataclass(frozen=True, slots=True)
class Tab:
    url_name: str
    label: str
    admin_only: bool = True


TABS: list[Tab] = [
    Tab("audit:login-history", _("Login history")),
    Tab("audit:operation-history", _("Operation history")),
    Tab("provisioning:history", _("Provisioning history")),
]


def tabs_for(user) -> list[Tab]:
    """The tabs `user` may open."""
    admin = may_read_account_history(user)
    return [t for t in TABS if admin or not t.admin_only]
