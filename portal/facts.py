"""Daily facts: the one place where log rows are aggregated (SPEC §4).

A *fact* is ``(family, day, k1, k2, n, s, m)``: one aggregate of one JST day
for a set of gateways. Every metric the portal shows is a sum (or, for `m`, a
max) of facts over the days of a month, so the same numbers can come either
straight from the log tables (this module, "live") or from the rollup table
that stores this module's output (`portal.rollups`). There is no second way
of computing a metric.

A *group* is one SQL statement; it yields the facts of one or more families.
Everything is GROUP BY in the database on JST-truncated times; Python only
reshapes the grouped rows. The SQL is hand-written because the roaming metric
needs window functions, and it runs unchanged on PostgreSQL and SQLite (≥3.28
has window functions) except for the JST day/hour expressions.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from django.db import connection

from ingest.models import LOG_MODELS


class Fact(NamedTuple):
    """``(family, day, k1, k2, n, s, m)`` of the module docstring, by name.
    The queries below build plain tuples in this order (rollups store them
    so); the selectors read them through `Fact._make`. What `n` and `s` count
    depends on the family (e.g. conn: records, distinct MACs; ctime: MACs,
    seconds; roaming: connected, left)."""

    family: str
    day: date
    k1: str
    k2: str
    n: int
    s: int
    m: int  # a maximum, not a sum

# group → the log type whose rows it reads.
GROUP_SOURCE: dict[str, str] = {
    "conn": "auth",
    "hour": "auth",
    "country": "auth",
    "language": "auth",
    "device": "auth",
    "browser": "auth",
    "os": "auth",
    "auth_method": "auth",
    "openid": "auth",
    "ctime": "active",
    "rg": "active",
    "rv": "active",
    "control": "control",
    "session": "session",
    "traffic": "traffic",
    "activeuser": "activeuser",
}
# family → group; roaming flows ("rgf", "rvf") come from the roaming query.
FAMILY_GROUP: dict[str, str] = {g: g for g in GROUP_SOURCE} | {"rgf": "rg", "rvf": "rv"}
SOURCES = sorted(set(GROUP_SOURCE.values()))

# Single-column distributions: group → auth column.
_VALUE_COLUMNS = {
    "device": "device_type",
    "browser": "device_app",
    "os": "device_os",
    "auth_method": "auth_method",
    "openid": "openid_provider",
}
# OpenID counts only OPEN-ID auth records (SPEC §4): 102 and its provisional 202.
OPENID_METHODS = ("102", "202")


def table(log_type: str) -> str:
    return LOG_MODELS[log_type]._meta.db_table


def day_sql(col: str) -> str:
    """SQL for the JST calendar day of a timestamp column."""
    if connection.vendor == "postgresql":
        return f"(({col}) AT TIME ZONE 'Asia/Tokyo')::date"
    # SQLite keeps datetimes as UTC text; JST has no DST, so +9 hours is exact.
    return f"date({col}, '+9 hours')"


def hour_sql(col: str) -> str:
    """SQL for the JST hour (0–23) of a timestamp column."""
    if connection.vendor == "postgresql":
        return f"extract(hour from ({col}) AT TIME ZONE 'Asia/Tokyo')::int"
    return f"CAST(strftime('%%H', {col}, '+9 hours') AS INTEGER)"


def _as_date(value):
    """A day column's value: a date, or (gateway pk, date) for per-gateway keys."""
    if isinstance(value, date):
        return value
    text = str(value)
    if " " in text:
        pk, day = text.split(" ", 1)
        return int(pk), date.fromisoformat(day)
    return date.fromisoformat(text)


def _day_key(col: str, per_gateway: bool) -> str:
    """The day expression, or "<gateway pk> <day>" when one query computes
    the facts of many gateway scopes at once (grouping and window partitions
    then never mix gateways)."""
    if not per_gateway:
        return day_sql(col)
    gw = col.split(".")[0] + ".gateway_id"
    if connection.vendor == "postgresql":
        return f"({gw}::text || ' ' || {day_sql(col)}::text)"
    return f"(CAST({gw} AS TEXT) || ' ' || {day_sql(col)})"


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _where(alias: str, time_col: str, gateway_pks: Sequence[int], start, end) -> tuple[str, list]:
    marks = ", ".join(["%s"] * len(gateway_pks))
    ops = connection.ops
    sql = (
        f"{alias}.gateway_id IN ({marks}) "
        f"AND {alias}.{time_col} >= %s AND {alias}.{time_col} < %s"
    )
    return sql, [*gateway_pks, ops.adapt_datetimefield_value(start),
                 ops.adapt_datetimefield_value(end)]


def compute(group: str, *, gateway_pks: Sequence[int], start: datetime, end: datetime
            ) -> list[Fact]:
    """All facts of one group for these gateways and [start, end) (UTC,
    aligned to JST midnights by the caller)."""
    if not gateway_pks:
        return []
    if group in _VALUE_COLUMNS:
        return _value_counts(group, gateway_pks, start, end)
    return _GROUPS[group](gateway_pks, start, end)


def compute_per_gateway(group: str, *, gateway_pks: Sequence[int], start: datetime,
                        end: datetime) -> dict[int, list[Fact]]:
    """The facts of `compute` for each gateway alone, in one statement (a
    month rebuild reads the table once instead of once per gateway)."""
    out: dict[int, list[Fact]] = {pk: [] for pk in gateway_pks}
    if not gateway_pks:
        return out
    if group in _VALUE_COLUMNS:
        facts = _value_counts(group, gateway_pks, start, end, True)
    else:
        facts = _GROUPS[group](gateway_pks, start, end, True)
    for family, (pk, day), *rest in facts:
        out[pk].append((family, day, *rest))
    return out


def _conn(pks, start, end, gw=False) -> list[Fact]:
    where, params = _where("t", "start", pks, start, end)
    d = _day_key("t.start", gw)
    rows = _run(
        f"SELECT {d}, count(*), count(DISTINCT t.mac) FROM {table('auth')} t "
        f"WHERE {where} GROUP BY {d}",
        params,
    )
    return [("conn", _as_date(day), "", "", n, u, 0) for day, n, u in rows]


def _hour(pks, start, end, gw=False) -> list[Fact]:
    where, params = _where("t", "start", pks, start, end)
    d, h = _day_key("t.start", gw), hour_sql("t.start")
    rows = _run(
        f"SELECT {d}, {h}, t.gender, t.age_band, count(*) FROM {table('auth')} t "
        f"WHERE {where} GROUP BY {d}, {h}, t.gender, t.age_band",
        params,
    )
    return [("hour", _as_date(day), f"{hour:02d}", f"{g}/{a}", n, 0, 0)
            for day, hour, g, a, n in rows]


def _demographic(column: str):
    def query(pks, start, end, gw=False) -> list[Fact]:
        where, params = _where("t", "start", pks, start, end)
        d = _day_key("t.start", gw)
        rows = _run(
            f"SELECT {d}, t.{column}, t.gender, t.age_band, count(*) FROM {table('auth')} t "
            f"WHERE {where} GROUP BY {d}, t.{column}, t.gender, t.age_band",
            params,
        )
        return [(column, _as_date(day), v, f"{g}/{a}", n, 0, 0) for day, v, g, a, n in rows]

    return query


def _value_counts(group: str, pks, start, end, gw=False) -> list[Fact]:
    column = _VALUE_COLUMNS[group]
    where, params = _where("t", "start", pks, start, end)
    if group == "openid":
        where += " AND t.auth_method IN (%s, %s)"
        params += list(OPENID_METHODS)
    d = _day_key("t.start", gw)
    rows = _run(
        f"SELECT {d}, t.{column}, count(*) FROM {table('auth')} t "
        f"WHERE {where} GROUP BY {d}, t.{column}",
        params,
    )
    return [(group, _as_date(day), v, "", n, 0, 0) for day, v, n in rows]


def _ctime(pks, start, end, gw=False) -> list[Fact]:
    """Per day: number of MACs, sum and max of their summed usage seconds."""
    where, params = _where("t", "start", pks, start, end)
    d = _day_key("t.start", gw)
    rows = _run(
        f"SELECT d, count(*), sum(secs), max(secs) FROM ("
        f" SELECT {d} AS d, t.mac, sum(t.usage_seconds) AS secs FROM {table('active')} t"
        f" WHERE {where} GROUP BY {d}, t.mac) per_mac GROUP BY d",
        params,
    )
    return [("ctime", _as_date(day), "", "", n, int(s or 0), int(m or 0))
            for day, n, s, m in rows]


def _roaming(family: str, key_sql: str):
    """Roaming (SPEC §4) with window functions: each active record of a
    (MAC, day) with the key of the next one; the last record has no next."""

    def query(pks, start, end, gw=False) -> list[Fact]:
        where, params = _where("t", "start", pks, start, end)
        d = _day_key("t.start", gw)
        rows = _run(
            f"WITH x AS ("
            f" SELECT t.mac, {d} AS d, {key_sql} AS k, t.status,"
            f"  lead({key_sql}) OVER w AS nk, lead(t.id) OVER w AS nid"
            f" FROM {table('active')} t JOIN accounts_gateway g ON g.id = t.gateway_id"
            f" WHERE {where}"
            f" WINDOW w AS (PARTITION BY t.mac, {d} ORDER BY t.start, t.id))"
            f" SELECT d, 'c', k, '', count(DISTINCT mac) FROM x GROUP BY d, k"
            f" UNION ALL SELECT d, 'l', k, '', count(*) FROM x"
            f"  WHERE nid IS NULL AND substr(status, 2, 1) <> '2' GROUP BY d, k"
            f" UNION ALL SELECT d, 'f', k, nk, count(*) FROM x"
            f"  WHERE nid IS NOT NULL AND nk <> k GROUP BY d, k, nk",
            params,
        )
        # Node rows: n = connected, s = left; flow rows go to "<family>f".
        nodes: dict[tuple[date, str], list[int]] = {}
        out: list[Fact] = []
        for day, kind, k, nk, n in rows:
            day = _as_date(day)
            if kind == "f":
                out.append((family + "f", day, k, nk, n, 0, 0))
            else:
                node = nodes.setdefault((day, k), [0, 0])
                node[0 if kind == "c" else 1] = n
        out += [(family, day, k, "", c, left, 0) for (day, k), (c, left) in nodes.items()]
        return out

    return query


def _control(pks, start, end, gw=False) -> list[Fact]:
    where, params = _where("t", "at", pks, start, end)
    d = _day_key("t.at", gw)
    rows = _run(
        f"SELECT {d}, t.kind, count(*) FROM {table('control')} t "
        f"WHERE {where} GROUP BY {d}, t.kind",
        params,
    )
    return [("control", _as_date(day), kind, "", n, 0, 0) for day, kind, n in rows]


def _series(log_type: str, columns: dict[str, str]):
    """Per-day sample count, sum and max of gauge columns (session count,
    RX/TX bps, active users): the system-log page's extra series."""

    def query(pks, start, end, gw=False) -> list[Fact]:
        where, params = _where("t", "at", pks, start, end)
        d = _day_key("t.at", gw)
        out: list[Fact] = []
        for key, col in columns.items():
            rows = _run(
                f"SELECT {d}, count(*), sum(t.{col}), max(t.{col}) FROM {table(log_type)} t "
                f"WHERE {where} GROUP BY {d}",
                params,
            )
            out += [(log_type, _as_date(day), key, "", n, int(s or 0), int(m or 0))
                    for day, n, s, m in rows]
        return out

    return query


_GROUPS = {
    "conn": _conn,
    "hour": _hour,
    "country": _demographic("country"),
    "language": _demographic("language"),
    "ctime": _ctime,
    "rg": _roaming("rg", "g.gateway_id"),
    "rv": _roaming("rv", "t.port"),
    "control": _control,
    "session": _series("session", {"sessions": "sessions"}),
    "traffic": _series("traffic", {"rx": "rx_bps", "tx": "tx_bps"}),
    "activeuser": _series("activeuser", {"users": "users"}),
}
