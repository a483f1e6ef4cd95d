"""Writes batches of syslog items into the log tables.

An ITEM is what the collector hands over, JSON-serialisable:
``[log_type or None, msg_text, peer, transport, received_epoch, error or None]``.
Good records are stored once (digest unique), everything else goes to the
quarantine with its reason; one bad line never costs its batch-mates.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import F

import logformats
from accounts.models import Gateway
from alerts.health import Arrival, record_arrivals

from .models import LOG_MODELS, IngestCounter, Quarantine

Item = list  # [log_type, msg, peer, transport, received_epoch, error]


@dataclass
class StoreResult:
    """What one batch did; import_logs and the benchmarks print it."""

    stored: Counter = field(default_factory=Counter)
    duplicates: int = 0
    quarantined: int = 0
    rejected: int = 0

    def merge(self, other: StoreResult) -> None:
        self.stored.update(other.stored)
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.rejected += other.rejected


def store_batch(*, items: list[Item]) -> StoreResult:
    """Parse, dedupe and bulk-write one batch in a single transaction."""
    result = StoreResult()
    by_type: dict[str, dict[bytes, tuple[object, Item]]] = {}
    rejects: list[Quarantine] = []
    for item in items:
        log_type, msg, _peer, _transport, _received, error = item
        if error:
            rejects.append(_quarantine(item, error))
            continue
        try:
            record = logformats.parse(log_type, msg)
        except logformats.ParseError as exc:
            rejects.append(_quarantine(item, str(exc)))
            continue
        digest = logformats.record_digest(log_type, record)
        bucket = by_type.setdefault(log_type, {})
        if digest in bucket:
            result.duplicates += 1
        bucket[digest] = (record, item)

    gateways = gateway_rows_ensure(
        {rec.gateway_id for bucket in by_type.values() for rec, _ in bucket.values()}
    )
    arrivals: list[Arrival] = []
    with transaction.atomic():
        for log_type, bucket in by_type.items():
            rows = []
            for digest, (record, item) in bucket.items():
                gateway = gateways[record.gateway_id]
                peer, transport = item[2], item[3]
                if transport != "file" and not gateway.source_allowed(peer):
                    reason = f"source {peer} is not allowed for gateway {gateway.gateway_id}"
                    rejects.append(_quarantine(item, reason))
                    result.rejected += 1
                    continue
                rows.append((record, gateway.pk, digest))
                arrivals.append(Arrival(gateway.pk, log_type, item[4], transport))
            inserted = _insert_records(log_type, rows)
            result.stored[log_type] += inserted
            result.duplicates += len(rows) - inserted
        record_arrivals(arrivals)  # gateway health (SPEC §8): one statement per batch
        if rejects:
            Quarantine.objects.bulk_create(rejects, ignore_conflicts=True, batch_size=500)
        result.quarantined = len(rejects)
        _counters_add(duplicates=result.duplicates, rejected=result.rejected)
    return result


def gateway_rows_ensure(gateway_ids: set[str]) -> dict[str, Gateway]:
    """Gateway rows for these IDs, creating unassigned ones on first sight."""
    if not gateway_ids:
        return {}
    found = {g.gateway_id: g for g in Gateway.objects.filter(gateway_id__in=gateway_ids)}
    missing = gateway_ids - found.keys()
    if missing:
        Gateway.objects.bulk_create(
            [Gateway(gateway_id=gid) for gid in missing], ignore_conflicts=True
        )
        found.update(
            (g.gateway_id, g) for g in Gateway.objects.filter(gateway_id__in=missing)
        )
    return found


def _insert_records(log_type: str, rows: list[tuple[object, int, bytes]]) -> int:
    """Insert rows whose digest is new; returns how many were new."""
    if not rows:
        return 0
    model = LOG_MODELS[log_type]
    names = [f.name for f in dataclasses.fields(logformats.FORMATS[log_type].record_class)]
    if connection.vendor == "postgresql":
        return _copy_insert(model._meta.db_table, names, rows)
    digests = [d for _, _, d in rows]
    existing: set[bytes] = set()
    for i in range(0, len(digests), 500):
        chunk = digests[i : i + 500]
        found = model.objects.filter(digest__in=chunk).values_list("digest", flat=True)
        existing.update(bytes(d) for d in found)
    objs = []
    for record, gateway_pk, digest in rows:
        if digest in existing:
            continue
        values = {n: getattr(record, n) for n in names}
        values["gateway_id"] = gateway_pk
        objs.append(model(digest=digest, **values))
    model.objects.bulk_create(objs, ignore_conflicts=True, batch_size=500)
    return len(objs)


def _copy_insert(table: str, names: list[str], rows: list[tuple[object, int, bytes]]) -> int:
    """The hot path on PostgreSQL: COPY into a per-connection staging table,
    then one INSERT … ON CONFLICT DO NOTHING. Far faster than ORM inserts,
    and the conflict clause makes retries and re-deliveries no-ops."""
    stage = f"stage_{table}"
    cols = ", ".join(f'"{n}"' for n in [*names, "digest"])
    gw = names.index("gateway_id")
    with connection.cursor() as cur:
        cur.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" '
            f'AS SELECT {cols} FROM "{table}" WITH NO DATA'
        )
        with cur.copy(f'COPY "{stage}" ({cols}) FROM STDIN') as copy:
            for record, gateway_pk, digest in rows:
                values = [getattr(record, n) for n in names]
                values[gw] = gateway_pk
                values.append(digest)
                copy.write_row(values)
        cur.execute(
            f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{stage}" '
            "ON CONFLICT (digest) DO NOTHING"
        )
        inserted = cur.rowcount
        cur.execute(f'DELETE FROM "{stage}"')
    return inserted


def _quarantine(item: Item, reason: str) -> Quarantine:
    log_type, msg, peer, transport, received, _error = item
    raw = msg if isinstance(msg, str) else repr(msg)
    key = f"{raw}\x00{peer}\x00{transport}\x00{received!r}".encode("utf-8", "backslashreplace")
    return Quarantine(
        received_at=datetime.fromtimestamp(float(received), tz=UTC),
        peer=str(peer or "")[:255],
        transport=transport,
        log_type=log_type or "",
        reason=reason,
        raw=raw,
        digest=hashlib.blake2b(key, digest_size=16).digest(),
    )


def _counters_add(**amounts: int) -> None:
    for name, n in amounts.items():
        if n and not IngestCounter.objects.filter(name=name).update(value=F("value") + n):
            IngestCounter.objects.get_or_create(name=name)
            IngestCounter.objects.filter(name=name).update(value=F("value") + n)
