"""Reads about ingest health, for `ingest_status` and `/metrics`."""
from pathlib import Path

from django.conf import settings
from django.db.models import Sum

from .models import LOG_MODELS, IngestCounter, Quarantine
from .spool import free_bytes


def ingest_status() -> dict:
    """Records kept per type (unassigned included), quarantined, unassigned."""
    stored = {t: m.objects.count() for t, m in LOG_MODELS.items()}
    unassigned = sum(
        m.objects.filter(gateway__account__isnull=True).count() for m in LOG_MODELS.values()
    )
    counters = dict(IngestCounter.objects.values_list("name", "value"))
    return {
        "stored": stored,
        "quarantined": Quarantine.objects.count(),
        "unassigned": unassigned,
        "duplicates": counters.get("duplicates", 0),
        "rejected": counters.get("rejected", 0),
        # Unassigned gateways created on first sight (SYSLOG_NEW_GATEWAYS_PER_HOUR caps them).
        "new_gateways": counters.get("new_gateways", 0),
        "spool": spool_status(),
    }


def spool_status() -> dict:
    """The collector's spool on this host: batches waiting, free space, and
    whether that space is below SYSLOG_SPOOL_MIN_FREE_MB."""
    directory = Path(settings.SYSLOG_SPOOL_DIR)
    if not directory.is_dir():
        return {"files": 0, "free_bytes": None, "low_space": False}
    free = free_bytes(directory)
    return {"files": len(list(directory.glob("*.json"))), "free_bytes": free,
            "low_space": free < settings.SYSLOG_SPOOL_MIN_FREE_MB * 1024 * 1024}


def counter_total() -> int:
    return IngestCounter.objects.aggregate(n=Sum("value"))["n"] or 0
