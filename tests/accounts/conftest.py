"""Helpers for login tests: a login POST with a chosen client IP and browser."""
import pyotp
import pytest
from django.urls import reverse

from tests.accounts.kit import WIN_UA


@pytest.fixture
def login_post():
    def post(client, username=None, password=None, *, otp_token=None, ip="198.51.100.7",
             ua=WIN_UA, **extra):
        data = {}
        if username is not None:
            data["username"] = username
        if password is not None:
            data["password"] = password
        if otp_token is not None:
            data["otp_token"] = otp_token
        return client.post(reverse("accounts:login"), data, REMOTE_ADDR=ip,
                           HTTP_USER_AGENT=ua, **extra)

    return post


@pytest.fixture
def totp_for():
    """Give a user a confirmed TOTP device; returns a pyotp.TOTP for it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def make(user):
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        return pyotp.TOTP(_b32(device.bin_key))

    return make


def _b32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode()


@pytest.fixture
def last_login_row():
    from audit.models import LoginHistory

    return lambda: LoginHistory.objects.order_by("-id").first()


