"""What the collector hands to storage: one ITEM per message, JSON-ready.

Pure (no Django, no asyncio). An `Item` travels as a JSON list through the
broker and the spool, so its fields only ever grow at the end; batches queued
by an older collector (six fields) still read correctly.

The whole frame must reach the quarantine losslessly (SPEC §2), yet a good
message should not travel twice. So a good item carries the frame's text
around its MSG (`head`, `tail`: frame == head + msg + tail), and a bad one
carries the frame bytes themselves in base64 (`frame_b64`).
"""
from __future__ import annotations

import base64
import operator
import re
from itertools import repeat
from typing import NamedTuple

from ingest.framing import DEFAULT_MAX_SIZE, Frame
from ingest.syslog import (
    EnvelopeError,
    log_type_for,
    parse_envelope,
    quick_envelope,
    quick_envelopes,
)

# Control characters (NUL first: PostgreSQL text cannot hold it) are shown as
# escapes wherever sender-controlled text goes into a reason.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEPARATORS = "\r\n\x00"
_new = tuple.__new__
_DATA, _OVERSIZE, _INCOMPLETE = map(operator.attrgetter, ("data", "oversize", "incomplete"))


class Item(NamedTuple):
    """One message. `error` set means the collector already knows it is bad."""

    log_type: str | None
    msg: str
    peer: str
    transport: str
    received_at: float
    error: str | None = None
    head: str = ""
    tail: str = ""
    frame_b64: str | None = None
    length: int | None = None  # the frame's original length when it was cut


def item_from(value: list | tuple) -> Item:
    """An Item from its JSON list (any length from 6 up)."""
    return value if isinstance(value, Item) else Item(*value)


def frame_bytes(item: Item) -> bytes:
    """The message's bytes as they arrived (or as much as was kept)."""
    if item.frame_b64 is not None:
        return base64.b64decode(item.frame_b64)
    return (item.head + item.msg + item.tail).encode("utf-8", "surrogateescape")


def shown(text: str | None, limit: int = 80) -> str:
    """Sender text fit for a reason: control characters escaped, length capped."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")
    return text if len(text) <= limit else text[:limit] + "…"


def make_item(frame: Frame, *, peer: str, transport: str, received_at: float,
              max_size: int = DEFAULT_MAX_SIZE) -> Item:
    """Read one frame's envelope: a good Item, or one carrying its error."""
    item = quick_item(frame, peer, transport, received_at)
    if item is None:
        item = envelope_item(frame, peer=peer, transport=transport, received_at=received_at,
                             max_size=max_size)
    return item


def quick_item(frame: Frame, peer: str, transport: str, received_at: float) -> Item | None:
    """The fast lane (issue 9): the good Item of a common well-formed frame,
    equal to `envelope_item`'s; None when only `envelope_item` can tell."""
    if frame.oversize or frame.incomplete:
        return None
    try:
        text = frame.data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = quick_envelope(text)
    if found is None:
        return None
    log_type, msg = found
    if not msg or "\x00" in msg:
        return None  # an error, or a MSG that travels as bytes: envelope_item words it
    body = text.rstrip(_SEPARATORS)
    # tuple.__new__ is what Item._make does: half the cost of Item(...), once per message.
    return _new(Item, (log_type, msg, peer, transport, received_at, None,
                       body[: len(body) - len(msg)], text[len(body) :], None, None))


def quick_items(frames: list[Frame], peer: str, transport: str, received_at: float
                ) -> list[Item | None]:
    """`quick_item` of every frame of one read, column by column (issue 9,
    `quick_envelopes`). Each entry is the Item `quick_item` gives for that
    frame, or None where only `make_item` can tell."""
    if not frames:
        return []
    if any(map(_OVERSIZE, frames)) or any(map(_INCOMPLETE, frames)):
        return [None] * len(frames)
    try:
        texts = list(map(bytes.decode, map(_DATA, frames)))
    except UnicodeDecodeError:
        return [quick_item(frame, peer, transport, received_at) for frame in frames]
    found = quick_envelopes(texts)
    if found is None or not all(found[1]) or "\x00" in "".join(found[1]):
        # Another shape, an error, or a MSG that travels as bytes: frame by frame.
        return [quick_item(frame, peer, transport, received_at) for frame in frames]
    log_types, msgs = found
    bodies = list(map(str.rstrip, texts, repeat(_SEPARATORS)))
    heads = map(operator.getitem, bodies, map(slice, repeat(None), map(
        operator.sub, map(len, bodies), map(len, msgs))))
    tails = map(operator.getitem, texts, map(slice, map(len, bodies), repeat(None)))
    # tuple.__new__ is what Item._make does (see quick_item).
    return list(map(_new, repeat(Item), zip(
        log_types, msgs, repeat(peer), repeat(transport), repeat(received_at), repeat(None),
        heads, tails, repeat(None), repeat(None), strict=False)))


def envelope_item(frame: Frame, *, peer: str, transport: str, received_at: float,
                  max_size: int = DEFAULT_MAX_SIZE) -> Item:
    """The reference reading of a frame (`parse_envelope`): every error worded."""
    if frame.oversize:
        error = f"message larger than {max_size} bytes"
    elif frame.incomplete:
        error = "connection closed inside an octet-counted frame"
    else:
        try:
            env = parse_envelope(frame.data)
        except EnvelopeError as exc:
            error = f"bad syslog envelope: {exc.reason}"
        else:
            log_type = log_type_for(env)
            if log_type is None:
                error = f"unknown log type: app-name '{shown(env.app_name)}'"
                if env.app_name == "popchat":
                    error += f" msgid '{shown(env.msgid)}'"
            elif "\x00" in env.msg:
                error = "message contains a NUL byte"
            else:
                return _good_item(frame, log_type, env.msg, peer, transport, received_at)
    return bad_item(frame.data, peer=peer, transport=transport, received_at=received_at,
                    error=error, length=frame.length)


def bad_item(data: bytes, *, peer: str, transport: str, received_at: float, error: str,
             log_type: str | None = None, length: int | None = None) -> Item:
    """An item bound for the quarantine, its bytes carried verbatim."""
    return Item(log_type, "", peer, transport, received_at, error,
                frame_b64=base64.b64encode(data).decode("ascii"),
                length=length if length is not None and length > len(data) else None)


def _good_item(frame: Frame, log_type: str, msg: str, peer: str, transport: str,
               received_at: float) -> Item:
    # parse_envelope decoded everything after <PRI> as UTF-8, so the frame is text.
    text = frame.data.decode("utf-8")
    body = text.rstrip(_SEPARATORS)
    if msg and body.endswith(msg):
        head, tail = body[: len(body) - len(msg)], text[len(body) :]
        return Item(log_type, msg, peer, transport, received_at, None, head, tail)
    # MSG was reshaped beyond trimming (an empty MSG): carry the bytes instead.
    return Item(log_type, msg, peer, transport, received_at, None,
                frame_b64=base64.b64encode(frame.data).decode("ascii"))
