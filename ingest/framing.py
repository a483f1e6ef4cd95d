"""Splitting transport bytes into syslog messages (RFC 6587 for TCP).

Pure and synchronous: the asyncio protocols feed bytes in and get `Frame`s
out, so every framing rule is testable without sockets.
"""
from __future__ import annotations

import re
from typing import NamedTuple

DEFAULT_MAX_SIZE = 65536
# An oversize message is still kept for the quarantine (SPEC §2): verbatim up
# to this many bytes, beyond that cut with its original length recorded.
KEEP_MAX = 1024 * 1024

# Octet-counting: MSG-LEN is a non-zero-digit-led number and one space.
_OCTET_COUNT = re.compile(rb"([1-9]\d{0,9}) ")
_DIGITS = re.compile(rb"\d{1,10}")
_TERMINATOR = re.compile(rb"[\n\x00]")
_SEPARATORS = b"\r\n\x00"
_new = tuple.__new__  # what Frame._make does, at half the cost of Frame(...)


class Frame(NamedTuple):
    """One message's bytes. `oversize`: over the size limit (then `data` holds
    up to KEEP_MAX bytes of it and `length` its full length); `incomplete`:
    the connection closed before the octet count was satisfied.

    A NamedTuple rather than a frozen dataclass: one is built per message, at
    half the cost (issue 9)."""

    data: bytes
    oversize: bool = False
    incomplete: bool = False
    length: int | None = None  # the original length when `data` was cut

    @property
    def cut(self) -> bool:
        return self.length is not None and self.length > len(self.data)


def _oversize(data: bytes | bytearray, length: int, keep: int = KEEP_MAX, *,
              incomplete: bool = False) -> Frame:
    return Frame(bytes(data[:keep]), oversize=True, incomplete=incomplete, length=length)


def datagram_frame(data: bytes, max_size: int = DEFAULT_MAX_SIZE, keep: int = KEEP_MAX
                   ) -> Frame | None:
    """A UDP datagram is one message; trailing NUL/LF (SysLogHandler, some
    relays) are dropped. None for an empty datagram."""
    data = data.rstrip(_SEPARATORS)
    if not data:
        return None
    if len(data) > max_size:
        return _oversize(data, len(data), keep)
    return Frame(data)


class TcpFramer:
    """Incremental framer for one TCP connection.

    A frame that starts with a digit is octet-counted (`<len> <msg>`); anything
    else ends at LF or NUL (CRLF allowed). Both may be mixed on one connection.
    A message over `max_size` comes out flagged, with up to KEEP_MAX of its
    bytes and its full length; the rest of it is skipped so the next message
    is read correctly.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE, keep: int = KEEP_MAX) -> None:
        self.max_size = max_size
        self.keep = max(keep, max_size)
        self._buf = bytearray()
        self._count: int | None = None  # declared length of the current octet frame
        self._skip = 0  # bytes still to drop after an oversize octet frame
        self._discard_line = False  # dropping the tail of an oversize LF frame
        self._held: bytes = b""  # the kept head of that oversize LF frame
        self._held_length = 0  # its length so far
        self._scanned = 0  # bytes of _buf already searched for a terminator

    def feed(self, data: bytes) -> list[Frame]:
        """Consume bytes; return the messages they complete."""
        self._buf += data
        frames: list[Frame] = []
        while self._step(frames):
            pass
        return frames

    def flush(self) -> list[Frame]:
        """At connection close: the unterminated last message, if any."""
        buf, count = bytes(self._buf), self._count
        self._buf.clear()
        if self._discard_line:
            held, length = self._held, self._held_length + len(buf.rstrip(_SEPARATORS))
            self._discard_line, self._held, self._held_length = False, b"", 0
            self._scanned = 0
            return [_oversize(held, length, self.keep)]
        self._count, self._skip, self._scanned = None, 0, 0
        if count is not None:
            if count > self.max_size:
                return [_oversize(buf, count, self.keep, incomplete=True)]
            return [Frame(buf, incomplete=True)] if buf else []
        buf = buf.strip(_SEPARATORS)
        if not buf:
            return []
        if len(buf) > self.max_size:
            return [_oversize(buf, len(buf), self.keep)]
        return [Frame(buf)]

    def _step(self, frames: list[Frame]) -> bool:
        """Make one unit of progress; False when more input is needed."""
        buf = self._buf
        if self._skip:
            n = min(self._skip, len(buf))
            del buf[:n]
            self._skip -= n
            return bool(buf)
        if self._discard_line:
            m = _TERMINATOR.search(buf)
            if m is None:
                # A CR at the end of a read may be the first half of CRLF,
                # which the length must not count: judged with the next read.
                counted = len(buf) - (1 if buf.endswith(b"\r") else 0)
                self._held_length += counted
                del buf[:counted]
                return False
            tail = bytes(buf[: m.start()])
            self._held_length += len(tail) - (1 if tail.endswith(b"\r") else 0)
            del buf[: m.end()]
            frames.append(_oversize(self._held, self._held_length, self.keep))
            self._discard_line, self._held, self._held_length = False, b"", 0
            return True
        if self._count is not None:
            return self._take_counted(frames)
        # Between frames: drop stray separators (CRLF after a counted frame, NUL).
        i = 0
        while i < len(buf) and buf[i] in _SEPARATORS:
            i += 1
        if i:
            del buf[:i]
            self._scanned = 0
        if not buf:
            return False
        if buf[0:1].isdigit() and self._scanned == 0:
            if self._take_counted_run(frames):
                return True
            if m := _OCTET_COUNT.match(buf):
                self._count = int(m.group(1))
                del buf[: m.end()]
                return True
            if _DIGITS.fullmatch(buf) and len(buf) <= 10:
                return False  # maybe the length prefix of a frame still arriving
        return self._take_line(frames)

    def _take_counted_run(self, frames: list[Frame]) -> bool:
        """Whole octet-counted frames back to back, the usual TCP stream: found
        in one pass, copied out of the buffer once and cut from it once
        (issue 9), by the rules of `_step` and `_take_counted`. False when
        there was none; what is left (a partial or oversize frame, a line) is
        for them."""
        buf, max_size = self._buf, self.max_size
        spans: list[tuple[int, int]] = []
        end, size = 0, len(buf)
        while m := _OCTET_COUNT.match(buf, end):
            start, end = m.end(), m.end() + int(m[1])
            if end - start > max_size or end > size:
                end = m.start()
                break
            spans.append((start, end))
            while end < size and buf[end] in _SEPARATORS:
                end += 1
        if not spans:
            return False
        data = bytes(buf[:end])  # then each frame is one slice of bytes, not two copies
        del buf[:end]
        for start, stop in spans:
            # rsyslog's RSYSLOG_SyslogProtocol23Format adds an LF in the count.
            if data[stop - 1] == 10:
                stop -= 1
            if stop > start:
                frames.append(_new(Frame, (data[start:stop], False, False, None)))
        return True

    def _take_counted(self, frames: list[Frame]) -> bool:
        buf, count = self._buf, self._count
        assert count is not None
        if count > self.max_size:
            keep = min(count, self.keep)
            if len(buf) < keep:
                return False
            frames.append(_oversize(buf, count, keep))
            del buf[:keep]
            self._skip, self._count = count - keep, None
            return True
        if len(buf) < count:
            return False
        msg = bytes(buf[:count])
        del buf[:count]
        self._count = None
        if msg.endswith(b"\n"):
            msg = msg[:-1]  # rsyslog's RSYSLOG_SyslogProtocol23Format adds one
        if msg:
            frames.append(Frame(msg))
        return True

    def _take_line(self, frames: list[Frame]) -> bool:
        buf = self._buf
        # Search only bytes not seen before, and never past what is kept + 1,
        # so a slow sender of a huge line costs linear time.
        keep = self.keep
        m = _TERMINATOR.search(buf, self._scanned, keep + 2)
        if m is None:
            if len(buf) > keep + 1:
                # Hold the head and count the rest until the line ends, so the
                # quarantine records the message's true length.
                self._held, self._held_length = bytes(buf[:keep]), keep + 2
                del buf[: keep + 2]
                self._scanned = 0
                self._discard_line = True
                return True
            self._scanned = len(buf)
            return False
        end = m.start()
        line = bytes(buf[:end])
        del buf[: m.end()]
        self._scanned = 0
        if line.endswith(b"\r"):
            line = line[:-1]
        if len(line) > self.max_size:
            frames.append(_oversize(line, len(line), self.keep))
        elif line:
            frames.append(Frame(line))
        return True
