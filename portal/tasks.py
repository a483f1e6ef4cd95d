"""Celery interface to the rollups: beat runs it every minute."""
from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_rollups() -> dict:
    from portal.rollups import rollups_refresh  # imported here to avoid import cycles

    return rollups_refresh()
