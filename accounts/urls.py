from django.urls import path
from django.views.decorators.cache import never_cache

from loginmethods import credential_setup

from .views import auth, me, orgs, security, tokens, users

app_name = "accounts"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("me/", me.my_settings, name="me"),
    # no-store: the page shows the TOTP secret (SPEC §9).
    path("me/otp/", never_cache(auth.otp_setup), name="otp-setup"),
    path("me/tokens/", tokens.my_tokens, name="my-tokens"),
    # The mail's link page also enrols a one-time password and a passkey (loginmethods).
    path("password/set/<uidb64>/<token>/", credential_setup.credential_setup,
         name="password-reset-confirm"),
    path("manage/users/", users.user_list, name="user-list"),
    path("manage/users/add/", users.user_add, name="user-add"),
    path("manage/users/bulk/", users.user_bulk, name="user-bulk"),
    path("manage/users/bulk-delete/", users.user_bulk_delete, name="user-bulk-delete"),
    path("manage/users/<int:pk>/", users.user_detail, name="user-detail"),
    path("manage/users/<int:pk>/delete/", users.user_delete, name="user-delete"),
    path("manage/users/<int:pk>/tokens/", tokens.user_tokens, name="user-tokens"),
    path("manage/organisations/", orgs.organisation_list, name="organisation-list"),
    path("manage/organisations/reorder/", orgs.organisation_reorder,
         name="organisation-reorder"),
    path("manage/organisations/bulk/", orgs.organisation_bulk, name="organisation-bulk"),
    path("manage/organisations/<int:pk>/", orgs.organisation_detail,
         name="organisation-detail"),
    path("manage/security/", security.security_settings, name="security"),
    path("manage/security/conditions/<int:pk>/delete/", security.login_condition_delete,
         name="login-condition-delete"),
]
