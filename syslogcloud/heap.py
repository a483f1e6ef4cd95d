"""Garbage-collector settings for the long-running ingest processes.

The collector and the workers allocate millions of short-lived objects a
minute (frames, items, column strings) and hold a large, unchanging heap
(Django, Celery, the format tables). With CPython's defaults a young
collection runs every 700 net allocations and every tenth of those scans the
older generation, heap included: about a tenth of parse time on the ingest
path (issue 9). Freezing the start-up heap takes it out of every scan, and a
larger young generation makes collections rarer; reference counting still
frees nearly everything at once, the collector only finds cycles.
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Call once start-up is over, before the hot loop begins."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
