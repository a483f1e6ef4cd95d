"""Read-only views of the histories for the platform operator: the history is
append-only, so the admin offers no add, change or delete."""
from django.contrib import admin

from .models import LoginHistory, OperationHistory


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete: for append-only history and for rows that
    only their own screens may write."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin):
    date_hierarchy = "at"
    search_fields = ("username", "name", "detail")


@admin.register(LoginHistory)
class LoginHistoryAdmin(ReadOnlyHistoryAdmin):
    list_display = ("at", "account", "username", "name", "result", "detail")
    list_filter = ("result",)


@admin.register(OperationHistory)
class OperationHistoryAdmin(ReadOnlyHistoryAdmin):
    list_display = ("at", "account", "kind", "username", "name", "detail")
    list_filter = ("kind",)
