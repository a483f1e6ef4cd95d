"""Reads for the status screen, the rules and the alert history; every one
starts from the caller's account."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet, Sum

from accounts.models import Account, Gateway
from audit.search import period_bounds

from .health import BUCKET_SECONDS, bucket_start
from .models import (
    AlertDelivery,
    AlertEvent,
    AlertRule,
    GatewayArrival,
    GatewayArrivalBucket,
    GatewayArrivalLog,
    RuleKind,
)


class State:
    RECEIVING = "receiving"  # 受信中
    SILENT = "silent"  # 停止
    NEVER = "never"  # 未受信


class GatewayStatus(NamedTuple):
    gateway_id: str
    label: str
    state: str
    last_seen: datetime | None
    last_seen_by_type: dict[str, datetime]
    last_hour: int
    last_24h: int
    hourly: list[int]  # 24 counts, oldest hour first
    silent_minutes: int
    never_seen_alerts: bool


def silent_rules_for(rules: list[AlertRule], gateway: Gateway) -> list[AlertRule]:
    return [r for r in rules if r.kind == RuleKind.SILENT and r.gateway_id in (None, gateway.pk)]


def gateway_status_list(*, account: Account, now: datetime) -> list[GatewayStatus]:
    """Per gateway of the account: last seen per type, recent counts and state.
    Six queries whatever the number of gateways; no log table is read."""
    gateways = list(Gateway.objects.for_account(account).order_by("gateway_id"))
    pks = [g.pk for g in gateways]
    by_type: dict[int, dict[str, datetime]] = {pk: {} for pk in pks}
    for row in GatewayArrival.objects.filter(gateway_id__in=pks):
        by_type[row.gateway_id][row.log_type] = row.last_seen
    # Batches stored since the last fold (at most about a minute's worth).
    recent = GatewayArrivalLog.objects.filter(gateway_id__in=pks)
    for row in recent.values("gateway_id", "log_type").annotate(last=Max("last_seen")):
        seen = by_type[row["gateway_id"]]
        known = seen.get(row["log_type"])
        seen[row["log_type"]] = max(known, row["last"]) if known else row["last"]
    current = bucket_start(now.timestamp())
    day_start = current - timedelta(hours=24) + timedelta(seconds=BUCKET_SECONDS)
    hour_start = current - timedelta(hours=1) + timedelta(seconds=BUCKET_SECONDS)
    hourly: dict[int, list[int]] = {pk: [0] * 24 for pk in pks}
    last_hour: dict[int, int] = dict.fromkeys(pks, 0)
    folded = GatewayArrivalBucket.objects.filter(gateway_id__in=pks, start__gte=day_start)
    unfolded = (recent.filter(start__gte=day_start).values("gateway_id", "start")
                .annotate(n=Sum("records")).values_list("gateway_id", "start", "n"))
    for gw, start, n in [*folded.values_list("gateway_id", "start", "records"), *unfolded]:
        slot = 23 - int((current - start).total_seconds() // 3600)
        hourly[gw][max(slot, 0)] += n
        if start >= hour_start:
            last_hour[gw] += n
    rules = list(AlertRule.objects.filter(account=account, enabled=True, kind=RuleKind.SILENT))
    default_minutes = settings.ALERTS_SILENT_MINUTES
    out = []
    for g in gateways:
        seen = by_type[g.pk]
        last_seen = max(seen.values()) if seen else None
        applicable = silent_rules_for(rules, g)
        minutes = min((r.minutes for r in applicable), default=default_minutes)
        if last_seen is None:
            state = State.NEVER
        elif last_seen < now - timedelta(minutes=minutes):
            state = State.SILENT
        else:
            state = State.RECEIVING
        out.append(GatewayStatus(
            gateway_id=g.gateway_id, label=g.label, state=state, last_seen=last_seen,
            last_seen_by_type=dict(sorted(seen.items())), last_hour=last_hour[g.pk],
            last_24h=sum(hourly[g.pk]), hourly=hourly[g.pk], silent_minutes=minutes,
            never_seen_alerts=any(r.alert_never_seen for r in applicable),
        ))
    return out


def rule_list(*, account: Account) -> QuerySet:
    return AlertRule.objects.filter(account=account).select_related("gateway").order_by("id")


def rule_get(*, account: Account, pk: int) -> AlertRule | None:
    """The account's rule, or None: another account's rule looks missing."""
    return rule_list(account=account).filter(pk=pk).first()


def event_search(*, account: Account, form) -> QuerySet:
    """Events opened in the form's period, newest first, with deliveries."""
    start, end = period_bounds(form)
    qs = AlertEvent.objects.filter(account=account, opened_at__gte=start, opened_at__lt=end)
    if form.cleaned_data.get("q"):
        qs = qs.filter(gateway__gateway_id__icontains=form.cleaned_data["q"])
    return (
        qs.select_related("gateway")
        .prefetch_related(Prefetch("deliveries", queryset=AlertDelivery.objects.order_by("id")))
        .order_by("-opened_at", "-id")
    )
