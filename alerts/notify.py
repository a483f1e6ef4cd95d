"""Sending one queued notice: an e-mail through EMAIL_URL's SMTP server or a
signed webhook POST, and recording how it went on the delivery row."""
from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from audit.search import iso_jst
from provisioning.crypto import TokenUnreadable, token_decrypt
from syslogcloud.outbound import OutboundRefused, check_url, request_hook, short_error

from . import texts
from .models import AlertDelivery, AlertEvent, Channel, DeliveryStatus

SIGNATURE_HEADER = "X-Syslogcloud-Signature"


def delivery_send(*, delivery_id: int) -> AlertDelivery | None:
    """Send one pending delivery (a sent one is never sent again)."""
    delivery = (AlertDelivery.objects.select_related("event__gateway", "event__rule",
                                                     "event__account")
                .filter(pk=delivery_id, status=DeliveryStatus.PENDING).first())
    if delivery is None:
        return None
    if delivery.channel == Channel.EMAIL:
        ok, attempts, result = _send_email(delivery)
    else:
        ok, attempts, result = _send_webhook(delivery)
    delivery.status = DeliveryStatus.OK if ok else DeliveryStatus.FAILED
    delivery.attempts = attempts
    delivery.result = short_error(result, 300)
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "result", "finished_at"])
    return delivery


def _lang(event: AlertEvent) -> str:
    return event.rule.language if event.rule else "ja"


def _send_email(delivery: AlertDelivery) -> tuple[bool, int, str]:
    event, lang = delivery.event, _lang(delivery.event)
    message = EmailMessage(
        subject=texts.notice_subject(event, delivery.phase, lang),
        body=texts.notice_body(event, delivery.phase, lang),
        to=[delivery.target],
        connection=get_connection(timeout=settings.ALERTS_SMTP_TIMEOUT),
    )
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any SMTP or socket failure is a result to record
        return False, 1, f"{type(exc).__name__}: {exc}"
    return True, 1, "sent"


def webhook_payload(event: AlertEvent, phase: str) -> dict:
    """The JSON body of a webhook notice (documented in the README)."""
    gw = event.gateway
    return {
        "event": phase,
        "event_id": event.pk,
        "account": event.account.account_id,
        "gateway": gw.gateway_id,
        "label": gw.label,
        "rule": {"id": event.rule_id, "kind": event.rule.kind if event.rule else None,
                 "text": event.rule_text},
        "detail": event.detail,
        "last_seen": iso_jst(event.last_seen) if event.last_seen else None,
        "opened_at": iso_jst(event.opened_at),
        "resolved_at": iso_jst(event.resolved_at) if event.resolved_at else None,
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_webhook(delivery: AlertDelivery) -> tuple[bool, int, str]:
    """POST with retries and exponential back-off on 5xx, timeouts and
    connection errors; a 4xx or a refused target is final."""
    event = delivery.event
    try:
        check_url(delivery.target)
        secret = token_decrypt(event.rule.webhook_secret) if event.rule else ""
    except (OutboundRefused, TokenUnreadable) as exc:
        return False, 0, str(exc)
    body = json.dumps(webhook_payload(event, delivery.phase), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body),
               "User-Agent": "syslogcloud-alerts"}
    tries = settings.ALERTS_WEBHOOK_TRIES
    result = ""
    with httpx.Client(timeout=settings.ALERTS_WEBHOOK_TIMEOUT,
                      event_hooks={"request": [request_hook]}) as client:
        for attempt in range(1, tries + 1):
            try:
                response = client.post(delivery.target, content=body, headers=headers)
            except OutboundRefused as exc:
                return False, attempt, str(exc)
            except httpx.HTTPError as exc:
                result = f"{type(exc).__name__}: {exc}"
            else:
                result = f"HTTP {response.status_code} {response.text}"
                if response.status_code < 300:
                    return True, attempt, f"HTTP {response.status_code}"
                if response.status_code < 500:
                    return False, attempt, result
            if attempt < tries:
                time.sleep(settings.ALERTS_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return False, tries, result
