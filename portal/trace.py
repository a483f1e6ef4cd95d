"""Terminal lookup selectors (SPEC §7): which terminal used an IP address at
a moment, and everything one MAC address did in a period.

Every query starts from the caller's `Scope`, so another account's records
never appear. On PostgreSQL the queries are served by the indexes of
`ingest/migrations/0003_trace_indexes.py`: (ip, start) B-trees, one of them
over sessions longer than a day only, for "this IP around this moment",
and (mac, time) B-trees for "this MAC in this period".
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db import connection

import logformats
from accounts.models import Gateway
from ingest.models import LOG_MODELS, time_field

from .periods import JST
from .scope import Scope

# Leases are the DHCPACKs of the 24 hours up to the moment asked about.
LEASE_WINDOW = timedelta(hours=24)
# A period of the MAC lookup is at most this many days apart (from → to).
MAX_PERIOD_DAYS = 31
SESSION_TYPES = ("auth", "active")
MAC_TYPES = ("auth", "active", "control", "dhcp")

# A session containing a moment started at most this long before it, or
# lasted longer: the two cases have their own index each (ingest migration
# 0003), so neither reads more than a day of one address's history.
RECENT = timedelta(hours=24)
# The long-session index's predicate, repeated so that PostgreSQL uses it.
_LONG = "\"{t}\".\"end\" - \"{t}\".\"start\" > interval '24 hours'"


class GatewayName(NamedTuple):
    gateway_id: str
    label: str


class Session(NamedTuple):
    """An auth or active record whose [start, end] contains the moment."""

    type: str
    gateway: GatewayName
    port: str
    port_label: str
    mac: str  # upper case, as the downloads write it
    ip: str
    start: datetime
    end: datetime | None
    auth_method: str  # auth only ("" for active)
    status: str  # active only ("" for auth)
    usage_seconds: int | None  # active only


class Lease(NamedTuple):
    """A DHCPACK for the address."""

    time: datetime
    gateway: GatewayName
    mac: str
    ip: str


class IpTrace(NamedTuple):
    sessions: list[Session]
    leases: list[Lease]


class MacRecord(NamedTuple):
    """One record of the MAC: its time (start for auth/active), gateway, IP
    and the type's own fields named as the record formats name them."""

    type: str
    time: datetime
    gateway: GatewayName
    ip: str
    fields: dict[str, object]


def _gateway_names(scope: Scope) -> dict[int, GatewayName]:
    rows = Gateway.objects.filter(pk__in=scope.gateway_pks).values_list("pk", "gateway_id",
                                                                           "label")
    return {pk: GatewayName(gid, label) for pk, gid, label in rows}


def trace_by_ip(*, scope: Scope, ip: str, at: datetime) -> IpTrace:
    """Sessions holding `ip` at `at` (oldest start first) and the DHCPACKs
    of `ip` in the 24 hours up to `at` (newest first), within the scope."""
    names = _gateway_names(scope)
    pks = list(names)
    sessions: list[Session] = []
    for log_type in SESSION_TYPES:
        model = LOG_MODELS[log_type]
        near = model.objects.filter(gateway_id__in=pks, ip=ip, start__gte=at - RECENT,
                                    start__lte=at, end__gte=at)
        long = model.objects.filter(gateway_id__in=pks, ip=ip, start__lt=at - RECENT,
                                    end__gte=at)
        if connection.vendor == "postgresql":
            long = long.extra(where=[_LONG.format(t=model._meta.db_table)])
        for r in [*near, *long]:
            sessions.append(Session(
                log_type, names[r.gateway_id], r.port, r.port_label, r.mac.upper(), r.ip,
                r.start, r.end,
                getattr(r, "auth_method", ""), getattr(r, "status", ""),
                getattr(r, "usage_seconds", None),
            ))
    sessions.sort(key=lambda s: (s.start, SESSION_TYPES.index(s.type)))
    acks = (LOG_MODELS["dhcp"].objects
            .filter(gateway_id__in=pks, ip=ip, message_type="DHCPACK",
                    at__gte=at - LEASE_WINDOW, at__lte=at)
            .order_by("-at", "-id"))
    leases = [Lease(r.at, names[r.gateway_id], r.mac.upper(), r.ip) for r in acks]
    return IpTrace(sessions, leases)


def period_span(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    """[start, end) instants of the JST days from `day_from` to `day_to` inclusive."""
    start = datetime.combine(day_from, time(0), tzinfo=JST)
    end = datetime.combine(day_to + timedelta(days=1), time(0), tzinfo=JST)
    return start, end


def trace_by_mac(*, scope: Scope, mac: str, day_from: date, day_to: date) -> list[MacRecord]:
    """Every auth, active, control and DHCP record of `mac` (canonical
    lower-case spelling) whose time falls in the JST days, oldest first."""
    names = _gateway_names(scope)
    start, end = period_span(day_from, day_to)
    records: list[MacRecord] = []
    for log_type in MAC_TYPES:
        model = LOG_MODELS[log_type]
        tf = time_field(log_type)
        own = [f.name for f in dataclasses.fields(logformats.FORMATS[log_type].record_class)
               if f.name not in ("gateway_id", "at", "ip")]
        qs = model.objects.filter(gateway_id__in=list(names), mac=mac,
                                  **{f"{tf}__gte": start, f"{tf}__lt": end})
        for r in qs.values("id", "gateway_id", "ip", tf, *own):
            fields = {name: r[name] for name in own}
            fields["mac"] = fields["mac"].upper()
            records.append(MacRecord(log_type, r[tf], names[r["gateway_id"]], r["ip"] or "",
                                     {"_id": r["id"], **fields}))
    records.sort(key=lambda m: (m.time, MAC_TYPES.index(m.type), m.fields["_id"]))
    for m in records:
        del m.fields["_id"]
    return records
