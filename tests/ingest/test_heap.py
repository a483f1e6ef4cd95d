"""The ingest processes settle their heap once started (syslogcloud.heap):
start-up objects frozen out of every collection, young collections rarer.
Checked in child processes, so the test process keeps its own GC settings."""
import subprocess
import sys

import pytest

from syslogcloud.heap import YOUNG_THRESHOLD

CHILD = """
import gc, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syslogcloud.settings")
import django
django.setup()
from celery import signals
import syslogcloud.celery  # connects the worker signals
before = gc.get_threshold()[0], gc.get_freeze_count()
getattr(signals, sys.argv[1]).send(sender=None)
print(*before, gc.get_threshold()[0], gc.get_freeze_count())
"""


@pytest.mark.parametrize("signal", ["worker_process_init", "worker_ready"])
def test_a_worker_settles_its_heap_when_it_starts(signal):
    out = subprocess.run([sys.executable, "-c", CHILD, signal], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    threshold_before, frozen_before, threshold, frozen = map(int, out)
    assert threshold_before != YOUNG_THRESHOLD and frozen_before == 0  # CPython's defaults
    assert threshold == YOUNG_THRESHOLD
    assert frozen > 10_000  # Django, Celery and the format tables
