"""Tenants (accounts), their gateways, portal users and API tokens."""
import hashlib
import ipaddress
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logformats.fields import GATEWAY_ID_PATTERN

account_id_validator = RegexValidator(
    r"^[A-Z][0-9A-Z]{3,15}$", _("An account ID looks like A00700123.")
)
# SPEC §9: gateway IDs end up in file names and headers, so registration
# accepts what the record parsers accept (logformats.fields, the one rule).
gateway_id_validator = RegexValidator(
    rf"^{GATEWAY_ID_PATTERN}\Z",
    _("A gateway ID is 1 to 64 letters, digits, dots, underscores or hyphens."),
)


def gateway_id_valid(text: str) -> bool:
    """True for an acceptable gateway ID (ingest quarantines records with
    any other ID instead of creating a gateway row for it)."""
    return re.fullmatch(GATEWAY_ID_PATTERN, text or "") is not None


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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["account_id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

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
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="gateways",
        verbose_name=_("account"),
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    allowed_cidrs = models.TextField(
        _("allowed source CIDRs"),
        blank=True,
        validators=[validate_cidr_list],
        help_text=_("Comma-separated; empty accepts any source."),
    )
    first_seen_at = models.DateTimeField(_("first seen at"), auto_now_add=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        ordering = ["gateway_id"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

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


class UserStatus(models.TextChoices):
    """Login status (KDDI manual ch. 2: 一時停止 and アカウントロック refuse logins)."""

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LOCKED = "locked", _("Locked")


class User(AbstractUser):
    """A portal user. `username` is the user ID typed at login; platform
    operators (superusers) may have no account."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_account_admin = models.BooleanField(_("account admin"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=UserStatus.choices, default=UserStatus.ACTIVE
    )
    no_outside_access = models.BooleanField(
        _("no access from outside"),
        default=False,
        help_text=_("Refuse logins from outside the account's in-house IP ranges."),
    )
    notification_email = models.EmailField(_("notification e-mail"), blank=True)
    failed_logins = models.PositiveIntegerField(_("consecutive password failures"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    trace_permitted = models.BooleanField(
        _("may look up terminals"), default=False,
        help_text=_("Lets the user look up terminals without being an account admin."),
    )

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class ApiToken(models.Model):
    """A bearer token for scripts. Only a SHA-256 of the secret is stored. It
    expires (default `API_TOKEN_DAYS`), and the rules of `accounts.access`
    apply to every call made with it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("token name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def label(self) -> str:
        """The name, or the secret's first characters when it has none."""
        return self.name or f"{self.prefix}…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, name: str = "", days: int | None = None
              ) -> tuple["ApiToken", str]:
        """Create a token and return it with its secret (shown once). Use
        `accounts.tokens.token_create` to also write the operation history."""
        days = settings.API_TOKEN_DAYS if days is None else days
        secret = "sc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=cls.hash(secret), prefix=secret[:8],
            expires_at=timezone.now() + timedelta(days=days),
        )
        return token, secret


class Organisation(models.Model):
    """A group of an account's users (KDDI 組織管理); `position` orders the list."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(_("organisation name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    members = models.ManyToManyField(User, related_name="organisations", blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"], name="organisation_name_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SecurityPolicy(models.Model):
    """An account's security settings: in-house IP ranges (社内 IP アドレス設定),
    password strength (パスワード強度設定), lockout threshold and the
    representative admin (代表管理者). One row per account, created on demand."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="policy")
    inhouse_cidrs = models.TextField(
        _("in-house IP ranges"),
        blank=True,
        validators=[validate_cidr_list],
        help_text=_("CIDR ranges, one per line or comma-separated."),
    )
    password_min_length = models.PositiveIntegerField(_("minimum length"), default=8)
    require_upper = models.BooleanField(_("require an upper-case letter"), default=False)
    require_lower = models.BooleanField(_("require a lower-case letter"), default=False)
    require_digit = models.BooleanField(_("require a digit"), default=False)
    require_symbol = models.BooleanField(_("require a symbol"), default=False)
    lockout_threshold = models.PositiveIntegerField(
        _("lock after this many consecutive password failures"), null=True, blank=True,
        help_text=_("Empty uses the site default."),
    )
    representative = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("representative admin"),
    )

    def __str__(self) -> str:
        return f"policy of {self.account_id}"


class LoginCondition(models.Model):
    """A named login rule of an account (ログイン条件): it can require a one-time
    password and/or restrict logins to IP ranges. Every rule applies to every
    user of the account; an admin-only rule applies to admins only."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="login_conditions")
    name = models.CharField(_("condition name"), max_length=100)
    require_otp = models.BooleanField(_("require a one-time password"), default=False)
    allowed_cidrs = models.TextField(
        _("allowed IP ranges"), blank=True, validators=[validate_cidr_list],
        help_text=_("Empty allows any address."),
    )
    admins_only = models.BooleanField(_("applies to admins only"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"], name="login_condition_name_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.name


def ip_in_cidrs(ip: str | None, cidrs: list[str]) -> bool:
    """True when `ip` is inside one of the CIDR ranges."""
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(c, strict=False) for c in cidrs)
