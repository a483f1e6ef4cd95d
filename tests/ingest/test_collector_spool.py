"""The spool: batches the broker refused are kept on disk and replayed."""
from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

from ingest.collector import Batcher, Collector
from ingest.spool import Spool

ITEM = ["auth", "a,b", "192.0.2.1", "udp", 1.0, None]


class Sink:
    """Stands in for the broker; `failing` makes it refuse like a dead Redis."""

    def __init__(self) -> None:
        self.batches: list[list[list]] = []
        self.calls = 0
        self.failing = False

    def __call__(self, items: list[list]) -> None:
        self.calls += 1
        if self.failing:
            raise ConnectionError("broker down")
        self.batches.append(json.loads(json.dumps(items)))

    @property
    def items(self) -> list[list]:
        return [item for batch in self.batches for item in batch]


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def test_spool_replays_oldest_first_and_deletes_only_after_success(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for n in range(3):
        spool.write([[*ITEM[:1], str(n), *ITEM[2:]]])
    assert len(spool.pending()) == 3
    assert not list(spool.directory.glob(".*.tmp"))
    seen: list[str] = []

    def flaky(items: list[list]) -> None:
        if len(seen) == 2:
            raise ConnectionError("broker down")
        seen.append(items[0][1])

    assert spool.replay(flaky) == 2
    assert seen == ["0", "1"]
    assert len(spool.pending()) == 1
    assert spool.replay(lambda items: seen.append(items[0][1])) == 1
    assert seen == ["0", "1", "2"] and spool.pending() == []


def test_spool_sets_aside_a_corrupt_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    (tmp_path / "00000000000000000001-1-000000.json").write_text("{not json")
    spool.write([ITEM])
    got: list[list] = []
    assert spool.replay(got.extend) == 1
    assert got == [ITEM]
    assert [p.name for p in tmp_path.iterdir()] == ["00000000000000000001-1-000000.bad"]


def test_it_spools_while_the_broker_is_down_and_replays_when_it_is_back(tmp_path: Path) -> None:
    sink = Sink()
    sink.failing = True
    spool = Spool(tmp_path)

    async def scenario() -> None:
        batcher = Batcher(sink, spool=spool, batch_size=2, batch_seconds=0.02)
        collector = Collector(batcher, spool_retry_seconds=0.05)
        bound = await collector.start(udp=("127.0.0.1", 0))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for n in range(5):
                sock.sendto(b"<14>popchat-auth: %d" % n, bound["udp"])
        await wait_until(lambda: collector.counters["spooled_batches"] == 3)
        files = spool.pending()
        assert len(files) == 3
        spooled = [item for f in files for item in json.loads(f.read_text())]
        assert sorted(i[1] for i in spooled) == ["0", "1", "2", "3", "4"]
        calls = sink.calls
        await asyncio.sleep(0.2)
        # Later batches skip the dead broker; only the replayer probes it.
        assert sink.calls - calls <= 5

        sink.failing = False
        await wait_until(lambda: spool.pending() == [])
        assert sorted(i[1] for i in sink.items) == ["0", "1", "2", "3", "4"]
        assert collector.counters["replayed_batches"] == 3
        assert collector.counters["dispatched_items"] == 5
        assert collector.counters["batches"] == 0
        # Back to normal: new batches go straight to the broker.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"<14>popchat-auth: 5", bound["udp"])
        await wait_until(lambda: collector.counters["batches"] == 1)
        await collector.stop()
        assert spool.pending() == []

    asyncio.run(scenario())


def test_it_replays_the_spool_at_start_up(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.write([ITEM])
    spool.write([ITEM, ITEM])
    sink = Sink()

    async def scenario() -> None:
        collector = Collector(Batcher(sink, spool=spool), spool_retry_seconds=60)
        await collector.start()
        await wait_until(lambda: spool.pending() == [])
        await collector.stop()

    asyncio.run(scenario())
    assert sink.batches == [[ITEM], [ITEM, ITEM]]


def test_it_spools_the_last_batch_when_stopping_with_the_broker_down(tmp_path: Path) -> None:
    sink = Sink()
    sink.failing = True
    spool = Spool(tmp_path)

    async def scenario() -> None:
        collector = Collector(Batcher(sink, spool=spool, batch_seconds=60),
                              spool_retry_seconds=60)
        bound = await collector.start(tcp=("127.0.0.1", 0))
        with socket.create_connection(bound["tcp"]) as sock:
            sock.sendall(b"<14>popchat-auth: a\n<14>popchat-auth: b")
            await wait_until(lambda: collector.counters["received"] == 1)
            await collector.stop()

    asyncio.run(scenario())
    (path,) = spool.pending()
    assert [i[1] for i in json.loads(path.read_text())] == ["a", "b"]
