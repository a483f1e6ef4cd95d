from django.urls import path

from . import api, views

app_name = "provisioning"

urlpatterns = [
    path("manage/services/", views.service_list, name="service-list"),
    path("manage/services/new/", views.service_create, name="service-create"),
    path("manage/services/<int:pk>/", views.service_edit, name="service-edit"),
    path("manage/services/<int:pk>/delete/", views.service_delete, name="service-delete"),
    path("manage/services/<int:pk>/sync/", views.service_sync, name="service-sync"),
    path("history/provisioning/", views.history, name="history"),
    path("history/provisioning/csv", views.history_csv, name="history-csv"),
    path("history/provisioning/<int:pk>/", views.history_detail, name="history-detail"),
    path("history/provisioning/<int:pk>/rerun/", views.history_rerun, name="history-rerun"),
    path("api/v1/history/provisioning", api.history, name="api-history"),
]
