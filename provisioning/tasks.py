"""Celery tasks: thin interfaces over provisioning.services."""
import time

from celery import shared_task


@shared_task(bind=True, max_retries=None, acks_late=True)
def push_run(self, record_id: int) -> None:
    """Carry out one queued push; transient failures come back with backoff
    (services.push_attempt decides how long and when to give up)."""
    from provisioning.services import push_attempt  # imported here to avoid import cycles

    retries = self.request.retries
    while (delay := push_attempt(record_id=record_id, retries=retries)) is not None:
        if not self.request.is_eager:
            raise self.retry(countdown=delay)
        # In-process mode (no broker) cannot hold a retry for later, and Celery's
        # eager retry re-raises under EAGER_PROPAGATES: wait and try again here.
        time.sleep(delay)
        retries += 1


@shared_task
def pending_sweep() -> int:
    """Beat job: close provisioning rows a lost worker left 処理中."""
    from provisioning.services import pending_sweep as sweep

    return sweep()
