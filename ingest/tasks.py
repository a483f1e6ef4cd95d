"""Celery tasks are interfaces: a JSON batch in, a service call out."""
from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=10,
    acks_late=True,
)
def store_batch(items: list[list]) -> dict:
    """Store one collector batch. Safe to retry: records are keyed by digest."""
    from ingest.services import store_batch as store  # avoids an import cycle at start-up

    result = store(items=items)
    return {"stored": dict(result.stored), "quarantined": result.quarantined}
