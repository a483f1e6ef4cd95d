"""Django admin for the platform operator: the quarantine, viewable and downloadable.

The page shows a readable preview (`\\xNN` for bytes that are not UTF-8);
"original bytes" downloads exactly what arrived. The CSV is for reading in a
spreadsheet, so its cells are formula-safe (SPEC §9) and hold the preview.
"""
import csv

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from syslogcloud.csvsafe import safe_row

from .models import DeadLetter, IngestCounter, Quarantine


@admin.action(description=_("Download selected as CSV"))
def download_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quarantine.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["received_at", "peer", "transport", "log_type", "reason", "length", "raw"])
    for q in queryset.iterator():
        writer.writerow(safe_row([q.received_at.isoformat(), q.peer, q.transport, q.log_type,
                                  q.reason, q.length or len(q.data), q.raw]))
    return response


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    """Superusers only: quarantined input may come from any tenant's gateway."""

    list_display = ("received_at", "peer", "transport", "log_type", "reason")
    list_filter = ("transport", "log_type")
    search_fields = ("reason", "raw", "peer")
    date_hierarchy = "received_at"
    actions = [download_csv]
    fields = ("received_at", "peer", "transport", "log_type", "reason", "size",
              "original_bytes", "raw")
    readonly_fields = fields

    def get_urls(self):
        own = [path("<int:pk>/bytes/", self.admin_site.admin_view(self.bytes_view),
                    name="ingest_quarantine_bytes")]
        return own + super().get_urls()

    def bytes_view(self, request, pk: int):
        """The frame exactly as it arrived (as much as was kept)."""
        if not self.has_view_permission(request):
            raise Http404
        q = Quarantine.objects.filter(pk=pk).first()
        if q is None:
            raise Http404
        response = HttpResponse(bytes(q.data), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="quarantine-{q.pk}.bin"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description=_("size"))
    def size(self, obj: Quarantine) -> str:
        if obj.cut:
            return _("%(kept)s of %(length)s bytes kept") % {"kept": len(obj.data),
                                                             "length": obj.length}
        return _("%(length)s bytes") % {"length": len(obj.data)}

    @admin.display(description=_("original bytes"))
    def original_bytes(self, obj: Quarantine) -> str:
        url = reverse("admin:ingest_quarantine_bytes", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

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


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """Batches parked after unexpected errors; replayed every few minutes."""

    list_display = ("created_at", "reason", "attempts")
    readonly_fields = ("created_at", "reason", "attempts")
    exclude = ("items",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
