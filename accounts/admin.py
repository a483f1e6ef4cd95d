from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import services
from .models import Account, ApiToken, Gateway, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("account_id", "name", "created_at")
    search_fields = ("account_id", "name")


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin):
    list_display = ("gateway_id", "account", "label", "first_seen_at", "registered_at")
    list_filter = (("account", admin.EmptyFieldListFilter),)
    search_fields = ("gateway_id", "label")

    def save_model(self, request, obj, form, change):
        """Registration and label changes go through the services so the
        operation history records them."""
        if obj.account_id and (not change or "account" in form.changed_data):
            services.gateway_register(gateway_id=obj.gateway_id, account=obj.account,
                                      label=obj.label, actor=request.user)
        elif change and obj.account_id and "label" in form.changed_data:
            original = Gateway.objects.get(pk=obj.pk)
            original.allowed_cidrs = obj.allowed_cidrs
            services.gateway_update(gateway=original, label=obj.label, actor=request.user)
            if "allowed_cidrs" in form.changed_data:
                obj.save(update_fields=["allowed_cidrs"])
        else:
            super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Syslog@Cloud", {"fields": ("account", "name", "is_account_admin", "status",
                                     "no_outside_access", "notification_email",
                                     "failed_logins")}),
    )
    list_display = ("username", "name", "account", "is_account_admin", "status", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "expires_at")
    readonly_fields = ("key_hash", "prefix")
