"""Top-level URLs: each app owns its own module."""
from django.contrib import admin
from django.urls import include, path

from accounts.views.auth import admin_login

urlpatterns = [
    path("admin/login/", admin_login),  # the admin signs in through the portal login
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("loginmethods.urls")),
    path("", include("portal.urls")),
    path("", include("audit.urls")),
    path("", include("provisioning.urls")),
    path("", include("ingest.urls")),
    path("", include("alerts.urls")),
]
