"""Embedded mode (no Redis): the collector stores batches itself, from one thread."""
from __future__ import annotations

import asyncio
import socket
import time

import pytest

from ingest.collector import Batcher, Collector
from ingest.management.commands.collector import store_in_process
from ingest.models import Quarantine, SessionLog

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_stores_and_quarantines_in_process() -> None:
    async def scenario() -> None:
        collector = Collector(Batcher(store_in_process, batch_seconds=0.05, workers=1))
        bound = await collector.start(udp=("127.0.0.1", 0))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"<14>popchat-session: 2024/02/01 10:05:00,PCGOLD001,42", bound["udp"])
            s.sendto(b"<14>sshd: Accepted password", bound["udp"])
        deadline = time.monotonic() + 10
        while collector.counters["dispatched_items"] < 2:
            assert time.monotonic() < deadline, collector.counters.snapshot()
            await asyncio.sleep(0.02)
        await collector.stop()

    asyncio.run(scenario())
    assert list(SessionLog.objects.values_list("sessions", flat=True)) == [42]
    quarantined = Quarantine.objects.get()
    assert quarantined.reason == "unknown log type: app-name 'sshd'"
