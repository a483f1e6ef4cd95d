"""Device certificates for the tests: issue through the portal's own code and
open the PKCS#12 with the one-time password, as a user installing it would."""
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12


class Installed(NamedTuple):
    """A device certificate as a client holds it."""

    pk: int
    p12: Path
    password: str
    cert_file: Path
    key_file: Path
    header: str  # the PEM URL-escaped, as nginx's $ssl_client_escaped_cert


def open_p12(blob: bytes, password: str, tmp: Path, label: str, pk: int = 0) -> Installed:
    key, cert, _chain = pkcs12.load_key_and_certificates(blob, password.encode())
    p12 = tmp / f"{label}.p12"
    p12.write_bytes(blob)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = tmp / f"{label}.crt", tmp / f"{label}.key"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Installed(pk=pk, p12=p12, password=password, cert_file=cert_file,
                     key_file=key_file, header=quote(cert_pem.decode(), safe=""))


def install(tmp: Path, account, name: str, user=None) -> Installed:
    from loginmethods.devices import device_issue

    issued = device_issue(account=account, name=name, user=user)
    return open_p12(issued.pkcs12, issued.password, tmp, f"{account.account_id}-{name}",
                    issued.certificate.pk)
