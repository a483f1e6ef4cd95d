"""Celery entry points of the audit app."""
from celery import shared_task


@shared_task
def purge_history() -> dict[str, int]:
    """Drop history rows older than the retention window (beat: daily)."""
    from audit.services import history_purge

    return history_purge()
