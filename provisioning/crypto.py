"""Encryption of the connected services' bearer tokens (Fernet).

The key comes from FIELD_ENCRYPTION_KEY: one Fernet key, or several separated
by commas to rotate (the first encrypts, all decrypt). Without it, a key is
derived from SECRET_KEY. That fallback is for development only: rotating
SECRET_KEY would then make the stored tokens unreadable, so production sets
FIELD_ENCRYPTION_KEY (generate one with `Fernet.generate_key()`).
"""
import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TokenUnreadable(Exception):
    """The stored token cannot be decrypted with the configured keys."""


def _keys() -> list[bytes]:
    configured = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or os.environ.get(
        "FIELD_ENCRYPTION_KEY", ""
    )
    keys = [k.strip().encode() for k in configured.split(",") if k.strip()]
    if keys:
        return keys
    # Development fallback (see the module docstring).
    digest = hashlib.sha256(b"syslogcloud.provisioning.token:" + settings.SECRET_KEY.encode())
    return [base64.urlsafe_b64encode(digest.digest())]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _keys()])


def token_encrypt(secret: str) -> str:
    """Ciphertext (ASCII) of a bearer token."""
    return _fernet().encrypt(secret.encode()).decode()


def token_decrypt(ciphertext: str) -> str:
    """The bearer token; raises TokenUnreadable when the key does not fit."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise TokenUnreadable("the stored token cannot be decrypted") from exc
