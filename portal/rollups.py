"""Rollups: daily facts stored per (scope, JST day), and the read path that
merges them with live facts for days that are not rolled up yet.

Design. `portal.facts` computes facts per JST day. `rollups_refresh` (the
`refresh_rollups` command and the Celery task run by beat every minute) finds
the (gateway, day) pairs touched by records newer than the last refresh —
a range scan on the primary key — and recomputes those days for the gateway
scope and for its account scope, marking each day built (`RollupDay`).
Reads (`family_facts`) take the built days from `DailyFact` and compute the
rest live: days never built, days with records newer than the safe mark, and
account days built from another set of gateways (a gateway registered since).
So answers are always exact, and fast once the refresher has run; without
it (`make run` on SQLite, no beat) everything is simply computed live.

Late commits. On PostgreSQL a record with a lower id can commit after one
with a higher id, so "max(id) at refresh time" is not a safe boundary by
itself. A mark becomes *safe* only LATE_COMMIT_SECONDS after it was taken
(ingest transactions are short), or at once when the caller states that no
writer is running (`--quiescent`, used after bulk loads). Records above the
safe mark are rechecked by every refresh and read as live.

Late data. A record can also commit long after its id was taken or its day
was built (a redelivery, a spool replay after an outage, an import of an old
month). The store path therefore lists every (log type, gateway, JST day) it
writes to in `ingest.TouchedDay`, in the same transaction as the records:
each refresh rebuilds the listed days and removes the entries it folded in,
and reads treat listed days as live. So any stored record's day is
recomputed within one scheduler period, whatever the delay, on PostgreSQL
and SQLite alike.
"""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import connection, transaction
from django.db.models import Max

from accounts.models import Gateway
from ingest.models import LOG_MODELS, TouchedDay, time_field

from . import facts
from .models import DailyFact, RollupDay, RollupState
from .periods import Month, days_span, runs, today_jst
from .scope import Scope, gateway_signature

LATE_COMMIT_SECONDS = 120
KEEP_MARKS = 20
_LOCK_ID = 7_007_001  # pg advisory lock: one refresher at a time


def safe_mark(source: str, state: RollupState | None = None) -> int:
    """The highest record id below which every record is folded into rollups."""
    if state is None:
        state = RollupState.objects.filter(source=source).first()
    if state is None or not state.marks:
        return 0
    if connection.vendor != "postgresql":
        # SQLite serialises writers: ids commit in order.
        return state.marks[-1][0]
    limit = time.time() - LATE_COMMIT_SECONDS
    safe = [m[0] for m in state.marks if m[1] <= limit or m[2]]
    return max(safe, default=0)


def _new_record_days(source: str, gateway_pks, start, end, since: int) -> set[date]:
    tf = time_field(source)
    d = facts.day_sql(f"t.{tf}")
    marks = ", ".join(["%s"] * len(gateway_pks))
    ops = connection.ops
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT {d} FROM {facts.table(source)} t WHERE t.id > %s "
            f"AND t.gateway_id IN ({marks}) AND t.{tf} >= %s AND t.{tf} < %s",
            [since, *gateway_pks, ops.adapt_datetimefield_value(start),
             ops.adapt_datetimefield_value(end)],
        )
        return {facts._as_date(r[0]) for r in cur.fetchall()}


_request_cache: ContextVar[dict | None] = ContextVar("portal_facts_cache", default=None)


@contextmanager
def facts_cache():
    """Within one page, read each family once (the pivots and distributions
    share the hourly facts)."""
    token = _request_cache.set({})
    try:
        yield
    finally:
        _request_cache.reset(token)


def family_facts(*, scope: Scope, family: str, month: Month) -> list[facts.Fact]:
    """Every fact of one family for a scope and month: rolled-up days from
    the table, the others computed live."""
    cache = _request_cache.get()
    if cache is None:
        return _family_facts(scope, family, month)
    key = (scope.key, scope.signature, family, str(month))
    if key not in cache:
        cache[key] = _family_facts(scope, family, month)
    return cache[key]


def _source_marks(source: str) -> tuple[int, bool]:
    """(safe mark, whether the table has records above it), once per page."""
    cache = _request_cache.get()
    if cache is not None and ("marks", source) in cache:
        return cache[("marks", source)]
    safe = safe_mark(source)
    newer = True
    if safe:
        top = LOG_MODELS[source].objects.aggregate(m=Max("id"))["m"] or 0
        newer = top > safe
    if cache is not None:
        cache[("marks", source)] = (safe, newer)
    return safe, newer


def _touched_days(source: str, gateway_pks, first: date, last: date) -> set[date]:
    """Days with records the refresher has not folded in yet (late commits)."""
    cache = _request_cache.get()
    key = ("touched", source, first, last)
    if cache is not None and key in cache:
        listed = cache[key]
    else:
        listed = list(TouchedDay.objects.filter(source=source, day__gte=first, day__lte=last)
                      .values_list("gateway_pk", "day"))
        if cache is not None:
            cache[key] = listed
    pks = set(gateway_pks)
    return {day for pk, day in listed if pk in pks}


def _family_facts(scope: Scope, family: str, month: Month) -> list[facts.Fact]:
    if not scope.gateway_pks:
        return []
    group = facts.FAMILY_GROUP[family]
    source = facts.GROUP_SOURCE[group]
    days = month.days()
    start, end = month.span()
    built = set(
        RollupDay.objects.filter(
            scope=scope.key, source=source, day__gte=days[0], day__lte=days[-1],
            signature=scope.signature,
        ).values_list("day", flat=True)
    )
    safe, newer = _source_marks(source) if built else (0, True)
    if not safe:
        built = set()
    else:
        if newer:
            built -= _new_record_days(source, scope.gateway_pks, start, end, safe)
        built -= _touched_days(source, scope.gateway_pks, days[0], days[-1])
    out: list[facts.Fact] = []
    if built:
        stored = DailyFact.objects.filter(
            scope=scope.key, family=family, day__gte=min(built), day__lte=max(built)
        ).values_list("day", "k1", "k2", "n", "s", "m")
        out = [(family, *row) for row in stored if row[0] in built]
    for first, last in runs(set(days) - built):
        span_start, span_end = days_span(first, last)
        out += [
            f for f in facts.compute(group, gateway_pks=scope.gateway_pks,
                                     start=span_start, end=span_end)
            if f[0] == family
        ]
    return out


# --- building -------------------------------------------------------------

def _touched(source: str, *, since: int, upto: int, month: Month | None) -> dict[int, set[date]]:
    """(gateway pk → JST days) of the records in (since, upto], or of the month."""
    tf = time_field(source)
    d = facts.day_sql(f"t.{tf}")
    ops = connection.ops
    if month is not None:
        start, end = month.span()
        where = f"t.{tf} >= %s AND t.{tf} < %s"
        params = [ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)]
    else:
        where, params = "t.id > %s AND t.id <= %s", [since, upto]
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT t.gateway_id, {d} FROM {facts.table(source)} t WHERE {where}",
            params,
        )
        out: dict[int, set[date]] = defaultdict(set)
        for gw, day in cur.fetchall():
            out[gw].add(facts._as_date(day))
    return out


def _days_to_build(source: str, keys: list[str], signature: str, days: set[date]) -> set[date]:
    """The touched days plus the unbuilt days (up to today) of their months,
    so that a read never meets holes it would have to compute live."""
    today = today_jst()
    months = {Month.of(d) for d in days}
    first = min(m.first_day() for m in months)
    last = max(m.days()[-1] for m in months)
    have: dict[str, set[date]] = defaultdict(set)
    for key, day in RollupDay.objects.filter(
        scope__in=keys, source=source, signature=signature, day__gte=first, day__lte=last
    ).values_list("scope", "day"):
        have[key].add(day)
    out = set(days)
    for key in keys:
        for m in months:
            out |= {d for d in m.days() if d <= today and d not in have[key]}
    return out


def _store(source: str, key: str, signature: str, days: set[date], rows: list[DailyFact]
           ) -> None:
    families = [f for f, g in facts.FAMILY_GROUP.items() if facts.GROUP_SOURCE[g] == source]
    with transaction.atomic():
        for first, last in runs(days):
            DailyFact.objects.filter(scope=key, family__in=families,
                                     day__gte=first, day__lte=last).delete()
            RollupDay.objects.filter(scope=key, source=source,
                                     day__gte=first, day__lte=last).delete()
        DailyFact.objects.bulk_create(rows, batch_size=2000)
        RollupDay.objects.bulk_create(
            [RollupDay(scope=key, source=source, day=d, signature=signature) for d in days],
            batch_size=2000,
        )


def _fact_rows(key: str, found) -> list[DailyFact]:
    return [DailyFact(scope=key, family=fam, day=day, k1=k1[:255], k2=k2[:255], n=n, s=s, m=m)
            for fam, day, k1, k2, n, s, m in found]


def _build(source: str, key: str, gateway_pks: tuple[int, ...], signature: str,
           days: set[date]) -> int:
    """Recompute and store every family of `source` for one scope's days."""
    days = _days_to_build(source, [key], signature, days)
    groups = [g for g, s in facts.GROUP_SOURCE.items() if s == source]
    found: list[facts.Fact] = []
    for first, last in runs(days):
        start, end = days_span(first, last)
        for group in groups:
            found += facts.compute(group, gateway_pks=gateway_pks, start=start, end=end)
    _store(source, key, signature, days, _fact_rows(key, found))
    return len(days)


def _build_gateways(source: str, touched: dict[int, set[date]]) -> int:
    """Every gateway scope at once: one statement per group computes all
    gateways' facts (grouped by gateway), instead of one per gateway."""
    pks = sorted(touched)
    days = _days_to_build(source, [f"g{pk}" for pk in pks], "", set().union(*touched.values()))
    groups = [g for g, s in facts.GROUP_SOURCE.items() if s == source]
    found: dict[int, list[facts.Fact]] = defaultdict(list)
    for first, last in runs(days):
        start, end = days_span(first, last)
        for group in groups:
            for pk, fs in facts.compute_per_gateway(group, gateway_pks=pks, start=start,
                                                    end=end).items():
                found[pk] += fs
    for pk in pks:
        _store(source, f"g{pk}", "", days, _fact_rows(f"g{pk}", found[pk]))
    return len(days) * len(pks)


def _account_scopes(gateway_pks: set[int]) -> dict[int, tuple[int, ...]]:
    """account pk → all of its gateway pks, for the accounts owning these gateways."""
    accounts = set(
        Gateway.objects.filter(pk__in=gateway_pks, account__isnull=False)
        .values_list("account_id", flat=True)
    )
    out: dict[int, list[int]] = defaultdict(list)
    for pk, acc in Gateway.objects.filter(account_id__in=accounts).values_list("pk", "account_id"):
        out[acc].append(pk)
    return {acc: tuple(sorted(pks)) for acc, pks in out.items()}


def _stale_accounts() -> dict[int, tuple[int, ...]]:
    """Accounts whose rolled-up days were built from another set of gateways."""
    current: dict[int, list[int]] = defaultdict(list)
    for pk, acc in Gateway.objects.filter(account__isnull=False).values_list("pk", "account_id"):
        current[acc].append(pk)
    stale = {}
    built = RollupDay.objects.filter(scope__startswith="a").values_list("scope", "signature")
    for scope_key, sig in built.distinct():
        acc = int(scope_key[1:])
        pks = tuple(sorted(current.get(acc, [])))
        if sig != gateway_signature(pks):
            stale[acc] = pks
    for acc, pks in current.items():
        # An account whose gateways have rollups but the account has none yet.
        if acc not in stale and not RollupDay.objects.filter(scope=f"a{acc}").exists():
            if RollupDay.objects.filter(scope__in=[f"g{pk}" for pk in pks]).exists():
                stale[acc] = tuple(sorted(pks))
    return stale


def _touched_consume(listed) -> None:
    """Remove the entries just folded in, unless a batch touched the day again
    meanwhile (it bumped `touched_at`): that one stays for the next refresh."""
    by_time: dict = defaultdict(list)
    for pk, _gateway_pk, _day, at in listed:
        by_time[at].append(pk)
    for at, pks in by_time.items():
        TouchedDay.objects.filter(pk__in=pks, touched_at=at).delete()


def rollups_refresh(*, month: Month | None = None, quiescent: bool = False,
                    log=None) -> dict[str, int]:
    """Fold new records into the rollups (or rebuild one month). Returns the
    number of (scope, day) pairs rebuilt per log type."""
    log = log or (lambda msg: None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_ID])
            if not cur.fetchone()[0]:
                log("another refresh is running")
                return {}
    try:
        return _refresh(month=month, quiescent=quiescent, log=log)
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_ID])


def _refresh(*, month, quiescent, log) -> dict[str, int]:
    done: dict[str, int] = {}
    stale = _stale_accounts()
    for source in facts.SOURCES:
        state, _ = RollupState.objects.get_or_create(source=source)
        upto = LOG_MODELS[source].objects.aggregate(m=Max("id"))["m"] or 0
        since = safe_mark(source, state)
        touched = _touched(source, since=since, upto=upto, month=month)
        listed = list(TouchedDay.objects.filter(source=source)
                      .values_list("pk", "gateway_pk", "day", "touched_at"))
        for _pk, gateway_pk, day, _at in listed:
            touched.setdefault(gateway_pk, set()).add(day)
        # Gateway scopes, then the accounts that own them.
        n = _build_gateways(source, touched) if touched else 0
        log(f"{source}: {len(touched)} gateway scopes")
        work: dict[str, tuple[tuple[int, ...], str, set[date]]] = {}
        accounts = _account_scopes(set(touched))
        for acc, pks in accounts.items():
            days = set().union(*(touched.get(pk, set()) for pk in pks))
            work[f"a{acc}"] = (pks, gateway_signature(pks), days)
        for acc, pks in stale.items():
            # Rebuild every day the account or its gateways have rolled up.
            days = set(RollupDay.objects.filter(
                scope__in=[f"g{pk}" for pk in pks] + [f"a{acc}"], source=source
            ).values_list("day", flat=True))
            prev = work.get(f"a{acc}", (pks, "", set()))[2]
            work[f"a{acc}"] = (pks, gateway_signature(pks), days | prev)
        for i, (key, (pks, sig, days)) in enumerate(work.items(), 1):
            if days:
                n += _build(source, key, pks, sig, days)
                log(f"{source}: {i}/{len(work)} scopes")
        state.marks = (state.marks + [[upto, time.time(), quiescent]])[-KEEP_MARKS:]
        state.save(update_fields=["marks"])
        _touched_consume(listed)
        done[source] = n
    return done
