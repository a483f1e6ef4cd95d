"""Batcher.add_many: one read's frames are batched exactly as one by one."""
from __future__ import annotations

import asyncio
import threading

import pytest

from ingest import batcher as batcher_module
from ingest.batcher import Batcher
from ingest.framing import Frame
from ingest.items import Item, make_item

FRAMES = [
    Frame(b"<14>popchat-session: 2024/02/01 10:00:00,GW,1"),
    Frame(b"<14>1 - gw popchat-auth - - - a,b\n"),
    Frame(b"garbage"),
    Frame(b"<14>" + b"x" * 40, oversize=True, length=70000),
    Frame(b"<14>popchat-nope: m"),
    Frame(b"<14>1 2024-02-01T10:00:00Z gw popchat-dhcp - - - d"),
    Frame(b"<14>Feb  1 10:00:00 gw popchat-mail: m"),
]


def batches_of(reads: list[list[Frame]], *, one_by_one: bool, **options) -> tuple[list, dict]:
    """The batches dispatched for these reads, and the counters after."""
    batches: list[list[Item]] = []

    async def scenario() -> None:
        batcher = Batcher(batches.append, workers=1, **options)
        for frames in reads:
            if one_by_one:
                for frame in frames:
                    batcher.add(frame, peer="192.0.2.1", transport="tcp", received_at=5.0)
            else:
                batcher.add_many(frames, peer="192.0.2.1", transport="tcp", received_at=5.0)
        await batcher.drain()
        batcher.close()
        batches.append(batcher.counters.snapshot())

    asyncio.run(scenario())
    return batches[:-1], batches[-1]


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 100])
def test_it_cuts_batches_where_they_fill_inside_a_read(batch_size: int) -> None:
    reads = [FRAMES, FRAMES[:2], [], FRAMES[3:]]
    batches, counters = batches_of(reads, one_by_one=False, batch_size=batch_size)
    assert (batches, counters) == batches_of(reads, one_by_one=True, batch_size=batch_size)
    every = [f for frames in reads for f in frames]
    assert [i for batch in batches for i in batch] == [
        make_item(f, peer="192.0.2.1", transport="tcp", received_at=5.0) for f in every]
    assert all(len(batch) == batch_size for batch in batches[:-1])
    assert (counters["received"], counters["oversize"], counters["envelope_errors"]) == (
        len(every), 2, 3)
    assert counters["dispatched_items"] == len(every)


@pytest.mark.parametrize(("limit", "reads", "sizes"), [
    (100, [FRAMES * 2], [4, 3, 4, 3]),  # each batch cut at the item reaching 100 bytes
    (79, [FRAMES[:2], FRAMES[:2]], [2, 2]),  # a read of exactly 79 bytes fills one
])
def test_it_cuts_batches_where_their_bytes_fill_inside_a_read(
        monkeypatch, limit: int, reads: list[list[Frame]], sizes: list[int]) -> None:
    monkeypatch.setattr(batcher_module, "BATCH_BYTES", limit)
    batches, _ = batches_of(reads, one_by_one=False)
    assert batches == batches_of(reads, one_by_one=True)[0]
    assert [len(b) for b in batches] == sizes


def test_it_sends_a_read_that_fills_no_batch_after_batch_seconds() -> None:
    batches: list[list[Item]] = []

    async def scenario() -> None:
        batcher = Batcher(batches.append, workers=1, batch_seconds=0.05)
        batcher.add_many(FRAMES[:2], peer="p", transport="tcp", received_at=1.0)
        batcher.add_many(FRAMES[5:], peer="p", transport="tcp", received_at=2.0)
        await asyncio.sleep(0.3)
        assert [len(b) for b in batches] == [4]
        batcher.close()

    asyncio.run(scenario())


def test_warm_prepares_every_dispatch_thread_once_and_a_failure_does_not_stop_dispatch():
    prepared: list[int] = []
    batches: list[list[Item]] = []

    def prepare() -> None:
        prepared.append(threading.get_ident())
        if len(prepared) == 1:
            raise ConnectionError("broker down")  # logged; the dispatches still run

    async def scenario() -> None:
        batcher = Batcher(batches.append, workers=3, batch_size=1)
        batcher.warm(prepare, timeout=10)
        batcher.add(FRAMES[0], peer="192.0.2.1", transport="tcp", received_at=5.0)
        await batcher.drain()
        batcher.close()

    asyncio.run(scenario())
    assert len(prepared) == 3 and len(set(prepared)) == 3
    assert [len(b) for b in batches] == [1]
