"""Reads for the Syslog@Cloud screens and their JSON API (SPEC §4–§5).

Each selector returns exactly the JSON body of its endpoint; pages embed the
same dicts, so a number on screen and in the API come from one code path.
All of them take the scope (account first: `portal.scope.scope_resolve`)
and sum the daily facts of `portal.rollups.family_facts` over the month.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Max, Min

from ingest.models import LOG_MODELS, time_field

from . import labels
from .facts import Fact
from .periods import JST, Month
from .rollups import family_facts
from .scope import Scope

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GENDER_KEYS = ("0", "1", "")
AGE_KEYS = ("0", "1", "2", "3", "4", "5", "6", "")
DEMOGRAPHIC_COLUMNS = [f"{g}/{a}" for g in GENDER_KEYS for a in AGE_KEYS]
PIVOT_VIEWS = ("day-hour", "country", "language", "weekday-hour")
ROAMING_BY = ("gateway", "vlan")
DIMENSIONS = ("device", "browser", "os", "country", "language", "age", "gender",
              "auth_method", "openid")
CONTROL_KINDS = {"0": "session", "1": "spam", "2": "bandwidth"}


def _facts(scope: Scope, family: str, month: Month) -> list[Fact]:
    """The month's facts of one family, read by name rather than by index."""
    return [Fact._make(f) for f in family_facts(scope=scope, family=family, month=month)]


def _daily(scope: Scope, family: str, month: Month) -> dict:
    """day → list of facts of that day."""
    out = defaultdict(list)
    for f in _facts(scope, family, month):
        out[f.day].append(f)
    return out


def connections_daily(*, scope: Scope, month: Month) -> dict:
    """Connections (auth records by start day) and distinct terminals per day."""
    by_day = _daily(scope, "conn", month)
    days = []
    for d in month.days():
        n = sum(f.n for f in by_day.get(d, ()))
        u = sum(f.s for f in by_day.get(d, ()))
        days.append({"date": d.isoformat(), "connections": n, "unique_terminals": u})
    return {"days": days}


def connection_time_daily(*, scope: Scope, month: Month) -> dict:
    """Per day, over the MACs of active records starting that day: the mean
    and the largest of their summed usage seconds (0 when none)."""
    by_day = _daily(scope, "ctime", month)
    days = []
    for d in month.days():
        fs = by_day.get(d, ())
        macs, total = sum(f.n for f in fs), sum(f.s for f in fs)
        days.append({
            "date": d.isoformat(),
            "avg_seconds": total / macs if macs else 0,
            "max_seconds": max((f.m for f in fs), default=0),
        })
    return {"days": days}


def roaming(*, scope: Scope, month: Month, by: str) -> dict:
    """Connected / left per key and the flows between keys (SPEC §4)."""
    family = "rg" if by == "gateway" else "rv"
    nodes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in _facts(scope, family, month):
        nodes[f.k1][0] += f.n
        nodes[f.k1][1] += f.s
    flows: dict[tuple[str, str], int] = defaultdict(int)
    for f in _facts(scope, family + "f", month):
        flows[(f.k1, f.k2)] += f.n
    return {
        "rows": [{"key": k, "connected": c, "left": left}
                 for k, (c, left) in sorted(nodes.items())],
        "flows": [{"from": a, "to": b, "count": n} for (a, b), n in sorted(flows.items())],
    }


def _demographic_column(k2: str) -> str:
    """Raw gender/age → one of the 24 columns; unknown codes are "unknown"."""
    g, _, a = k2.partition("/")
    return f"{g if g in GENDER_KEYS else ''}/{a if a in AGE_KEYS else ''}"


def connection_pivot(*, scope: Scope, month: Month, view: str) -> dict:
    """Counts of auth records by start time in one of the four pivots."""
    cells: dict[tuple, int] = defaultdict(int)
    if view == "day-hour":
        rows = [d.isoformat() for d in month.days()]
        columns: list = list(range(24))
        for f in _facts(scope, "hour", month):
            cells[(f.day.isoformat(), int(f.k1))] += f.n
    elif view == "weekday-hour":
        rows = [f"{w} {h:02d}" for w in WEEKDAYS for h in range(24)]
        columns = DEMOGRAPHIC_COLUMNS
        for f in _facts(scope, "hour", month):
            cells[(f"{WEEKDAYS[f.day.weekday()]} {f.k1}", _demographic_column(f.k2))] += f.n
    else:  # country / language
        columns = DEMOGRAPHIC_COLUMNS
        for f in _facts(scope, view, month):
            cells[(f.k1, _demographic_column(f.k2))] += f.n
        present = {r for r, _c in cells}
        rows = sorted(present - {""}) + ([""] if "" in present else [])
    return {
        "rows": rows,
        "columns": columns,
        "cells": [[cells.get((r, c), 0) for c in columns] for r in rows],
    }


def distribution(*, scope: Scope, month: Month, dimension: str, lang: str = "ja") -> dict:
    """Auth records per value of one dimension, count desc then key asc."""
    counts: dict[str, int] = defaultdict(int)
    if dimension in ("age", "gender"):
        for f in _facts(scope, "hour", month):
            g, _, a = f.k2.partition("/")
            counts[a if dimension == "age" else g] += f.n
    else:
        for f in _facts(scope, dimension, month):
            counts[f.k1] += f.n
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    # The API keeps country and language codes; the charts add their names.
    return {"items": [{"key": k, "label": labels.label(dimension, k, lang, names=False),
                       "count": n} for k, n in items if n]}


def control_daily(*, scope: Scope, month: Month) -> dict:
    """Control records per day, split by kind (session / spam / bandwidth)."""
    by_day = _daily(scope, "control", month)
    days = []
    for d in month.days():
        row = {"date": d.isoformat(), "session": 0, "spam": 0, "bandwidth": 0}
        for f in by_day.get(d, ()):
            if f.k1 in CONTROL_KINDS:
                row[CONTROL_KINDS[f.k1]] += f.n
        days.append(row)
    return {"days": days}


def system_series_daily(*, scope: Scope, month: Month) -> dict:
    """Our addition to the system-log screen: per day the mean and peak of
    the session count, traffic RX/TX (bps) and active unauthenticated users."""
    series = {"sessions": ("session", "sessions"), "rx": ("traffic", "rx"),
              "tx": ("traffic", "tx"), "users": ("activeuser", "users")}
    acc: dict[str, dict] = {}
    for family in ("session", "traffic", "activeuser"):
        for f in _facts(scope, family, month):
            slot = acc.setdefault(f.k1, {}).setdefault(f.day, [0, 0, 0])
            slot[0] += f.n
            slot[1] += f.s
            slot[2] = max(slot[2], f.m)
    days = []
    for d in month.days():
        row: dict = {"date": d.isoformat()}
        for name, (_fam, key) in series.items():
            n, s, m = acc.get(key, {}).get(d, (0, 0, 0))
            row[f"{name}_avg"] = round(s / n, 1) if n else 0
            row[f"{name}_max"] = m
        days.append(row)
    return {"days": days}


def months_with_data(*, scope: Scope) -> list[Month]:
    """The months in which any log of the scope has a record, newest first."""
    if not scope.gateway_pks:
        return []
    lo, hi = _time_bounds(scope.gateway_pks)
    if lo is None:
        return []
    first, last = Month.of(lo.astimezone(JST).date()), Month.of(hi.astimezone(JST).date())
    candidates, m = [], first
    while m != last.next():
        candidates.append(m)
        m = m.next()
    if len(candidates) > 2:
        candidates = [first] + [m for m in candidates[1:-1] if _has_data(scope, m)] + [last]
    return sorted(set(candidates), key=lambda m: (m.year, m.month), reverse=True)


def _time_bounds(pks) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest record time of these gateways over all log tables."""
    if connection.vendor == "postgresql":
        # One round trip; min and max are index probes per gateway on the
        # (gateway, time) indexes.
        parts = [
            f"SELECT x.lo, x.hi FROM unnest(%s::bigint[]) AS g(id) CROSS JOIN LATERAL "
            f"(SELECT min({time_field(t)}) AS lo, max({time_field(t)}) AS hi "
            f"FROM {m._meta.db_table} WHERE gateway_id = g.id) x"
            for t, m in LOG_MODELS.items()
        ]
        with connection.cursor() as cur:
            cur.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)}) b",
                        [list(pks)] * len(parts))
            return cur.fetchone()
    lo = hi = None
    for log_type, model in LOG_MODELS.items():
        tf = time_field(log_type)
        agg = model.objects.filter(gateway_id__in=pks).aggregate(lo=Min(tf), hi=Max(tf))
        if agg["lo"] is not None:
            lo = agg["lo"] if lo is None or agg["lo"] < lo else lo
            hi = agg["hi"] if hi is None or agg["hi"] > hi else hi
    return lo, hi


def _has_data(scope: Scope, month: Month) -> bool:
    start, end = month.span()
    for log_type, model in LOG_MODELS.items():
        tf = time_field(log_type)
        if model.objects.filter(gateway_id__in=scope.gateway_pks,
                                **{f"{tf}__gte": start, f"{tf}__lt": end}).exists():
            return True
    return False
