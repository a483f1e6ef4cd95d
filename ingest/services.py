"""Writes batches of syslog items into the log tables.

An ITEM (`ingest.items.Item`) is what the collector hands over. Good records
are stored once (digest unique); everything else goes to the quarantine with
its reason and its bytes as they arrived. One bad message never costs its
batch-mates: those the parsers or checks refuse are set aside one by one, and
if the database still refuses the batch for its data (not for a lost
connection, which the task retries), the batch is split until the one
offending record is isolated and quarantined.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F

import logformats
from accounts.models import Gateway
from alerts.health import Arrival, record_arrivals
from ingest.framing import KEEP_MAX
from ingest.items import Item, frame_bytes, shown
from ingest.payload import batch_items
from ingest.postgres_copy import copy_insert
from ingest.sqlite_insert import InsertRow, insert_new
from logformats.fields import jst_date
from syslogcloud.outbound import short_error

from .models import (
    LOG_MODELS,
    DeadLetter,
    IngestCounter,
    NewGatewayQuota,
    Quarantine,
    TouchedDay,
    time_field,
)

logger = logging.getLogger(__name__)

# Errors that say "this data", not "this connection": retrying cannot help,
# isolating the record can.
REFUSED_DATA = (DataError, IntegrityError)
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
PREVIEW_CHARS = 4096
# Control characters other than TAB and line breaks are shown as escapes.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class StoreResult:
    """What one batch did; import_logs, the benchmarks and per-gateway
    summaries read it. `per_gateway` counts new records by Gateway pk."""

    stored: Counter = field(default_factory=Counter)
    duplicates: int = 0
    quarantined: int = 0
    rejected: int = 0
    per_gateway: Counter = field(default_factory=Counter)

    def merge(self, other: StoreResult) -> None:
        self.stored.update(other.stored)
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.rejected += other.rejected
        self.per_gateway.update(other.per_gateway)


def store_batch(*, items: dict | list[Item] | list[list]) -> StoreResult:
    """Parse, dedupe and bulk-write one batch; never lose a good record to a bad one.
    `items`: a packed payload (`ingest.payload`) or a list of items (older batches)."""
    result = _store_isolating(batch_items(items))
    # The batch is committed here and `result.per_gateway` says, per Gateway
    # pk, how many records it added: the place for per-batch summaries.
    return result


def _store_isolating(items: list[Item]) -> StoreResult:
    # Parsing needs no database: done before the transaction, so the write
    # lock (SQLite takes it at BEGIN IMMEDIATE) is held only for the writes
    # and the portal's own writes wait less (issue 9).
    parsed = _parsed(items)
    try:
        with transaction.atomic():
            return _store_once(parsed)
    except REFUSED_DATA as exc:
        if len(items) == 1:
            reason = f"database refused the record: {short_error(exc)}"
            logger.warning("quarantined one record: %s", reason)
            with transaction.atomic():
                return _quarantine_only(items, reason)
        mid = len(items) // 2
        result = _store_isolating(items[:mid])
        result.merge(_store_isolating(items[mid:]))
        return result


class _Accepted(NamedTuple):
    """One accepted record: what the store needs, with the record itself only
    where the ORM writes it (SQLite); PostgreSQL gets `row`, its COPY text."""

    gateway_id: str
    at: datetime
    digest: bytes
    row: object  # a logformats.Row (PostgreSQL) or the record (other databases)


@dataclass
class Parsed:
    """A batch before any write: its records by log type and digest (the
    batch's own duplicates dropped), and the quarantine rows of the rest."""

    by_type: dict[str, dict[bytes, tuple[_Accepted, Item]]]
    rejects: list[Quarantine]
    duplicates: int


def _parsed(items: list[Item]) -> Parsed:
    copy_rows = connection.vendor == "postgresql"
    by_type: dict[str, dict[bytes, tuple[_Accepted, Item]]] = {}
    rejects: list[Quarantine] = []
    duplicates = 0
    latest = _LatestPlausible()
    for item in items:
        reason, accepted = _checked_record(item, copy_rows, latest)
        if reason is not None:
            rejects.append(_quarantine(item, reason))
            continue
        bucket = by_type.setdefault(item.log_type, {})
        if accepted.digest in bucket:
            duplicates += 1
        bucket[accepted.digest] = (accepted, item)
    return Parsed(by_type, rejects, duplicates)


def _store_once(parsed: Parsed) -> StoreResult:
    result = StoreResult(duplicates=parsed.duplicates)
    by_type, rejects = parsed.by_type, list(parsed.rejects)
    sources = {}
    for bucket in by_type.values():
        for accepted, item in bucket.values():
            sources.setdefault(accepted.gateway_id, item)
    gateways, refused = gateway_rows_ensure(sources)
    arrivals: list[Arrival] = []
    for log_type, bucket in by_type.items():
        rows = []
        # Items of one socket read share their arrival: counted per
        # (gateway pk, received at, transport), an Arrival built per key.
        arrived: Counter[tuple[int, float, str]] = Counter()
        # A batch holds few (gateway, source) pairs: each is judged once.
        verdicts: dict[tuple[str, str, str], tuple[int | None, str]] = {}
        for digest, (accepted, item) in bucket.items():
            key = (accepted.gateway_id, item.peer, item.transport)
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = _source_verdict(gateways, refused, *key)
            gateway_pk, reason = verdict
            if gateway_pk is None:
                rejects.append(_quarantine(item, reason))
                result.rejected += 1
                continue
            rows.append((accepted.row, gateway_pk, digest))
            arrived[gateway_pk, item.received_at, item.transport] += 1
        added = _insert_records(log_type, rows)
        result.per_gateway.update(pk for pk, _ in added)
        result.stored[log_type] += len(added)
        result.duplicates += len(rows) - len(added)
        _days_touched(log_type, added)
        arrivals += [Arrival(pk, log_type, received, transport, n)
                     for (pk, received, transport), n in arrived.items()]
    # Gateway health (SPEC §8): one statement per batch.
    record_arrivals(arrivals)
    if rejects:
        Quarantine.objects.bulk_create(rejects, ignore_conflicts=True, batch_size=200)
    result.quarantined = len(rejects)
    _counters_add(duplicates=result.duplicates, rejected=result.rejected)
    return result


class _LatestPlausible(dict):
    """The latest record time a message received at t may carry, per t: the
    items of one socket read share their arrival time, so once per batch."""

    def __missing__(self, received_at: float) -> datetime:
        value = self[received_at] = (
            datetime.fromtimestamp(float(received_at), tz=UTC)
            + timedelta(minutes=settings.SYSLOG_MAX_FUTURE_MINUTES))
        return value


def _source_verdict(gateways: dict[str, Gateway], refused: dict[str, str], gateway_id: str,
                    peer: str, transport: str) -> tuple[int | None, str]:
    """(gateway pk, "") for records this source may store for this gateway,
    else (None, the reason for the quarantine)."""
    gateway = gateways.get(gateway_id)
    if gateway is None:
        return None, refused[gateway_id]
    if transport != "file" and not gateway.source_allowed(peer):  # import_logs: the operator
        return None, f"source {peer} is not allowed for gateway {gateway.gateway_id}"
    return gateway.pk, ""


def _checked_record(item: Item, copy_rows: bool, latest: _LatestPlausible
                    ) -> tuple[str | None, _Accepted | None]:
    """(reason, None) for a record that must not be stored, else (None, accepted)."""
    if item.error:
        return item.error, None
    try:
        if copy_rows:
            # One pass from CSV to COPY text and digest (logformats.rows).
            row = logformats.parse_row(item.log_type, item.msg)
            accepted = _Accepted(row.gateway_id, row.at, row.digest, row)
        else:
            record = logformats.parse(item.log_type, item.msg)
            accepted = _Accepted(record.gateway_id, getattr(record, time_field(item.log_type)),
                             logformats.record_digest(item.log_type, record), record)
    except logformats.ParseError as exc:
        return str(exc), None
    at = accepted.at
    if at < EARLIEST_PLAUSIBLE or at > latest[item.received_at]:
        # A gateway whose clock reset writes 1970 or 2099: such a record would
        # hide in a month nobody looks at.
        return (f"implausible record time {at.isoformat()} (before 2000 or more than "
                f"{settings.SYSLOG_MAX_FUTURE_MINUTES} minutes after arrival)"), None
    return None, accepted


def gateway_rows_ensure(sources: dict[str, Item]) -> tuple[dict[str, Gateway], dict[str, str]]:
    """Gateway rows for these IDs (each with the item that named it first),
    creating unassigned ones on first sight within each source's hourly cap.
    Returns (rows by ID, refusal reason by ID)."""
    if not sources:
        return {}, {}
    found = {g.gateway_id: g for g in Gateway.objects.filter(gateway_id__in=sources.keys())}
    missing = [gid for gid in sources if gid not in found]
    refused: dict[str, str] = {}
    if missing:
        allowed, new = _within_new_gateway_cap(missing, sources, refused)
        if allowed:
            Gateway.objects.bulk_create([Gateway(gateway_id=gid) for gid in allowed],
                                        ignore_conflicts=True)
            found.update((g.gateway_id, g)
                         for g in Gateway.objects.filter(gateway_id__in=allowed))
            _counters_add(new_gateways=new)
    return found, refused


def _within_new_gateway_cap(missing: list[str], sources: dict[str, Item],
                            refused: dict[str, str]) -> tuple[list[str], int]:
    """SYSLOG_NEW_GATEWAYS_PER_HOUR per source: the open default (any gateway
    may start sending) without letting one sender create rows without end.
    Returns (IDs to create or read back, how many of them are new)."""
    cap = settings.SYSLOG_NEW_GATEWAYS_PER_HOUR
    by_peer: dict[str, list[str]] = {}
    for gid in missing:
        item = sources[gid]
        if item.transport == "file":  # the operator's own import
            by_peer.setdefault("", []).append(gid)
        else:
            by_peer.setdefault(str(item.peer), []).append(gid)
    allowed = by_peer.pop("", [])
    new = len(allowed)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for peer, gids in by_peer.items():
        quota, _ = NewGatewayQuota.objects.select_for_update().get_or_create(peer=peer[:255],
                                                                             hour=hour)
        # Another batch from this source may have created some of them while
        # this one waited for the quota row: those are not new and must not be
        # charged (concurrent workers each charged all of them, and the cap
        # then refused gateways that were never created, issue 9).
        meanwhile = set(Gateway.objects.filter(gateway_id__in=gids)
                        .values_list("gateway_id", flat=True))
        if meanwhile:
            allowed += [gid for gid in gids if gid in meanwhile]
            gids = [gid for gid in gids if gid not in meanwhile]
        room = max(cap - quota.created, 0)
        new += len(gids[:room])
        allowed += gids[:room]
        for gid in gids[room:]:
            refused[gid] = (f"source {peer} already created {cap} new gateways this hour "
                            "(SYSLOG_NEW_GATEWAYS_PER_HOUR)")
        if gids[:room]:
            NewGatewayQuota.objects.filter(pk=quota.pk).update(
                created=F("created") + len(gids[:room]))
    return allowed, new


def _days_touched(log_type: str, added: list[tuple[int, datetime]]) -> None:
    """Put the JST days of new records on the rollups' list (same transaction)."""
    days = {(pk, jst_date(at)) for pk, at in added}
    if not days:
        return
    now = datetime.now(UTC)
    if connection.vendor == "postgresql":
        # One statement with two array parameters: the ORM's bulk upsert built
        # a model object and five placeholders per day, several µs per record
        # when a batch spans many gateways and days (bench/store.py).
        pks, dates = zip(*sorted(days), strict=True)
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{TouchedDay._meta.db_table}" (source, gateway_pk, day, touched_at)'
                " SELECT %s, pk, day, %s FROM unnest(%s::bigint[], %s::date[]) AS t(pk, day)"
                " ON CONFLICT (source, gateway_pk, day)"
                " DO UPDATE SET touched_at = EXCLUDED.touched_at",
                [log_type, now, list(pks), list(dates)])
        return
    TouchedDay.objects.bulk_create(
        [TouchedDay(source=log_type, gateway_pk=pk, day=day, touched_at=now)
         for pk, day in sorted(days)],
        update_conflicts=True, unique_fields=["source", "gateway_pk", "day"],
        update_fields=["touched_at"])


def _insert_records(log_type: str, rows: list[tuple[object, int, bytes]]
                    ) -> list[tuple[int, datetime]]:
    """Insert rows whose digest is new; returns (gateway pk, record time) of each."""
    if not rows:
        return []
    model = LOG_MODELS[log_type]
    names = [f.name for f in dataclasses.fields(logformats.FORMATS[log_type].record_class)]
    if connection.vendor == "postgresql":
        # The gateway first, then the fields in the order of the Rows' COPY text.
        copy_names = ["gateway_id", *logformats.FORMATS[log_type].rows.copy_columns]
        return copy_insert(model._meta.db_table, copy_names, rows, time_field(log_type))
    return insert_new(model, tuple(names), [InsertRow._make(row) for row in rows],
                      time_field(log_type))


def _quarantine_only(items: list[Item], reason: str) -> StoreResult:
    Quarantine.objects.bulk_create([_quarantine(i, reason) for i in items],
                                   ignore_conflicts=True)
    return StoreResult(quarantined=len(items))


def readable(data: bytes) -> str:
    """Bytes as a person reads them: UTF-8 where valid, `\\xNN` for the rest
    (NUL included, which PostgreSQL text cannot hold). A preview only: the
    bytes themselves are in Quarantine.data."""
    text = data[: PREVIEW_CHARS * 4].decode("utf-8", errors="backslashreplace")
    text = _INVISIBLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def _quarantine(item: Item, reason: str) -> Quarantine:
    data = frame_bytes(item)
    length = item.length if item.length is not None else len(data)
    data = data[:KEEP_MAX]
    peer = shown(str(item.peer or ""), 255)
    key = b"\x00".join([data, peer.encode(), item.transport.encode(),
                        repr(item.received_at).encode()])
    return Quarantine(
        received_at=datetime.fromtimestamp(float(item.received_at), tz=UTC),
        peer=peer,
        transport=item.transport,
        log_type=item.log_type or "",
        reason=shown(reason, 2000),
        raw=readable(data),
        data=data,
        length=length if length > len(data) else None,
        digest=hashlib.blake2b(key, digest_size=16).digest(),
    )


def dead_letter_park(*, items: dict | list, reason: str) -> DeadLetter:
    """Keep a batch that could not be stored, for `dead_letters_replay`.

    Parked as a list of items whatever form it came in (a person may read
    it in the admin); a payload that cannot even be unpacked is kept as it is."""
    try:
        items = [list(i) for i in batch_items(items)]
    except (ValueError, KeyError, TypeError):
        items = items if isinstance(items, dict) else [list(i) for i in items]
    logger.error("parked a batch of %d items in the dead-letter store: %s", len(items), reason)
    return DeadLetter.objects.create(items=items, reason=shown(reason, 2000))


def dead_letters_replay() -> dict[str, int]:
    """Store every parked batch again; those that store are removed."""
    done = failed = 0
    for letter in DeadLetter.objects.order_by("created_at").iterator():
        try:
            store_batch(items=letter.items)
        except Exception as exc:  # still failing: keep it, count the attempt
            failed += 1
            DeadLetter.objects.filter(pk=letter.pk).update(
                attempts=F("attempts") + 1, reason=shown(f"{type(exc).__name__}: {exc}", 2000))
        else:
            done += 1
            letter.delete()
    return {"replayed": done, "still_failing": failed}


def _counters_add(**amounts: int) -> None:
    for name, n in amounts.items():
        if n and not IngestCounter.objects.filter(name=name).update(value=F("value") + n):
            IngestCounter.objects.get_or_create(name=name)
            IngestCounter.objects.filter(name=name).update(value=F("value") + n)
