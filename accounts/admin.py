from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Syslog@Cloud", {"fields": ("account", "name", "is_account_admin")}),
    )
    list_display = ("username", "name", "account", "is_account_admin", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "prefix")
