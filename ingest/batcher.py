"""The collector's synchronous core: items in, batches out to dispatch or spool.

The asyncio shell (`ingest.collector`) calls `Batcher.add_many` with the
framed messages of each read. Dispatch (to Celery, or straight to the store
in embedded mode) runs in a thread pool so the event loop never waits for the
broker or database; a batch that cannot be dispatched goes to the `Spool` and
is replayed later.
"""
from __future__ import annotations

import asyncio
import logging
import operator
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ingest.framing import DEFAULT_MAX_SIZE, Frame
from ingest.items import Item, make_item, quick_items
from ingest.metrics import Counters
from ingest.spool import Spool

logger = logging.getLogger(__name__)

Dispatch = Callable[[list[Item]], object]

# A batch is also sent when its items reach this many bytes: oversize frames
# travel whole (up to 1 MiB each) and must not make one broker message huge.
BATCH_BYTES = 8 * 1024 * 1024


class Batcher:
    """Collects items and dispatches them `batch_size` at a time, or
    `batch_seconds` after the first item of a batch arrived.

    `dispatch(items)` runs in a thread pool of `workers` threads; if it raises,
    the batch is spooled and later batches go straight to the spool until a
    replay succeeds (so a dead broker costs one timeout, not one per batch).

    `spool_first`: every batch goes to the spool, and only the replay calls
    `dispatch`. The embedded mode stores in-process, far slower than a fast
    sender: its backlog then waits on disk, where `kill -9` cannot take it,
    instead of in the thread pool's unbounded queue.
    """

    def __init__(self, dispatch: Dispatch, *, spool: Spool | None = None,
                 counters: Counters | None = None, batch_size: int = 2000,
                 batch_seconds: float = 0.5, max_size: int = DEFAULT_MAX_SIZE,
                 workers: int = 4, spool_first: bool = False) -> None:
        self.dispatch = dispatch
        self.spool = spool
        self.spool_first = spool_first and spool is not None
        self.counters = counters or Counters()
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.max_size = max_size
        self._workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch")
        self._items: list[Item] = []
        self._bytes = 0
        self._timer: asyncio.TimerHandle | None = None
        self._inflight: set[asyncio.Future] = set()
        self._broker_ok = True
        # Told the number of batches in flight whenever it changes (back-pressure).
        self.on_backlog: Callable[[int], None] | None = None
        self.stopping = False  # set on shutdown: a long replay ends after its batch

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def add(self, frame: Frame, *, peer: str, transport: str, received_at: float) -> None:
        """Queue one message (call from the event loop)."""
        self.add_many([frame], peer=peer, transport=transport, received_at=received_at)

    def add_many(self, frames: list[Frame], *, peer: str, transport: str,
                 received_at: float) -> None:
        """Queue the messages of one read (call from the event loop).

        At line rate the per-message work is the collector's cost (issue 9):
        `quick_items` reads the common frames of a read column by column,
        `make_item` each of the others, and the counters move once per read,
        before any of its batches is dispatched."""
        items = quick_items(frames, peer, transport, received_at)
        oversize = errors = 0
        if None in items:
            items = [item or make_item(frame, peer=peer, transport=transport,
                                       received_at=received_at, max_size=self.max_size)
                     for item, frame in zip(items, frames, strict=True)]
            for item, frame in zip(items, frames, strict=True):
                if item.error is not None:
                    if frame.oversize:
                        oversize += 1
                    else:
                        errors += 1
        size = sum(map(len, map(operator.attrgetter("data"), frames)))
        self._count(len(items), oversize, errors)
        if len(self._items) + len(items) < self.batch_size and \
                self._bytes + size < BATCH_BYTES:
            # Most reads fill no batch: then no item needs a check of its own.
            self._items += items
            self._bytes += size
            self._arm_timer()
        else:
            self._queue(items, frames)

    def _count(self, received: int, oversize: int, errors: int) -> None:
        self.counters.inc("received", received)
        if oversize:
            self.counters.inc("oversize", oversize)
        if errors:
            self.counters.inc("envelope_errors", errors)

    def _queue(self, items: list[Item], frames: list[Frame]) -> None:
        queued = self._items
        for item, frame in zip(items, frames, strict=True):
            queued.append(item)
            self._bytes += len(frame.data)
            if len(queued) >= self.batch_size or self._bytes >= BATCH_BYTES:
                self.flush()
                queued = self._items
        self._arm_timer()

    def _arm_timer(self) -> None:
        """A batch still filling is sent `batch_seconds` after its first item."""
        if self._items and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.batch_seconds, self.flush)

    def flush(self) -> None:
        """Dispatch whatever is queued, off the event loop."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._items:
            return
        items, self._items, self._bytes = self._items, [], 0
        if self.spool_first:
            # Written before anything more is read: a batch handed over is on
            # disk, so `kill -9` costs at most the batch being filled. (One
            # fsync per batch on the loop; the embedded mode's rate allows it.)
            self._spool(items)
            return
        self._track(self._executor.submit(self._dispatch_or_spool, items))

    def warm(self, prepare: Callable[[], None], timeout: float = 5.0) -> None:
        """Run `prepare` once in each dispatch thread now (each opens its own
        broker connection), without waiting for it: until every thread has
        run it, batches queue behind it. A `prepare` that fails is only
        logged; the dispatch that follows meets the same trouble and spools."""
        ready = threading.Barrier(self._workers)

        def run() -> None:
            try:
                prepare()
            except Exception as exc:
                logger.info("dispatch thread not prepared (%s)", exc)
            try:
                ready.wait(timeout)  # holds this thread: the next submit starts another
            except threading.BrokenBarrierError:
                pass

        for _ in range(self._workers):
            self._executor.submit(run)

    async def drain(self) -> None:
        """Flush the partial batch and wait for every dispatch in flight."""
        self.flush()
        while self._inflight:
            await asyncio.gather(*list(self._inflight))

    async def replay_spool(self) -> int:
        """Replay spooled batches (oldest first) in the dispatch pool."""
        if self.spool is None:
            return 0
        fut = self._track(self._executor.submit(self._replay))
        return await fut

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _track(self, cfut) -> asyncio.Future:
        fut = asyncio.wrap_future(cfut)
        self._inflight.add(fut)
        fut.add_done_callback(self._done)
        self._report_backlog()
        return fut

    def _done(self, fut: asyncio.Future) -> None:
        self._inflight.discard(fut)
        self._report_backlog()

    def _report_backlog(self) -> None:
        if self.on_backlog is not None:
            self.on_backlog(len(self._inflight))

    def _dispatch_or_spool(self, items: list[Item]) -> None:
        if (self._broker_ok and not self.spool_first) or self.spool is None:
            try:
                self.dispatch(items)
            except Exception as exc:
                logger.warning("dispatch of %d items failed (%s); spooling", len(items), exc)
                self._broker_ok = False
            else:
                self.counters.inc("batches")
                self.counters.inc("dispatched_items", len(items))
                return
        self._spool(items)

    def _spool(self, items: list[Item]) -> None:
        if self.spool is None:
            logger.error("no spool configured: %d items lost", len(items))
            self.counters.inc("lost_items", len(items))
            return
        try:
            self.spool.write(items)
        except OSError as exc:
            logger.error("could not spool %d items (%s): they are lost", len(items), exc)
            self.counters.inc("lost_items", len(items))
            return
        self.counters.inc("spooled_batches")

    def _replay(self) -> int:
        assert self.spool is not None

        def replay_one(items: list[list]) -> None:
            self.dispatch(items)
            self._broker_ok = True
            self.counters.inc("replayed_batches")
            self.counters.inc("dispatched_items", len(items))

        done = self.spool.replay(replay_one, stop=lambda: self.stopping)
        if not self.spool.pending():
            self._broker_ok = True
        return done
