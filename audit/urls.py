from django.urls import path

from . import api, views

app_name = "audit"

urlpatterns = [
    path("history/login/", views.login_history, name="login-history"),
    path("history/login/csv", views.login_history_csv, name="login-history-csv"),
    path("history/login/mine/", views.login_history, {"own": True}, name="my-login-history"),
    path("history/login/mine/csv", views.login_history_csv, {"own": True},
         name="my-login-history-csv"),
    path("history/operation/", views.operation_history, name="operation-history"),
    path("history/operation/csv", views.operation_history_csv, name="operation-history-csv"),
    path("api/v1/history/login", api.login_history, name="api-login"),
    path("api/v1/history/operation", api.operation_history, name="api-operation"),
]
