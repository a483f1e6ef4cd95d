from django.apps import AppConfig


class LoginMethodsConfig(AppConfig):
    """Passkeys (FIDO2/WebAuthn), browser restriction and the account's
    login-method policy (KDDI manual patterns 3, 4, 9-20, 24, 25, 29)."""

    name = "loginmethods"
    default_auto_field = "django.db.models.BigAutoField"
