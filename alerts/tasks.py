"""Celery interfaces: beat runs `evaluate_alerts` every minute; each queued
notice is its own task so one slow webhook does not hold up the others."""
from celery import shared_task


@shared_task
def evaluate_alerts() -> dict:
    from .evaluate import alerts_evaluate

    return alerts_evaluate()._asdict()


@shared_task(acks_late=True)
def deliver_notice(delivery_id: int) -> None:
    from .notify import delivery_send

    delivery_send(delivery_id=delivery_id)
