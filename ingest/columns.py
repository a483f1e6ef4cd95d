"""A packed batch (`ingest.payload`) read column by column: the PostgreSQL
hot path of `ingest.services` (issue 9).

Reading a batch item by item costs Python statements per message: an `Item`,
a `Row`, a dict entry, a verdict lookup, an f-string. Here each column of the
batch (messages, peers, arrival times, then the records' gateway IDs, times,
digests and COPY texts from `RowPlan.lane_rows`) is one list built by C-level
passes, and a batch's checks (plausible times, duplicates, allowed sources)
run on whole columns. What the lane does not take, or a check refuses, leaves
the columns as an `Item` (`ColumnBatch.rest_items`) for the item-by-item
path, which words every error: the two paths store exactly the same rows.

Pure (no Django).
"""
from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import compress
from typing import NamedTuple

import logformats
from ingest.items import Item
from ingest.payload import Packed


class Block(NamedTuple):
    """The lane's records of one log type, one entry per record in each list."""

    log_type: str
    places: list[int]  # each record's place in the batch
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
        self._packed = packed = Packed(payload)
        self._msgs = packed.parts(1)
        self._places = packed.places()  # of the good items
        self._peers, self._transports, self._received = map(packed.run_field, (1, 2, 3))
        self.rest: list[int] = sorted(packed.odd)
        self.blocks: dict[str, Block] = {}
        for log_type, positions in _by_log_type(packed.runs).items():
            self._read(log_type, positions)

    def _read(self, log_type: str, positions: list[int]) -> None:
        """Read the good items at these positions (all of this log type)."""
        msgs = self._msgs if len(positions) == len(self._msgs) else [
            self._msgs[k] for k in positions]
        place = self._places.__getitem__
        plan = logformats.FORMATS[log_type].rows if log_type in logformats.FORMATS else None
        if plan is None:
            self.rest += map(place, positions)
            return
        lane = plan.lane_rows(msgs)
        taken = list(compress(positions, lane.taken))
        self.rest += map(place, compress(positions, map(operator.not_, lane.taken)))
        if not taken:
            return
        self.blocks[log_type] = Block(
            log_type, list(map(place, taken)), lane.gateway_ids,
            *(list(map(column.__getitem__, taken))
              for column in (self._peers, self._transports, self._received)),
            lane.times, lane.digests, lane.copies)

    def set_aside(self, log_type: str, mask: list[bool]) -> None:
        """Move the records of that block that `mask` refuses to `rest`."""
        block, dropped = self.blocks[log_type].keep(mask)
        self.blocks[log_type] = block
        self.rest += dropped

    def rest_items(self) -> list[Item]:
        """The items the blocks do not hold, in batch order."""
        if not self.rest:
            return []
        items = self._packed.items()
        return [items[place] for place in sorted(self.rest)]


def _by_log_type(runs: list[list]) -> dict[str, list[int]]:
    """The good items' positions (among the good items) of each log type."""
    positions: dict[str, list[int]] = {}
    start = 0
    for run in runs:
        count = run[4]
        positions.setdefault(run[0], []).extend(range(start, start + count))
        start += count
    return positions


def duplicated(values: Iterable) -> set:
    """The values that occur more than once."""
    return {value for value, n in Counter(values).items() if n > 1}
