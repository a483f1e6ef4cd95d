"""Django admin for the platform operator: the quarantine, viewable and downloadable."""
import csv

from django.contrib import admin
from django.http import HttpResponse

from .models import IngestCounter, Quarantine


@admin.action(description="Download selected as CSV")
def download_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quarantine.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["received_at", "peer", "transport", "log_type", "reason", "raw"])
    for q in queryset.iterator():
        writer.writerow(
            [q.received_at.isoformat(), q.peer, q.transport, q.log_type, q.reason, q.raw]
        )
    return response


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    """Superusers only: quarantined input may come from any tenant's gateway."""

    list_display = ("received_at", "peer", "transport", "log_type", "reason")
    list_filter = ("transport", "log_type")
    search_fields = ("reason", "raw", "peer")
    date_hierarchy = "received_at"
    actions = [download_csv]
    readonly_fields = [f.name for f in Quarantine._meta.fields if f.name != "id"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IngestCounter)
class IngestCounterAdmin(admin.ModelAdmin):
    list_display = ("name", "value")

    def has_module_permission(self, request):
        return request.user.is_superuser
