"""Celery tasks are interfaces: a JSON batch in, a service call out.

The ingest batch is one packed payload (`ingest.payload`, columns instead of
a list per message: it halves the broker's encode and decode cost per
message, issue 9), sent in its own serializer (`BROKER_SERIALIZER`: the text
as bytes after the JSON); a list of items in JSON, as older collectors queued,
is accepted too.

`store_batch` never drops a batch. A connection-level database error (an
outage, a failover, a backend killed mid-COPY) is retried for as long as it
lasts, with the countdown capped at RETRY_BACKOFF_MAX; any other error is
retried a few times and then the batch is parked in `DeadLetter`, which
`dead_letters_replay` retries every few minutes. Data errors never get here:
the service isolates the offending record into the quarantine.
"""
from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import Reject, Retry
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from ingest.payload import BROKER_SERIALIZER

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
UNEXPECTED_RETRIES = 5


def retry_countdown(retries: int) -> float:
    """1, 2, 4 … seconds, capped (the broker's visibility timeout must exceed the cap)."""
    return float(min(2 ** min(retries, 16), settings.CELERY_TASK_RETRY_BACKOFF_MAX))


@shared_task(bind=True, acks_late=True, max_retries=None, serializer=BROKER_SERIALIZER)
def store_batch(self, items: dict | list[list]) -> dict:
    """Store one collector batch. Safe to retry: records are keyed by digest."""
    from ingest.services import store_batch as store  # avoids an import cycle at start-up

    try:
        result = store(items=items)
    except TRANSIENT as exc:
        # The connection may be broken: let the next try open a fresh one.
        close_old_connections()
        logger.warning("store_batch: database unavailable (%s); retry %d",
                       exc, self.request.retries + 1)
        _retry_or_requeue(self, exc)
    except Exception as exc:
        close_old_connections()
        if self.request.retries < UNEXPECTED_RETRIES:
            _retry_or_requeue(self, exc)
        from ingest.services import dead_letter_park

        letter = dead_letter_park(items=items, reason=f"{type(exc).__name__}: {exc}")
        return {"dead_letter": len(letter.items)}
    return {"stored": dict(result.stored), "quarantined": result.quarantined}


def _retry_or_requeue(task, exc: Exception) -> None:
    countdown = retry_countdown(task.request.retries)
    if task.request.is_eager:
        # In-process (embedded mode, tests): there is no broker to hold the
        # countdown, so wait here.
        import time

        time.sleep(countdown)
    try:
        raise task.retry(exc=exc, countdown=countdown)
    except Retry:
        raise
    except Exception as publish_error:
        if task.request.is_eager:
            raise
        # The retry could not be published (broker gone too): hand the
        # message back instead of failing it.
        raise Reject(publish_error, requeue=True) from exc


@shared_task(acks_late=True)
def dead_letters_replay() -> dict:
    """Retry every parked batch; beat runs this every few minutes."""
    from ingest.services import dead_letters_replay as replay

    return replay()


@shared_task(acks_late=True)
def ensure_partitions() -> list[str]:
    """Create this and next JST month's log partitions; beat runs this hourly."""
    from ingest.partitions import ensure_partitions as ensure

    return ensure()


@shared_task(acks_late=True)
def purge_logs() -> dict:
    """Delete records older than LOG_RETENTION_MONTHS; beat runs this daily."""
    from ingest.retention import logs_purge

    plan = logs_purge()
    return {"cutoff": plan.cutoff.isoformat(), "records": plan.records,
            "partitions": plan.partitions}
