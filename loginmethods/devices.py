"""Device authentication (デバイス認証): a client certificate installed on
the device, as KDDI Business ID does it.

Each account has its own CA (created on the first issue). Admins issue a
certificate per device, handed out once as a PKCS#12 file under a one-time
password; the device's private key is not kept. TLS ends at the reverse
proxy, which asks for an optional client certificate without checking it
(nginx `ssl_verify_client optional_no_ca`) and forwards the PEM, URL-escaped,
in a header. The portal reads that header only from a peer listed in
DEVICE_CERT_TRUSTED_PROXIES and checks the certificate itself: issued by this
account's CA, a certificate it issued (serial and fingerprint), within its
validity, not revoked, and bound to this user or to any user of the account.
"""
import ipaddress
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.services import operation_log
from provisioning.crypto import token_decrypt, token_encrypt

from .models import DeviceAuthority, DeviceCertificate
from .policy import login_policy_get

CA_YEARS = 20
CERT_DAYS = 825  # the longest validity Apple platforms accept for a leaf
KEY_BITS = 2048  # RSA: every OS and browser can present it
# The PKCS#12 password is typed on the device: no 0/O, 1/l/I look-alikes.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 16


# --- The account's CA ------------------------------------------------------------
def _name(common_name: str, account_id: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Syslog@Cloud"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, account_id),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@transaction.atomic
def authority_for(account) -> DeviceAuthority:
    """The account's device CA, made on first use (row lock: one per account)."""
    from accounts.models import Account

    Account.objects.select_for_update().filter(pk=account.pk).first()
    existing = DeviceAuthority.objects.filter(account=account).first()
    if existing:
        return existing
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    now = timezone.now()
    name = _name(f"Device CA {account.account_id}", account.account_id)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return DeviceAuthority.objects.create(
        account=account, certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_encrypted=token_encrypt(key_pem))


def _ca_certificate(authority: DeviceAuthority) -> x509.Certificate:
    return x509.load_pem_x509_certificate(authority.certificate_pem.encode())


# --- Issue and revoke ---------------------------------------------------------------
class IssuedDevice(NamedTuple):
    """The new row, the PKCS#12 bytes and the password that opens them (shown once)."""

    certificate: DeviceCertificate
    pkcs12: bytes
    password: str


def fingerprint_of(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


@transaction.atomic
def device_issue(*, account, name: str, user=None, actor=None,
                 request: HttpRequest | None = None) -> IssuedDevice:
    """Sign a new device certificate with the account's CA and pack it with
    its fresh key and the CA certificate into a password-protected PKCS#12."""
    authority = authority_for(account)
    ca_cert = _ca_certificate(authority)
    ca_key = serialization.load_pem_private_key(
        token_decrypt(authority.key_encrypted).encode(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    now = timezone.now()
    expires = now + timedelta(days=CERT_DAYS)
    subject = _name(name, account.account_id)
    if user is not None:
        subject = x509.Name([*subject, x509.NameAttribute(NameOID.USER_ID, user.username)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(expires)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    row = DeviceCertificate.objects.create(
        account=account, name=name, user=user, serial=format(cert.serial_number, "x"),
        fingerprint=fingerprint_of(cert), issued_at=now, expires_at=expires)
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
    # AES-256 + PBKDF2 (OpenSSL 3, current Windows, macOS, iOS and Android).
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder()
                  .kdf_rounds(50000)
                  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                  .hmac_hash(hashes.SHA256()).build(password.encode()))
    blob = pkcs12.serialize_key_and_certificates(name.encode(), key, cert, [ca_cert],
                                                 encryption)
    operation_log("device_cert_issue", account=account, actor=actor, request=request,
                  name=name)
    return IssuedDevice(certificate=row, pkcs12=blob, password=password)


def device_list(*, account):
    return DeviceCertificate.objects.filter(account=account).select_related("user")


def device_get(*, account, pk: int) -> DeviceCertificate | None:
    """One of the account's certificates; another account's looks unknown."""
    return device_list(account=account).filter(pk=pk).first()


@transaction.atomic
def device_revoke(*, certificate: DeviceCertificate, actor=None,
                  request: HttpRequest | None = None) -> bool:
    """Revoke for good; False (and no history row) when it already was."""
    if certificate.revoked_at is not None:
        return False
    certificate.revoked_at = timezone.now()
    certificate.save(update_fields=["revoked_at"])
    operation_log("device_cert_revoke", account=certificate.account, actor=actor,
                  request=request, name=certificate.name)
    return True


# --- The login check ------------------------------------------------------------------
def _trusted_peer(request: HttpRequest) -> bool:
    """The direct peer (REMOTE_ADDR, not the forwarded client address) is one
    of our TLS proxies; anyone else could write the header themselves."""
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(cidr, strict=False)
               for cidr in settings.DEVICE_CERT_TRUSTED_PROXIES)


def presented_certificate(request: HttpRequest) -> x509.Certificate | None:
    """The client certificate the trusted proxy forwarded, or None."""
    if not _trusted_peer(request):
        return None
    value = request.META.get(settings.DEVICE_CERT_HEADER, "").strip()
    if not value:
        return None
    try:
        return x509.load_pem_x509_certificate(unquote(value).encode())
    except ValueError:
        return None


def _signed_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    if cert.issuer != ca_cert.subject:
        return False
    try:
        ca_cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                    padding.PKCS1v15(), cert.signature_hash_algorithm)
    except (InvalidSignature, UnsupportedAlgorithm, TypeError, ValueError):
        return False
    return True


def certificate_match(*, cert: x509.Certificate | None, user,
                      now: datetime | None = None) -> DeviceCertificate | None:
    """The user's account's certificate row that `cert` is, when it passes
    every check; None otherwise."""
    if cert is None or user.account_id is None:
        return None
    authority = DeviceAuthority.objects.filter(account_id=user.account_id).first()
    if authority is None or not _signed_by(cert, _ca_certificate(authority)):
        return None
    row = DeviceCertificate.objects.filter(account_id=user.account_id,
                                           serial=format(cert.serial_number, "x"),
                                           fingerprint=fingerprint_of(cert)).first()
    now = now or timezone.now()
    if (row is None or row.revoked_at is not None
            or not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
            or (row.user_id is not None and row.user_id != user.pk)):
        return None
    return row


class DeviceVerdict(NamedTuple):
    """`required`: the account asks for device authentication; `passed`: a
    valid certificate of this account for this user was presented."""

    required: bool
    passed: bool


def device_gate(*, request: HttpRequest, user) -> DeviceVerdict:
    """Decide the device factor of a login whose other factors passed; a
    certificate that passes is stamped as used."""
    if user.account_id is None or not login_policy_get(account=user.account).device_auth:
        return DeviceVerdict(required=False, passed=True)
    row = certificate_match(cert=presented_certificate(request), user=user)
    if row is None:
        return DeviceVerdict(required=True, passed=False)
    DeviceCertificate.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return DeviceVerdict(required=True, passed=True)
