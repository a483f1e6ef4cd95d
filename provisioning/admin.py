"""Read-only views for the platform operator. Services are registered by the
account's admins (portal screens) or `add_scim_service`; the token column is
never listed."""
from django.contrib import admin

from audit.admin import ReadOnlyAdmin

from .models import ConnectedService, ProvisioningHistory


@admin.register(ConnectedService)
class ConnectedServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "account", "base_url", "enabled", "created_at")
    list_filter = ("enabled",)
    search_fields = ("name", "base_url", "account__account_id")
    exclude = ("token_encrypted",)


@admin.register(ProvisioningHistory)
class ProvisioningHistoryAdmin(ReadOnlyAdmin):
    date_hierarchy = "at"
    list_display = ("at", "account", "service_name", "kind", "target", "result", "detail")
    list_filter = ("result", "kind")
    search_fields = ("target", "service_name", "detail")
