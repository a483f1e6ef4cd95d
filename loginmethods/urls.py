from django.urls import path

from . import credential_setup, password_mail, views

app_name = "loginmethods"

urlpatterns = [
    path("login/passkey/begin/", views.passkey_login_begin, name="passkey-login-begin"),
    path("login/passkey/complete/", views.passkey_login_complete,
         name="passkey-login-complete"),
    path("me/passkeys/", views.my_passkeys, name="my-passkeys"),
    path("me/passkeys/register/begin/", views.passkey_register_begin,
         name="passkey-register-begin"),
    path("me/passkeys/register/complete/", views.passkey_register_complete,
         name="passkey-register-complete"),
    path("manage/security/login-methods/", views.login_methods, name="login-methods"),
    path("manage/browsers/", views.browser_applications, name="browser-applications"),
    path("manage/devices/", views.device_certificates, name="devices"),
    path("manage/devices/<int:pk>/download/", views.device_download, name="device-download"),
    path("password/forgot/", password_mail.password_forgot, name="password-forgot"),
    path("password/set/<uidb64>/<token>/passkey/begin/",
         credential_setup.credential_setup_passkey_begin, name="setup-passkey-begin"),
    path("password/set/<uidb64>/<token>/passkey/complete/",
         credential_setup.credential_setup_passkey_complete, name="setup-passkey-complete"),
]
