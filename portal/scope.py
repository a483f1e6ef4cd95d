"""Which gateways a request may see: the shared access check of every
dashboard page, JSON endpoint and download."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import Account, Gateway


class ParamError(ValueError):
    """A bad query parameter; views answer 400 naming `parameter`."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Scope:
    """One account, all of its gateways or one of them (SPEC §4)."""

    account: Account
    gateway: Gateway | None
    gateway_pks: tuple[int, ...]
    # All of the account's gateways, by ID: the device selector uses them, so
    # a page reads the gateway table once.
    gateways: tuple[Gateway, ...] = ()

    @property
    def key(self) -> str:
        """The rollup scope key: ``g<pk>`` or ``a<pk>``."""
        return f"g{self.gateway.pk}" if self.gateway else f"a{self.account.pk}"

    @property
    def name(self) -> str:
        """The gateway ID or account ID (download file names)."""
        return self.gateway.gateway_id if self.gateway else self.account.account_id

    @property
    def signature(self) -> str:
        """Which gateways account-wide facts were built from ("" for one gateway)."""
        return "" if self.gateway else gateway_signature(self.gateway_pks)


def gateway_signature(pks) -> str:
    text = ",".join(str(pk) for pk in sorted(pks))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def scope_resolve(*, account: Account, gateway_id: str | None) -> Scope:
    """The scope for an account and an optional gateway ID. Another account's
    gateway is reported exactly like one that does not exist."""
    gateways = tuple(account_gateways(account=account))
    if not gateway_id:
        return Scope(account, None, tuple(g.pk for g in gateways), gateways)
    for g in gateways:
        if g.gateway_id == gateway_id:
            return Scope(account, g, (g.pk,), gateways)
    raise ParamError("gateway", _("unknown gateway"))


def account_gateways(*, account: Account) -> list[Gateway]:
    """The account's gateways for the device selector."""
    return list(Gateway.objects.for_account(account).order_by("gateway_id"))
