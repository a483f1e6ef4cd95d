"""Log retention (LOG_RETENTION_MONTHS): records of JST months older than the
window are deleted, with their rollups and touched days.

The window is the current JST month and the LOG_RETENTION_MONTHS − 1 before
it (13 keeps this month and the same month a year ago). The tables are not
partitioned yet, so a month goes by DELETE in bounded batches, each its own
short transaction walking the primary key, which keeps locks and WAL bursts
small while the collector keeps writing; with monthly partitions this
becomes a DROP of the partition. Days inside the window are not touched, so
their dashboard answers stay exactly what they were.
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from ingest.models import LOG_MODELS, TouchedDay, time_field
from portal.models import DailyFact, RollupDay
from portal.periods import Month, day_start

DELETE_BATCH = 10_000


class PurgePlan(NamedTuple):
    """What `logs_purge` deletes (or, in a dry run, would delete)."""

    cutoff: date  # first JST day kept
    records: dict[str, int]  # per log type
    daily_facts: int
    rollup_days: int
    touched_days: int


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
    records = {}
    for log_type, model in LOG_MODELS.items():
        old = model.objects.filter(**{f"{time_field(log_type)}__lt": before})
        records[log_type] = old.count() if dry_run else _delete_in_batches(old)
    derived = (DailyFact.objects.filter(day__lt=cutoff),
               RollupDay.objects.filter(day__lt=cutoff),
               TouchedDay.objects.filter(day__lt=cutoff))
    if dry_run:
        counts = [qs.count() for qs in derived]
    else:
        counts = [_delete_in_batches(qs) for qs in derived]
    return PurgePlan(cutoff, records, *counts)


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
