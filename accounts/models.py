"""Tenants (accounts), their gateways, portal users and API tokens."""
import hashlib
import ipaddress
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

account_id_validator = RegexValidator(
    r"^[A-Z][0-9A-Z]{3,15}$", _("An account ID looks like A00700123.")
)
gateway_id_validator = RegexValidator(r"^\S{1,64}$", _("A gateway ID has no spaces."))


def validate_cidr_list(value: str) -> None:
    for part in split_cidrs(value):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise ValidationError(
                _("%(cidr)s is not a CIDR range."), params={"cidr": part}
            ) from exc


def split_cidrs(value: str) -> list[str]:
    return [p.strip() for p in value.replace("\n", ",").split(",") if p.strip()]


class Account(models.Model):
    """A POPCHAT@Cloud tenant; everything a portal user sees is scoped to one."""

    account_id = models.CharField(
        _("account ID"), max_length=16, unique=True, validators=[account_id_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.name}"


class GatewayQuerySet(models.QuerySet):
    def for_account(self, account: Account) -> "GatewayQuerySet":
        return self.filter(account=account)


class Gateway(models.Model):
    """A POPCHAT device. Rows appear on first sight of an ID in a log record
    (account empty = unassigned); registering sets the account, and the
    records already stored attach through this row without being copied."""

    gateway_id = models.CharField(
        _("gateway ID"), max_length=64, unique=True, validators=[gateway_id_validator]
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="gateways"
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    allowed_cidrs = models.TextField(
        _("allowed source CIDRs"),
        blank=True,
        validators=[validate_cidr_list],
        help_text=_("Comma-separated; empty accepts any source."),
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)
    registered_at = models.DateTimeField(null=True, blank=True)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        ordering = ["gateway_id"]

    def __str__(self) -> str:
        return self.gateway_id

    def source_allowed(self, peer: str | None) -> bool:
        """True when no CIDR list is set or the peer address is inside one."""
        cidrs = split_cidrs(self.allowed_cidrs)
        if not cidrs:
            return True
        if not peer:
            return False
        try:
            addr = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(addr in ipaddress.ip_network(c, strict=False) for c in cidrs)


class User(AbstractUser):
    """A portal user. `username` is the user ID typed at login; platform
    operators (superusers) may have no account."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_account_admin = models.BooleanField(_("account admin"), default=False)

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class ApiToken(models.Model):
    """A bearer token for scripts. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple["ApiToken", str]:
        """Create a token and return it with its secret (shown once)."""
        secret = "sc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=cls.hash(secret), prefix=secret[:8])
        return token, secret
