"""The SCIM 2.0 side: a scim2-client session for a connected service, the
portal-to-SCIM mapping, and the reading of failures into NG reasons.

A failure is either `Transient` (timeouts, refused connections, 408, 412,
429, 5xx: worth retrying, maybe after the server's Retry-After) or `Failed`
(anything else: the NG reason is final).
"""
import errno
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
from django.conf import settings
from django.utils import timezone
from scim2_client import RequestNetworkException, SCIMClientException
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Meta, PatchOp, PatchOperation, SCIMException

from syslogcloud.outbound import OutboundRefused, request_hook, short_error

from .crypto import TokenUnreadable, token_decrypt
from .models import ConnectedService

TRANSIENT_STATUSES = {408, 412, 429, 500, 502, 503, 504}


class PushError(Exception):
    """A push did not succeed; `detail` is the NG reason shown in the history."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Transient(PushError):
    """Worth retrying; `retry_after` is the server's Retry-After in seconds."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Failed(PushError):
    """Final: retrying would get the same answer."""


# What each service published at discovery (schemas, resource types, its
# configuration), kept per process for a while: a push is then one or two
# requests instead of four or five.
_discovered: dict[tuple, tuple[Any, float]] = {}


def discovery_ttl() -> float:
    return float(getattr(settings, "PROVISIONING_DISCOVERY_TTL", 300.0))


def http_timeout() -> float:
    return float(getattr(settings, "PROVISIONING_HTTP_TIMEOUT", 10.0))


@contextmanager
def session(service: ConnectedService) -> Iterator[SyncSCIMClient]:
    """A discovered scim2-client session; every SCIM failure inside the block
    leaves it as Transient or Failed."""
    try:
        token = token_decrypt(service.token_encrypted)
    except TokenUnreadable as exc:
        raise Failed("保存されたトークンを復号できません (FIELD_ENCRYPTION_KEY)") from exc
    client = httpx2.Client(
        base_url=service.base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=http_timeout(),
        # SPEC §9 again at connect time: DNS may answer differently than at
        # registration. Redirects are not followed (httpx's default).
        event_hooks={"request": [request_hook]},
    )
    try:
        key = (service.pk, service.base_url, service.updated_at)
        cached = _discovered.get(key)
        fresh = cached is not None and cached[1] > time.monotonic()
        scim = SyncSCIMClient(client, provider=cached[0]) if fresh else SyncSCIMClient(client)
        try:
            if not fresh:
                scim.discover()
                _discovered[key] = (scim.provider, time.monotonic() + discovery_ttl())
            yield scim
        except (SCIMException, SCIMClientException) as exc:
            raise classify(exc) from exc
        except OutboundRefused as exc:
            raise Failed(f"接続先が許可されていません: {exc}") from exc
    finally:
        client.close()


def classify(exc: Exception) -> PushError:
    """Read a scim2-client / scim2-models exception as Transient or Failed,
    with a reason a person can act on: status, scimType and detail."""
    response = getattr(exc, "source", None)
    status = getattr(response, "status_code", None)
    if isinstance(exc, SCIMException):
        error = getattr(exc, "error", None)
        status = int(getattr(error, "status", None) or getattr(exc, "status", 0) or status or 0)
        scim_type = getattr(error, "scim_type", None) or getattr(exc, "scim_type", "") or ""
        # The remote side wrote `detail`: cut short (templates escape it).
        detail = short_error(getattr(error, "detail", None) or str(exc))
        text = " ".join(p for p in (str(status or ""), scim_type) if p) + f": {detail}"
    elif isinstance(exc, RequestNetworkException):
        cause = exc.__cause__
        if isinstance(cause, httpx2.TimeoutException):
            return Transient(f"タイムアウトしました ({http_timeout():g}秒)")
        return Transient(f"接続できませんでした: {network_reason(cause or exc)}")
    else:
        text = short_error(f"{status}: {exc}" if status else str(exc))
    if status in TRANSIENT_STATUSES:
        return Transient(text, retry_after=_retry_after(response))
    return Failed(text)


# errno of a failed connect -> what a person reads in the history.
NETWORK_REASONS = {
    errno.ECONNREFUSED: "接続が拒否されました (連携先のサーバが待ち受けていません)",
    errno.EHOSTUNREACH: "連携先のホストに到達できません",
    errno.ENETUNREACH: "連携先のネットワークに到達できません",
    errno.ECONNRESET: "連携先が接続を切断しました",
}


def network_reason(exc: BaseException) -> str:
    """A connect failure in words (not `[Errno 111] Connection refused`)."""
    seen = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in NETWORK_REASONS:
            return NETWORK_REASONS[seen.errno]
        if isinstance(seen, socket.gaierror):
            return "連携先のホスト名を解決できません"
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    for number, words in NETWORK_REASONS.items():
        if f"[Errno {number}]" in text:
            return words
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "連携先のホスト名を解決できません"
    return short_error(text)


def _retry_after(response: Any) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    value = (getattr(response, "headers", None) or {}).get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def user_fields(user: Any) -> dict[str, Any]:
    """The SCIM User attributes of a portal user (RFC 7643 §4.1)."""
    name = user.name or user.get_full_name() or user.username
    fields: dict[str, Any] = {
        "user_name": user.username,
        "external_id": str(user.pk),
        "display_name": name,
        "name": {"formatted": name},
        # A suspended user (一時停止) keeps the account but cannot sign in.
        "active": bool(user.is_active) and getattr(user, "status", "active") != "suspended",
        "emails": [{"value": user.email, "primary": True, "type": "work"}] if user.email else None,
    }
    return fields


def group_fields(org: Any, members: list[dict[str, str]]) -> dict[str, Any]:
    """The SCIM Group attributes of an organisation (RFC 7643 §4.2)."""
    return {"display_name": org.name, "external_id": str(org.pk), "members": members or None}


def upsert(
    scim: SyncSCIMClient, model: type, remote_id: str, fields: dict[str, Any]
) -> tuple[str, str]:
    """Update the remote resource `remote_id` to `fields` (PATCH when the
    service supports it, else PUT; conditional on its ETag when offered), or
    create it when it is gone. Returns (id, version)."""
    try:
        current = scim.query(model, remote_id)
    except SCIMException as exc:
        if getattr(exc, "status", None) != 404:
            raise
        return create(scim, model, fields)
    config = scim.provider.config
    if config and config.patch and config.patch.supported:
        ops = [
            PatchOperation[model](op="replace", path=_attr(model, key), value=_dump(value))
            for key, value in fields.items() if value is not None
        ]
        ops += [
            PatchOperation[model](op="remove", path=_attr(model, key))
            for key, value in fields.items() if value is None and getattr(current, key, None)
        ]
        result = scim.modify(current, PatchOp[model](operations=ops))
        if result is None:  # 204: read the new version back
            result = scim.query(model, remote_id)
    else:
        version = current.meta.version if current.meta else None
        result = scim.replace(model(id=remote_id, meta=Meta(version=version), **fields))
    return result.id, (result.meta.version or "") if result.meta else ""


def create(scim: SyncSCIMClient, model: type, fields: dict[str, Any]) -> tuple[str, str]:
    """POST a new resource; returns (id, version). A 409 for a resource that
    carries our externalId is our own earlier POST whose answer was lost (a
    timeout): it is adopted and updated. Any other 409 is a real conflict."""
    try:
        result = scim.create(model(**{k: v for k, v in fields.items() if v is not None}))
    except SCIMException as exc:
        if getattr(exc, "status", None) != 409 or not fields.get("external_id"):
            raise
        remote_id = find_by_external_id(scim, model, fields["external_id"])
        if remote_id is None:
            raise
        return upsert(scim, model, remote_id, fields)
    return result.id, (result.meta.version or "") if result.meta else ""


def delete(scim: SyncSCIMClient, model: type, remote_id: str) -> None:
    """DELETE a remote resource; one that is already gone counts as deleted."""
    try:
        scim.delete(model, remote_id)
    except SCIMException as exc:
        if getattr(exc, "status", None) != 404:
            raise


def find_by_external_id(scim: SyncSCIMClient, model: type, external_id: str) -> str | None:
    """The id of the remote resource with this externalId, if any."""
    found = scim.query(model, query_parameters={"filter": f'externalId eq "{external_id}"'})
    resources = getattr(found, "resources", None) or []
    return resources[0].id if resources else None


def _attr(model: type, key: str) -> str:
    """The SCIM attribute name of a model field (user_name -> userName)."""
    field = model.model_fields[key]
    return field.serialization_alias or field.alias or key


def _dump(value: Any) -> Any:
    return value
