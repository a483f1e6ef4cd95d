"""Granting the lookup permission, and the operation-history rows of
lookups (SPEC §7). A lookup of a person's traffic must itself be traceable,
so every lookup (screen, CSV or API) writes one row of kind 端末照会. Who may
look up is `accounts.access.can_trace`, with the other access rules.
"""
from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from audit.services import operation_log

from .periods import JST


@transaction.atomic
def trace_permission_set(*, user: User, permitted: bool, actor: User,
                         request: HttpRequest | None = None) -> bool:
    """Grant or remove the lookup permission; a change (only a change) is
    an operation-history row. Returns whether anything changed."""
    if user.trace_permitted == permitted:
        return False
    user.trace_permitted = permitted
    user.save(update_fields=["trace_permitted"])
    operation_log("trace_grant" if permitted else "trace_revoke", account=user.account,
                  actor=actor, request=request, user_id=user.username)
    return True


def trace_audit_ip(*, request: HttpRequest, ip: str, at: datetime) -> None:
    """IPアドレス「10.0.0.5」(2024/05/03 14:03:00)を照会しました。"""
    operation_log("trace_ip", account=request.account, actor=request.user, request=request,
                  ip=ip, at=at.astimezone(JST).strftime("%Y/%m/%d %H:%M:%S"))


def trace_audit_mac(*, request: HttpRequest, mac: str, day_from: date, day_to: date) -> None:
    """MACアドレス「AA:BB:CC:DD:EE:FF」(2024/05/01〜2024/05/31)を照会しました。"""
    operation_log("trace_mac", account=request.account, actor=request.user, request=request,
                  mac=mac.upper(), date_from=f"{day_from:%Y/%m/%d}",
                  date_to=f"{day_to:%Y/%m/%d}")
