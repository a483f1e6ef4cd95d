"""A packed batch (`ingest.payload`) read column by column: the PostgreSQL
hot path of `ingest.services` (issue 9).

Reading a batch item by item costs Python statements per message: an `Item`,
a `Row`, a dict entry, a verdict lookup, an f-string. Here each column of the
batch (messages, peers, arrival times, then the records' gateway IDs, times,
digests and COPY texts from `RowPlan.lane_rows`) is one list built by C-level
passes, and a batch's checks (plausible times, duplicates, allowed sources)
run on whole columns. What the lane does not take, or a check refuses, leaves
the columns as an `Item` (`ColumnBatch.item`) for the item-by-item path, which
words every error: the two paths store exactly the same rows.

Pure (no Django).
"""
from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import accumulate, chain, compress, repeat
from typing import NamedTuple

import logformats
from ingest.items import Item
from ingest.payload import VERSION

# A payload run is [log_type, peer, transport, received_at, count].
_PEER, _TRANSPORT, _RECEIVED = (operator.itemgetter(i) for i in (1, 2, 3))


class Block(NamedTuple):
    """The lane's records of one log type, one entry per record in each list."""

    log_type: str
    places: list[int]  # each record's place in the batch (`ColumnBatch.item`)
    gateway_ids: list[str]
    peers: list[str]
    transports: list[str]
    received: list[float]
    times: list[str]  # canonical JST text: YYYY/MM/DD HH:MM:SS
    digests: list[bytes]
    copies: list[str]  # logformats.Row.copy

    def sources(self) -> Iterator[tuple[str, str, str]]:
        """Each record's (gateway ID, peer, transport): what a source verdict judges."""
        return zip(self.gateway_ids, self.peers, self.transports, strict=True)

    def keep(self, mask: list[bool]) -> tuple[Block, list[int]]:
        """(this block with only the records `mask` keeps, the batch places of the others)."""
        dropped = list(compress(self.places, map(operator.not_, mask)))
        return Block(self.log_type, *(list(compress(col, mask)) for col in self[1:])), dropped


class ColumnBatch:
    """One packed batch: its lane-readable records as a `Block` per log type,
    and the batch places of every other item (`rest`)."""

    def __init__(self, payload: dict) -> None:
        if payload.get("v") != VERSION:
            raise ValueError(f"unknown batch payload version {payload.get('v')!r}")
        self._text = text = payload["text"]
        sizes = payload["sizes"]
        runs = payload["runs"]
        counts = [run[4] for run in runs]
        # Each good item is head, msg, tail back to back in `text`.
        self._offsets = offsets = list(accumulate(sizes, initial=0))
        if offsets[-1] != len(text) or len(sizes) != 3 * sum(counts):
            raise ValueError("batch payload sizes do not match its text")
        self._msgs = list(map(text.__getitem__, map(slice, offsets[1::3], offsets[2::3])))
        self._runs = runs
        self._run_of = list(chain.from_iterable(map(repeat, range(len(runs)), counts)))
        # The odd items (errors, bytes, cut frames) sit between the good ones.
        self._odd = {index: Item(*fields) for index, *fields in payload["odd"]}
        self._good_places = [i for i in range(len(self._msgs) + len(self._odd))
                             if i not in self._odd] if self._odd else None
        self.rest: list[int] = sorted(self._odd)
        self.blocks: dict[str, Block] = {}
        for log_type, positions in _by_log_type(runs, counts).items():
            self._read(log_type, positions)

    def _places(self, good: Iterable[int]) -> list[int]:
        """The batch places of these good items (odd items sit between them)."""
        if self._good_places is None:
            return list(good)
        return list(map(self._good_places.__getitem__, good))

    def _read(self, log_type: str, positions: list[int]) -> None:
        msgs = self._msgs if len(positions) == len(self._msgs) else [
            self._msgs[k] for k in positions]
        plan = logformats.FORMATS[log_type].rows if log_type in logformats.FORMATS else None
        if plan is None:
            self.rest += self._places(positions)
            return
        lane = plan.lane_rows(msgs)
        taken = list(compress(positions, lane.taken))
        self.rest += self._places(compress(positions, map(operator.not_, lane.taken)))
        if not taken:
            return
        runs = list(map(self._runs.__getitem__, map(self._run_of.__getitem__, taken)))
        self.blocks[log_type] = Block(
            log_type, self._places(taken), lane.gateway_ids,
            list(map(_PEER, runs)), list(map(_TRANSPORT, runs)), list(map(_RECEIVED, runs)),
            lane.times, lane.digests, lane.copies)

    def set_aside(self, log_type: str, mask: list[bool]) -> None:
        """Move the records of that block that `mask` refuses to `rest`."""
        block, dropped = self.blocks[log_type].keep(mask)
        self.blocks[log_type] = block
        self.rest += dropped

    def item(self, place: int) -> Item:
        """The Item at this place of the batch, as `payload.unpack_batch` gives it."""
        odd = self._odd.get(place)
        if odd is not None:
            return odd
        k = place - sum(1 for i in self._odd if i < place)
        log_type, peer, transport, received_at, _ = self._runs[self._run_of[k]]
        head, msg, tail = (self._text[a:b] for a, b in zip(self._offsets[3 * k:3 * k + 3],
                                                           self._offsets[3 * k + 1:3 * k + 4],
                                                           strict=True))
        return Item(log_type, msg, peer, transport, received_at, None, head, tail)

    def rest_items(self) -> list[Item]:
        """The items the blocks do not hold, in batch order."""
        return [self.item(place) for place in sorted(self.rest)]


def _by_log_type(runs: list[list], counts: list[int]) -> dict[str, list[int]]:
    """The good items' positions (among the good items) of each log type."""
    positions: dict[str, list[int]] = {}
    start = 0
    for run, count in zip(runs, counts, strict=True):
        positions.setdefault(run[0], []).extend(range(start, start + count))
        start += count
    return positions


def duplicated(values: Iterable) -> set:
    """The values that occur more than once."""
    return {value for value, n in Counter(values).items() if n > 1}
