"""The one guard for requests the portal makes to the outside (SPEC §9):
SCIM services and alert webhooks.

A tenant admin types the URL, so without a guard the portal's workers would
call whatever the URL names: the metadata service, Redis on loopback, the
office LAN. Targets whose host resolves to a loopback, link-local, private,
reserved or multicast address are refused unless the platform operator sets
``ALLOW_PRIVATE_OUTBOUND=1``. The check runs twice: when the URL is
registered (a clear error for the form or command) and again right before
each request, because DNS can answer differently later.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class OutboundRefused(ValueError):
    """The URL may not be called; the message says why, for a person."""


def private_allowed() -> bool:
    return bool(getattr(settings, "ALLOW_PRIVATE_OUTBOUND", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        message = _("the host name %(host)s cannot be resolved") % {"host": host}
        raise OutboundRefused(message) from exc
    return sorted({info[4][0] for info in infos})


def check_url(url: str) -> None:
    """Raise OutboundRefused unless `url` is http(s) to a public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(_("the URL must start with http:// or https:// and name a host"))
    if private_allowed():
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused(_("the URL has an invalid port")) from exc
    for address in resolve(parts.hostname, port):
        if not _is_public(address):
            raise OutboundRefused(
                _(
                    "%(host)s resolves to %(address)s, a loopback, link-local or private "
                    "address; the platform operator must set ALLOW_PRIVATE_OUTBOUND=1 "
                    "to allow it"
                )
                % {"host": parts.hostname, "address": address}
            )


def request_hook(request) -> None:
    """An httpx/httpx2 ``event_hooks={"request": [request_hook]}`` entry: the
    connect-time check of every request a client sends."""
    check_url(str(request.url))


def short_error(text: str, limit: int = 200) -> str:
    """A remote error body as shown to people: one line, cut short. Templates
    escape it; never render it with |safe."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
