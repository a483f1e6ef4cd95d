"""Writes batches of syslog items into the log tables.

An ITEM (`ingest.items.Item`) is what the collector hands over. Good records
are stored once (digest unique); everything else goes to the quarantine with
its reason and its bytes as they arrived. One bad message never costs its
batch-mates: those the parsers or checks refuse are set aside one by one, and
if the database still refuses the batch for its data (not for a lost
connection, which the task retries), the batch is split until the one
offending record is isolated and quarantined.

On PostgreSQL a packed batch is read column by column (`ingest.columns`,
`_store_columns`): its common records pass every check as whole columns and
reach the COPY without a Python object each; the others take the item path
(`_parsed`, `_store_once`), which is also the only path on SQLite and for
batches that are plain lists of items. Both store exactly the same.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import repeat
from typing import NamedTuple

from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F

import logformats
from accounts.models import Gateway
from alerts.health import Arrival, record_arrivals
from ingest.columns import Block, ColumnBatch, duplicated
from ingest.framing import KEEP_MAX
from ingest.items import Item, frame_bytes, shown
from ingest.payload import batch_items
from ingest.postgres_copy import copy_insert, copy_line
from ingest.sqlite_insert import InsertRow, insert_new
from logformats.fields import JST_DAY, format_timestamp, jst_date, jst_day_date
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
_EARLIEST_JST_TEXT = format_timestamp(EARLIEST_PLAUSIBLE)  # orders as the times do
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
    if isinstance(items, dict) and connection.vendor == "postgresql":
        # The hot path: the batch by column (ingest.columns). Parsed before
        # the transaction, as _store_isolating does.
        batch = ColumnBatch(items)
        try:
            with transaction.atomic():
                return _store_columns(batch)
        except REFUSED_DATA:
            pass  # the database refused a record: the item path isolates it
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


class _Columns(NamedTuple):
    """A block of records that passed every check, with each one's gateway pk."""

    block: Block
    gateway_pks: list[int]


def _store_columns(batch: ColumnBatch) -> StoreResult:
    """`_store_once` of a packed batch whose lane records come by column: the
    same rows, quarantine and counts as item by item (tests/ingest/
    test_columns.py compares them). A record any check refuses leaves its
    block for the item path, which words the reason."""
    for log_type, block in list(batch.blocks.items()):
        implausible = _plausible_mask(block)
        if implausible is not None:
            batch.set_aside(log_type, implausible)
            block = batch.blocks[log_type]
        if len(set(block.digests)) != len(block.digests):
            # The same record twice in one batch: the item path keeps the last.
            twice = duplicated(block.digests)
            batch.set_aside(log_type, [d not in twice for d in block.digests])
    # Each (gateway, source) pair once, in batch order: the first names a new
    # gateway's source for its hourly cap, as in _store_once.
    keys = {log_type: dict.fromkeys(block.sources()) for log_type, block in batch.blocks.items()}
    sources: dict[str, Item] = {}
    for log_type_keys in keys.values():
        for gateway_id, peer, transport in log_type_keys:
            sources.setdefault(gateway_id, Item(None, "", peer, transport, 0.0))
    gateways, refused = gateway_rows_ensure(sources)
    columns: dict[str, _Columns] = {}
    for log_type, block in list(batch.blocks.items()):
        verdicts = {key: _source_verdict(gateways, refused, *key)[0] for key in keys[log_type]}
        if None in verdicts.values():
            batch.set_aside(log_type, [verdicts[key] is not None for key in block.sources()])
            block = batch.blocks[log_type]
        if block.places:
            columns[log_type] = _Columns(block, list(map(verdicts.__getitem__, block.sources())))
    parsed = _parsed(batch.rest_items())
    for log_type, bucket in parsed.by_type.items():
        if log_type in columns and bucket:
            # The same record spelled otherwise in a block: one is a duplicate.
            in_block = set(columns[log_type].block.digests)
            for digest in [d for d in bucket if d in in_block]:
                del bucket[digest]
                parsed.duplicates += 1
    return _store_once(parsed, columns)


def _plausible_mask(block: Block) -> list[bool] | None:
    """None when every record time of the block is plausible (see
    _checked_record), else which are. The times are canonical JST text, which
    orders as the times do; a record time is whole seconds, so the latest
    plausible time cut to seconds draws the same line."""
    times = block.times
    if (min(times) >= _EARLIEST_JST_TEXT
            and max(times) <= format_timestamp(_latest_plausible(min(block.received)))):
        return None
    latest = {received: format_timestamp(_latest_plausible(received))
              for received in set(block.received)}
    return [_EARLIEST_JST_TEXT <= at <= latest[received]
            for at, received in zip(times, block.received, strict=True)]


def _store_once(parsed: Parsed, columns: dict[str, _Columns] | None = None) -> StoreResult:
    result = StoreResult(duplicates=parsed.duplicates)
    by_type, rejects = parsed.by_type, list(parsed.rejects)
    columns = columns or {}
    sources = {}
    for bucket in by_type.values():
        for accepted, item in bucket.values():
            sources.setdefault(accepted.gateway_id, item)
    gateways, refused = gateway_rows_ensure(sources)
    arrivals: list[Arrival] = []
    for log_type in dict.fromkeys([*by_type, *columns]):
        bucket = by_type.get(log_type, {})
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
        checked = columns.get(log_type)
        if checked is not None:
            arrived.update(zip(checked.gateway_pks, checked.block.received,
                               checked.block.transports, strict=True))
        added = _insert_records(log_type, rows, checked)
        result.per_gateway.update(added.gateway_pks)
        result.stored[log_type] += len(added.gateway_pks)
        result.duplicates += (len(rows) + (len(checked.gateway_pks) if checked else 0)
                              - len(added.gateway_pks))
        _days_touched(log_type, added.days)
        arrivals += [Arrival(pk, log_type, received, transport, n)
                     for (pk, received, transport), n in arrived.items()]
    # Gateway health (SPEC §8): one statement per batch.
    record_arrivals(arrivals)
    if rejects:
        Quarantine.objects.bulk_create(rejects, ignore_conflicts=True, batch_size=200)
    result.quarantined = len(rejects)
    _counters_add(duplicates=result.duplicates, rejected=result.rejected)
    return result


def _latest_plausible(received_at: float) -> datetime:
    """The latest record time a message received at that time may carry."""
    return (datetime.fromtimestamp(float(received_at), tz=UTC)
            + timedelta(minutes=settings.SYSLOG_MAX_FUTURE_MINUTES))


class _LatestPlausible(dict):
    """_latest_plausible per arrival time: the items of one socket read share
    their arrival time, so once per batch."""

    def __missing__(self, received_at: float) -> datetime:
        value = self[received_at] = _latest_plausible(received_at)
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


def _days_touched(log_type: str, days: set[tuple[int, date]]) -> None:
    """Put these (gateway pk, JST day)s of new records on the rollups' list (same transaction)."""
    if not days:
        return
    now = datetime.now(UTC)
    if connection.vendor == "postgresql":
        # One statement with two array parameters: the ORM's bulk upsert built
        # a model object and five placeholders per day, several µs per record
        # when a batch spans many gateways and days (bench/store.py). Each
        # array goes as the text of its literal, one join: psycopg adapts a
        # list value by value, 0.3 µs per record of such a batch.
        pks, dates = zip(*sorted(days), strict=True)
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{TouchedDay._meta.db_table}" (source, gateway_pk, day, touched_at)'
                " SELECT %s, pk, day, %s FROM unnest(%s::bigint[], %s::date[]) AS t(pk, day)"
                " ON CONFLICT (source, gateway_pk, day)"
                " DO UPDATE SET touched_at = EXCLUDED.touched_at",
                [log_type, now, _array_text(map(str, pks)),
                 _array_text(map(date.isoformat, dates))])
        return
    TouchedDay.objects.bulk_create(
        [TouchedDay(source=log_type, gateway_pk=pk, day=day, touched_at=now)
         for pk, day in sorted(days)],
        update_conflicts=True, unique_fields=["source", "gateway_pk", "day"],
        update_fields=["touched_at"])


def _array_text(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of values that need no quoting (numbers, ISO dates)."""
    return "{" + ",".join(values) + "}"


class _Added(NamedTuple):
    """What one log type's insert added: each new record's gateway pk, and
    the (gateway pk, JST day)s they fall on."""

    gateway_pks: list[int]
    days: set[tuple[int, date]]


def _added(pairs: list[tuple[int, datetime]]) -> _Added:
    return _Added([pk for pk, _ in pairs], {(pk, jst_date(at)) for pk, at in pairs})


def _block_days(columns: _Columns) -> set[tuple[int, date]]:
    days = set(zip(columns.gateway_pks,
                   map(operator.getitem, columns.block.times, repeat(JST_DAY)), strict=True))
    return {(pk, jst_day_date(day)) for pk, day in days}


def _insert_records(log_type: str, rows: list[tuple[object, int, bytes]],
                    columns: _Columns | None = None) -> _Added:
    """Insert the rows and the block whose digest is new; says what was added."""
    if not rows and columns is None:
        return _Added([], set())
    model = LOG_MODELS[log_type]
    if connection.vendor == "postgresql":
        # The gateway first, then the fields in the order of the Rows' COPY text.
        copy_names = ["gateway_id", *logformats.FORMATS[log_type].rows.copy_columns]
        data = "".join([copy_line(pk, row.copy, digest.hex()) for row, pk, digest in rows])
        if columns is not None:
            data += "".join(map(copy_line, columns.gateway_pks, columns.block.copies,
                                map(bytes.hex, columns.block.digests)))
        returned = copy_insert(model._meta.db_table, copy_names, data, time_field(log_type))
        if returned is not None:  # some were already stored
            return _added(returned)
        added = _added([(pk, row.at) for row, pk, _ in rows])
        if columns is not None:
            added.gateway_pks.extend(columns.gateway_pks)
            added.days.update(_block_days(columns))
        return added
    names = [f.name for f in dataclasses.fields(logformats.FORMATS[log_type].record_class)]
    return _added(insert_new(model, tuple(names), [InsertRow._make(row) for row in rows],
                             time_field(log_type)))


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
