"""An account's login-method policy, what the portal knows about each passkey
beyond django-otp-webauthn's credential, the browsers users applied with, and
the device certificates (デバイス認証) the account's own CA issued."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FidoMode(models.TextChoices):
    """§3.2.23 FIDO 設定: how passkeys combine with ID/password."""

    OFF = "off", _("Off (ID/password only)")
    SECOND_FACTOR = "second_factor", _("ID/password, then a passkey")
    EITHER = "either", _("ID/password or a passkey")
    ONLY = "only", _("A passkey only")


class LoginMethodPolicy(models.Model):
    """One row per account, created with defaults on first use. Kept apart
    from accounts.SecurityPolicy so this app owns its own migrations."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE,
                                   related_name="login_methods")
    fido = models.CharField(_("FIDO setting"), max_length=16, choices=FidoMode.choices,
                            default=FidoMode.OFF)
    browser_restriction = models.BooleanField(_("browser restriction"), default=False)
    browser_limit = models.PositiveSmallIntegerField(
        _("browsers per user"), default=3,
        help_text=_("How many browsers one user may have applied for or approved."))
    device_auth = models.BooleanField(_("device authentication"), default=False)

    def __str__(self) -> str:
        return f"login methods of {self.account_id}"


class Attachment(models.TextChoices):
    """WebAuthn authenticatorAttachment, worded as the manual's §3.2.10."""

    PLATFORM = "platform", _("Built into the device")
    CROSS_PLATFORM = "cross-platform", _("Security key")


class PasskeyInfo(models.Model):
    """The authenticator attachment the browser reported at registration
    (django-otp-webauthn does not keep it); decides 端末内蔵 vs セキュリティキー."""

    credential = models.OneToOneField("django_otp_webauthn.WebAuthnCredential",
                                      on_delete=models.CASCADE, related_name="portal_info")
    attachment = models.CharField(max_length=16, choices=Attachment.choices,
                                  default=Attachment.CROSS_PLATFORM)

    def __str__(self) -> str:
        return f"{self.credential_id} {self.attachment}"


class BrowserStatus(models.TextChoices):
    PENDING = "pending", _("Applied")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Browser(models.Model):
    """A browser a user signed in from, known by the random key in its signed
    cookie (see loginmethods.browsers); `summary` is what the admin sees."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="browsers")
    key = models.CharField(max_length=64)
    summary = models.CharField(_("browser"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=BrowserStatus.choices,
                              default=BrowserStatus.PENDING)
    applied_at = models.DateTimeField(_("applied at"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-applied_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="browser_key_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.summary}"


class DeviceAuthority(models.Model):
    """The account's own certificate authority for device certificates,
    created on the first issue. The private key is stored encrypted with
    FIELD_ENCRYPTION_KEY (provisioning.crypto)."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE,
                                   related_name="device_authority")
    certificate_pem = models.TextField()
    key_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"device CA of {self.account_id}"


class DeviceCertificate(models.Model):
    """One issued device certificate. The device's private key left the
    portal inside the PKCS#12 file and is not kept; `fingerprint` (SHA-256 of
    the DER) is what a presented certificate must match exactly."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE,
                                related_name="device_certificates")
    name = models.CharField(_("device name"), max_length=64)
    # Bound to one user, or (None) usable by any user of the account. A
    # deleted user takes their certificates along rather than widening them.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             null=True, blank=True, related_name="device_certificates")
    serial = models.CharField(_("serial number"), max_length=40)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "serial"],
                                               name="device_serial_per_account")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.name} {self.serial}"
