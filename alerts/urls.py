from django.urls import path

from . import api, views

app_name = "alerts"

urlpatterns = [
    path("gateways/status/", views.status, name="status"),
    path("history/alerts/", views.history, name="history"),
    path("manage/alerts/", views.rule_list, name="rule-list"),
    path("manage/alerts/new/", views.rule_create, name="rule-create"),
    path("manage/alerts/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("manage/alerts/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("api/v1/gateways/status", api.gateways_status, name="api-status"),
    path("api/v1/alerts", api.alerts, name="api-alerts"),
]
