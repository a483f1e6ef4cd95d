from django.urls import path

from . import api, trace_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("syslog/", views.summary, name="summary"),
    path("syslog/trend/", views.trend, name="connection-trend"),
    path("syslog/users/", views.users, name="user-distribution"),
    path("syslog/system/", views.system, name="system-log"),
    path("syslog/download/", views.download, name="download"),
    path("api/v1/stats/connections", api.connections, name="api-connections"),
    path("api/v1/stats/connection-time", api.connection_time, name="api-connection-time"),
    path("api/v1/stats/roaming", api.roaming, name="api-roaming"),
    path("api/v1/stats/connection-pivot", api.connection_pivot, name="api-connection-pivot"),
    path("api/v1/stats/distribution", api.distribution, name="api-distribution"),
    path("api/v1/stats/control", api.control, name="api-control"),
    path("api/v1/stats/system", api.system_series, name="api-system"),
    path("api/v1/downloads/<str:log_type>", api.download, name="api-download"),
    path("syslog/trace/", trace_views.trace_screen, name="trace"),
    path("syslog/trace/csv", trace_views.trace_csv, name="trace-csv"),
    path("api/v1/trace", trace_views.trace_api, name="api-trace"),
    path("manage/users/<int:pk>/trace-permission/", trace_views.trace_permission,
         name="trace-permission"),
]
