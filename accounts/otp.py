"""TOTP enrolment with django-otp's TOTPDevice and a QR code (qrcode)."""
import base64
import math
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import operation_log

PENDING_NAME = "pending"


def otp_wait_seconds(device: TOTPDevice) -> int:
    """Seconds until django-otp's throttle lets the device check a code
    again after wrong ones (0: it may check now)."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device being enrolled (created when missing), so
    reloading the page keeps showing the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=PENDING_NAME).first()
    return device or TOTPDevice.objects.create(user=user, confirmed=False, name=PENDING_NAME)


def config_url(device: TOTPDevice) -> str:
    """otpauth:// URL for the authenticator app; TOTPDevice adds the issuer
    from settings.OTP_TOTP_ISSUER."""
    return device.config_url


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG."""
    img = qrcode.make(config_url(device), image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def secret_b32(device: TOTPDevice) -> str:
    """The secret in base32, for typing into an app by hand."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def device_confirm(*, user, device: TOTPDevice, token: str, request: HttpRequest | None) -> bool:
    """Confirm the pending device with a code; it replaces any older device.
    Writes ワンタイムパスワード再設定 (reset) or 認証情報設定 (first set-up)."""
    if not device.verify_token(token.strip()):
        return False
    had_device = has_confirmed_device(user)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.name = "default"
    device.save(update_fields=["confirmed", "name"])
    operation_log("otp_reset" if had_device else "otp_setup", account=user.account, actor=user,
                  request=request)
    return True
