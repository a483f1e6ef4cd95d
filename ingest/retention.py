"""Log retention (LOG_RETENTION_MONTHS): records of JST months older than the
window are deleted, with their rollups and touched days.

The window is the current JST month and the LOG_RETENTION_MONTHS − 1 before
it (13 keeps this month and the same month a year ago). On PostgreSQL the
tables are partitioned by month (ingest.partitions): an old month's partition
is detached and dropped whole. What is left before the window — rows in the
DEFAULT partition, or every old row on SQLite's plain tables — goes by DELETE
in bounded batches, each its own short transaction walking the primary key,
which keeps locks and WAL bursts small while the collector keeps writing.
Days inside the window are not touched, so their dashboard answers stay
exactly what they were.
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from ingest.models import LOG_MODELS, TouchedDay, time_field
from ingest.partitions import drop_partitions_before, ensure_partitions
from portal.models import DailyFact, RollupDay
from portal.periods import Month, day_start

DELETE_BATCH = 10_000


class PurgePlan(NamedTuple):
    """What `logs_purge` deletes (or, in a dry run, would delete)."""

    cutoff: date  # first JST day kept
    records: dict[str, int]  # per log type, dropped partitions' rows included
    daily_facts: int
    rollup_days: int
    touched_days: int
    partitions: list[str]  # monthly partitions dropped whole (PostgreSQL)


def retention_cutoff(*, months: int, today: Month | None = None) -> date:
    """The first day of the oldest JST month kept."""
    if months < 1:
        raise ValueError("LOG_RETENTION_MONTHS must be at least 1")
    current = today or Month.current()
    index = current.year * 12 + current.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def logs_purge(*, dry_run: bool = False, months: int | None = None,
               today: Month | None = None) -> PurgePlan:
    """Delete (or count, with dry_run) everything dated before the window."""
    cutoff = retention_cutoff(months=months or settings.LOG_RETENTION_MONTHS, today=today)
    before = day_start(cutoff)  # 00:00 JST of the first kept day, in UTC
    # The months ahead are made sure of first: a purge run by hand also
    # leaves the partitions the next records need.
    if not dry_run:
        ensure_partitions()
    dropped = drop_partitions_before(Month.of(cutoff), dry_run=dry_run)
    records = {}
    for log_type, model in LOG_MODELS.items():
        old = model.objects.filter(**{f"{time_field(log_type)}__lt": before})
        if dry_run:  # the partitions that would go are still there to count
            records[log_type] = old.count()
        else:  # only DEFAULT (or SQLite's plain table) still holds old rows
            whole = sum(p.rows for p in dropped.get(log_type, []))
            records[log_type] = whole + _delete_in_batches(old)
    derived = (DailyFact.objects.filter(day__lt=cutoff),
               RollupDay.objects.filter(day__lt=cutoff),
               TouchedDay.objects.filter(day__lt=cutoff))
    if dry_run:
        counts = [qs.count() for qs in derived]
    else:
        counts = [_delete_in_batches(qs) for qs in derived]
    names = [p.name for partitions in dropped.values() for p in partitions]
    return PurgePlan(cutoff, records, *counts, names)


def _delete_in_batches(qs) -> int:
    """DELETE in primary-key order, DELETE_BATCH rows per transaction."""
    deleted, last = 0, 0
    while True:
        ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
                   [:DELETE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            # _raw_delete: one DELETE … WHERE id IN (…), no per-row signals or
            # cascades (nothing references log records or rollups).
            deleted += qs.model.objects.filter(pk__in=ids)._raw_delete(qs.db)
        last = ids[-1]
