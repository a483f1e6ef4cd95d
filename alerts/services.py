"""Writes of alert rules. Every change is an operation-history row (kinds
`alert_rule_add`, `alert_rule_update`, `alert_rule_delete`)."""
from __future__ import annotations

import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Account, Gateway
from audit.services import operation_record
from provisioning.crypto import token_encrypt

from . import texts
from .models import AlertEvent, AlertRule

DETAILS = {
    "alert_rule_add": "アラートルール「{rule}」を登録しました。",
    "alert_rule_update": "アラートルール「{rule}」を変更しました。",
    "alert_rule_delete": "アラートルール「{rule}」を削除しました。",
}


def _audit(kind: str, *, rule: AlertRule, actor, request: HttpRequest | None) -> None:
    detail = DETAILS[kind].format(rule=f"#{rule.pk} {texts.rule_text(rule)}")
    operation_record(account=rule.account, actor=actor, kind=kind, detail=detail,
                     request=request)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def rule_create(*, account: Account, actor=None, request: HttpRequest | None = None,
                kind: str, minutes: int, gateway: Gateway | None = None,
                control_kind: str = "", threshold: int = 0, alert_never_seen: bool = False,
                emails: list[str] = (), webhooks: list[str] = (), webhook_secret: str = "",
                language: str = "ja", enabled: bool = True) -> tuple[AlertRule, str]:
    """Create a rule; returns it and its webhook secret in clear (shown once)."""
    if gateway is not None and gateway.account_id != account.pk:
        raise ValueError("the gateway belongs to another account")
    secret = webhook_secret or new_secret()
    with transaction.atomic():
        rule = AlertRule.objects.create(
            account=account, kind=kind, minutes=minutes, gateway=gateway,
            control_kind=control_kind, threshold=threshold, alert_never_seen=alert_never_seen,
            emails=list(emails), webhooks=list(webhooks), webhook_secret=token_encrypt(secret),
            language=language, enabled=enabled)
        _audit("alert_rule_add", rule=rule, actor=actor, request=request)
    return rule, secret


def rule_update(*, rule: AlertRule, actor=None, request: HttpRequest | None = None,
                webhook_secret: str = "", **fields) -> str:
    """Change a rule. A changed webhook URL list never inherits the old
    secret (SPEC §9): a new one is set, typed or generated. Returns the new
    secret in clear, or "" when the secret did not change."""
    old_webhooks = list(rule.webhooks)
    for name, value in fields.items():
        setattr(rule, name, list(value) if name in ("emails", "webhooks") else value)
    secret = webhook_secret
    if not secret and rule.webhooks and sorted(rule.webhooks) != sorted(old_webhooks):
        secret = new_secret()
    if secret:
        rule.webhook_secret = token_encrypt(secret)
    with transaction.atomic():
        rule.save()
        if not rule.enabled:  # nobody watches a disabled rule: close its alerts quietly
            AlertEvent.objects.filter(rule=rule, resolved_at__isnull=True).update(
                resolved_at=timezone.now())
        _audit("alert_rule_update", rule=rule, actor=actor, request=request)
    return secret


def rule_delete(*, rule: AlertRule, actor=None, request: HttpRequest | None = None) -> None:
    """Delete a rule; its events stay in the history, open ones are closed
    without a notice (nobody watches that condition any more)."""
    with transaction.atomic():
        _audit("alert_rule_delete", rule=rule, actor=actor, request=request)
        AlertEvent.objects.filter(rule=rule, resolved_at__isnull=True).update(
            resolved_at=timezone.now())
        rule.delete()
