"""One evaluation of every enabled rule: open events for gateways whose
condition holds, resolve those whose condition cleared, and queue one notice
per channel for each change. Nothing else is sent, so running this every
minute (or twice at once) never repeats a notice."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import Gateway
from ingest.models import ControlLog

from . import texts
from .health import arrivals_fold, buckets_prune
from .models import AlertDelivery, AlertEvent, AlertRule, Channel, GatewayArrival, Phase, RuleKind


class Firing(NamedTuple):
    """A gateway for which a rule's condition holds now."""

    last_seen: datetime | None
    detail: str


class EvaluationResult(NamedTuple):
    rules: int
    opened: int
    resolved: int


def alerts_evaluate(*, now: datetime | None = None) -> EvaluationResult:
    """Evaluate every enabled rule once, at `now`."""
    now = now or timezone.now()
    arrivals_fold()  # everything stored so far counts as seen
    opened = resolved = 0
    rule_ids = list(AlertRule.objects.filter(enabled=True).values_list("pk", flat=True))
    for rule_id in rule_ids:
        o, r = rule_evaluate(rule_id=rule_id, now=now)
        opened, resolved = opened + o, resolved + r
    buckets_prune(now=now)
    return EvaluationResult(len(rule_ids), opened, resolved)


def rule_evaluate(*, rule_id: int, now: datetime) -> tuple[int, int]:
    """(opened, resolved) for one rule. The rule row is locked so that two
    evaluations at once (beat and `check_alerts`) take turns."""
    deliveries: list[int] = []
    with transaction.atomic():
        rule = (AlertRule.objects.select_for_update(of=("self",))
                .select_related("gateway", "account")
                .filter(pk=rule_id, enabled=True).first())
        if rule is None:
            return 0, 0
        gateways = _rule_gateways(rule)
        firing = _firing(rule, gateways, now)
        open_events = {e.gateway_id: e for e in AlertEvent.objects.filter(
            rule=rule, resolved_at__isnull=True).select_related("gateway")}
        opened = resolved = 0
        for gw in gateways:
            if gw.pk in firing and gw.pk not in open_events:
                event = _open(rule, gw, firing[gw.pk], now)
                if event is not None:
                    opened += 1
                    deliveries += _queue(rule, event, Phase.OPENED)
        for gw_pk, event in open_events.items():
            if gw_pk not in firing:
                event.resolved_at = now
                event.last_seen = _last_seen({gw_pk}).get(gw_pk, event.last_seen)
                event.save(update_fields=["resolved_at", "last_seen"])
                resolved += 1
                deliveries += _queue(rule, event, Phase.RESOLVED)
        if deliveries:
            from .tasks import deliver_notice  # tasks import this module

            for pk in deliveries:
                transaction.on_commit(lambda pk=pk: deliver_notice.delay(pk))
    return opened, resolved


def _rule_gateways(rule: AlertRule) -> list[Gateway]:
    """The gateways a rule watches: its own account's only, so a rule can
    never fire for another tenant's gateway."""
    qs = Gateway.objects.for_account(rule.account)
    if rule.gateway_id:
        qs = qs.filter(pk=rule.gateway_id)
    return list(qs)


def _last_seen(pks: set[int]) -> dict[int, datetime]:
    rows = (GatewayArrival.objects.filter(gateway_id__in=pks).values("gateway_id")
            .annotate(last=Max("last_seen")))
    return {r["gateway_id"]: r["last"] for r in rows}


def _firing(rule: AlertRule, gateways: list[Gateway], now: datetime) -> dict[int, Firing]:
    window_start = now - timedelta(minutes=rule.minutes)
    pks = {g.pk for g in gateways}
    seen = _last_seen(pks)
    out: dict[int, Firing] = {}
    if rule.kind == RuleKind.SILENT:
        for g in gateways:
            last = seen.get(g.pk)
            if last is None:
                # Never heard from: only if the rule asks, and only once the
                # gateway (or the rule) has existed for the rule's minutes.
                since = max(g.registered_at or g.first_seen_at, rule.created_at)
                if rule.alert_never_seen and since <= window_start:
                    detail = texts.silent_detail(last_seen=None, minutes=rule.minutes)
                    out[g.pk] = Firing(None, detail)
            elif last <= window_start:
                out[g.pk] = Firing(last, texts.silent_detail(last_seen=last, minutes=rule.minutes))
        return out
    counts = (ControlLog.objects.filter(gateway_id__in=pks, kind=rule.control_kind,
                                        at__gte=window_start, at__lte=now)
              .values("gateway_id").annotate(n=Count("id")))
    for row in counts:
        if row["n"] >= rule.threshold:
            gw = row["gateway_id"]
            out[gw] = Firing(seen.get(gw), texts.spike_detail(count=row["n"], rule=rule))
    return out


def _open(rule: AlertRule, gateway: Gateway, firing: Firing, now: datetime) -> AlertEvent | None:
    try:
        with transaction.atomic():
            return AlertEvent.objects.create(
                account=rule.account, rule=rule, rule_text=texts.rule_text(rule)[:300],
                gateway=gateway, opened_at=now, last_seen=firing.last_seen,
                detail=firing.detail[:500])
    except IntegrityError:  # another evaluation opened it first
        return None


def _queue(rule: AlertRule, event: AlertEvent, phase: str) -> list[int]:
    """One pending delivery per channel target; the unique constraint keeps
    a notice from being queued twice."""
    targets = [(Channel.EMAIL, a) for a in rule.emails] + [
        (Channel.WEBHOOK, u) for u in rule.webhooks]
    ids = []
    for channel, target in targets:
        delivery, created = AlertDelivery.objects.get_or_create(
            event=event, phase=phase, channel=channel, target=target[:500])
        if created:
            ids.append(delivery.pk)
    return ids
