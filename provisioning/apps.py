import os

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


@checks.register(checks.Tags.security, deploy=True)
def encryption_key_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The SCIM tokens' key must not be derived from SECRET_KEY in production."""
    if getattr(settings, "FIELD_ENCRYPTION_KEY", "") or os.environ.get("FIELD_ENCRYPTION_KEY"):
        return []
    return [checks.Warning(
        "FIELD_ENCRYPTION_KEY is not set: SCIM bearer tokens are encrypted with a key "
        "derived from SECRET_KEY, and rotating SECRET_KEY makes them unreadable.",
        hint="Set FIELD_ENCRYPTION_KEY to a Fernet key (Fernet.generate_key()).",
        id="provisioning.W001",
    )]


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = _("SCIM provisioning")

    def ready(self) -> None:
        from accounts.signals import organisations_changed, user_changed
        from audit import services as audit_services

        from . import receivers
        from .models import ProvisioningHistory

        user_changed.connect(receivers.on_user_changed, dispatch_uid="provisioning-user")
        organisations_changed.connect(
            receivers.on_organisations_changed, dispatch_uid="provisioning-orgs"
        )
        # The one-year retention purge covers this history too.
        if ProvisioningHistory not in audit_services.EXTRA_PURGED_MODELS:
            audit_services.EXTRA_PURGED_MODELS.append(ProvisioningHistory)
