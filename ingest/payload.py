"""One collector batch as one compact payload for the broker.

The first format was a JSON list of items, each a list of ten values: the
broker message then costs the collector about 5 µs per message to encode and
the worker more to decode (issue 9). A batch is instead packed by columns:

    {"v": 2,
     "runs":  [[log_type, peer, transport, received_at, count], ...],
     "sizes": [head, msg, tail, head, msg, tail, ...],   # lengths in characters
     "text":  "<head msg tail of every item, back to back>",
     "odd":   [[index, *item], ...]}

Consecutive items sharing log type, peer, transport and arrival time (one
socket read) share a run; a good item adds three numbers and its text. Items
bound for the quarantine (an error, bytes in base64, a cut frame) are rare and
keep their list form in `odd`, with their place in the batch. The payload is
plain JSON data (the spool, DeadLetter, any Celery serializer).

On the broker it travels as `message_dumps` writes it (the Celery serializer
BROKER_SERIALIZER): JSON for everything but the text and the sizes, which
follow as UTF-8 and as 32-bit integers. JSON-escaping a batch's megabyte of
text and 15,000 sizes, then parsing them back, cost 0.9 µs per message of
the collector's and the worker's CPU; these bytes cost about a tenth of that.

`batch_items` reads both forms: batches queued in Redis, spooled on disk or
parked in DeadLetter by an older collector are plain lists of items.
Pure (no Django, no asyncio; kombu's JSON only).
"""
from __future__ import annotations

import operator
import sys
from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate, chain, compress, groupby, repeat

from kombu.utils.json import dumps as json_dumps
from kombu.utils.json import loads as json_loads

from ingest.items import Item, item_from

VERSION = 2
# The Celery serializer of store_batch messages (registered by syslogcloud.celery).
BROKER_SERIALIZER = "syslog-batch"
BROKER_CONTENT_TYPE = "application/x-syslogcloud-batch"
_MAGIC = b"SCB1"
_SIZE = "I"  # the sizes as unsigned 32-bit integers, little-endian on the wire
assert array(_SIZE).itemsize == 4


def pack_batch(items: Iterable[Item | Sequence]) -> dict:
    """The payload of one batch (see the module docstring), built column by
    column: one C-level pass per field instead of Python statements per item
    (issue 9)."""
    items = [item if type(item) is Item else item_from(item) for item in items]
    if not items:
        return {"v": VERSION, "runs": [], "sizes": [], "text": "", "odd": []}
    (log_types, msgs, peers, transports, received, errors, heads, tails, frames_b64,
     lengths) = zip(*items, strict=True)
    count = len(items)
    odd: list[list] = []
    if errors.count(None) + frames_b64.count(None) + lengths.count(None) != 3 * count:
        # Bound for the quarantine (an error, bytes in base64, a cut frame): rare.
        is_odd = [item.error is not None or item.frame_b64 is not None
                  or item.length is not None for item in items]
        odd = [[index, *item] for index, item in enumerate(items) if is_odd[index]]
        good = list(map(operator.not_, is_odd))
        log_types, msgs, peers, transports, received, heads, tails = (
            list(compress(column, good))
            for column in (log_types, msgs, peers, transports, received, heads, tails))
    runs = [[*key, len(list(run))]
            for key, run in groupby(zip(log_types, peers, transports, received, strict=True))]
    sizes = list(chain.from_iterable(zip(map(len, heads), map(len, msgs), map(len, tails),
                                         strict=True)))
    text = "".join(chain.from_iterable(zip(heads, msgs, tails, strict=True)))
    return {"v": VERSION, "runs": runs, "sizes": sizes, "text": text, "odd": odd}


class Packed:
    """A packed payload, read and checked once: where each good item's head,
    MSG and tail lie in `text`, which run holds it (`good` counts them), and
    the odd items by their place in the batch. `unpack_batch` and the column
    path (`ingest.columns`) both read a payload through it, one C-level pass
    per field."""

    def __init__(self, payload: dict) -> None:
        if payload.get("v") != VERSION:
            raise ValueError(f"unknown batch payload version {payload.get('v')!r}")
        self.text, sizes, self.runs = payload["text"], payload["sizes"], payload["runs"]
        counts = [run[4] for run in self.runs]
        # Good item k is text[offsets[3k]:offsets[3k+3]]: head, MSG, tail.
        self.offsets = list(accumulate(sizes, initial=0))
        if self.offsets[-1] != len(self.text) or len(sizes) != 3 * sum(counts):
            raise ValueError("batch payload sizes do not match its text")
        self.good = sum(counts)
        self.odd = {index: Item(*fields) for index, *fields in payload["odd"]}

    def parts(self, part: int) -> list[str]:
        """Every good item's head (0), MSG (1) or tail (2), in order."""
        offsets = self.offsets
        return list(map(self.text.__getitem__,
                        map(slice, offsets[part::3], offsets[part + 1::3])))

    def run_field(self, field: int) -> list:
        """Every good item's log type (0), peer (1), transport (2) or arrival (3)."""
        return list(chain.from_iterable(repeat(run[field], run[4]) for run in self.runs))

    def places(self) -> list[int]:
        """Every good item's place in the batch (the odd items sit between them)."""
        count = self.good + len(self.odd)
        if not self.odd:
            return list(range(count))
        return [place for place in range(count) if place not in self.odd]

    def items(self) -> list[Item]:
        """Every item, in batch order."""
        # tuple.__new__ is what Item._make does, without a Python call per item.
        items = list(map(tuple.__new__, repeat(Item), zip(
            self.run_field(0), self.parts(1), self.run_field(1), self.run_field(2),
            self.run_field(3), repeat(None), self.parts(0), self.parts(2), repeat(None),
            repeat(None), strict=False)))
        for index in sorted(self.odd):  # ascending: each lands where it was
            items.insert(index, self.odd[index])
        return items


def unpack_batch(payload: dict) -> list[Item]:
    """The items of a packed batch, in their original order."""
    return Packed(payload).items()


def message_dumps(body: Sequence) -> bytes:
    """A Celery message body (args, kwargs, embed) as bytes: JSON, except
    that the text and the sizes of each packed payload among the args follow
    the JSON as raw bytes (the module docstring says why)."""
    args, *rest = body
    args = list(args)
    tails: list[bytes] = []
    for index, arg in enumerate(args):
        if isinstance(arg, dict) and arg.get("v") == VERSION and "text" in arg:
            sizes = array(_SIZE, arg["sizes"])
            if sys.byteorder == "big":
                sizes.byteswap()
            text = arg["text"].encode("utf-8", "surrogatepass")  # any str comes back
            args[index] = {**arg, "text": len(text), "sizes": len(sizes)}
            tails += [sizes.tobytes(), text]
    # kombu's JSON, as Celery's own serializer: the rest of the body reads the same.
    head = json_dumps([args, *rest]).encode()
    return b"".join([_MAGIC, len(head).to_bytes(4, "big"), head, *tails])


def message_loads(data: bytes) -> list:
    """The body `message_dumps` wrote."""
    data = memoryview(data)
    if len(data) < 8 or bytes(data[:4]) != _MAGIC:
        raise ValueError("not a syslog-batch message")
    end = 8 + int.from_bytes(data[4:8], "big")
    args, *rest = json_loads(bytes(data[8:end]))
    for arg in args:
        if isinstance(arg, dict) and arg.get("v") == VERSION and type(arg.get("text")) is int:
            sizes_end = end + 4 * arg["sizes"]
            text_end = sizes_end + arg["text"]
            if text_end > len(data):
                raise ValueError("syslog-batch message shorter than its header says")
            sizes = array(_SIZE)
            sizes.frombytes(data[end:sizes_end])
            if sys.byteorder == "big":
                sizes.byteswap()
            arg["sizes"] = sizes.tolist()
            arg["text"] = str(data[sizes_end:text_end], "utf-8", "surrogatepass")
            end = text_end
    if end != len(data):
        raise ValueError("syslog-batch message longer than its header says")
    return [args, *rest]


def batch_items(batch: dict | Sequence) -> list[Item]:
    """The items of a batch in either form: a packed payload or a list of items."""
    if isinstance(batch, dict):
        return unpack_batch(batch)
    return [item_from(i) for i in batch]


def batch_size(batch: dict | Sequence) -> int:
    """How many items a batch holds, without unpacking it."""
    if isinstance(batch, dict):
        return sum(run[4] for run in batch["runs"]) + len(batch["odd"])
    return len(batch)
