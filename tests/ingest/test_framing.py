"""TCP and UDP framing (RFC 6587): real client streams and edge cases."""
from __future__ import annotations

import logging
import logging.handlers
import shutil
import socket
import subprocess
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.framing import KEEP_MAX, Frame, TcpFramer, datagram_frame
from ingest.syslog import parse_envelope

needs_logger = pytest.mark.skipif(shutil.which("logger") is None, reason="util-linux logger")


def capture_tcp(send) -> bytes:
    """Everything one client connection sends to a listening socket."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)
        port = server.getsockname()[1]
        sender = threading.Thread(target=send, args=(port,))
        sender.start()
        conn, _ = server.accept()
        with conn:
            conn.settimeout(10)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        sender.join()
    return b"".join(chunks)


def logger_tcp(*args: str) -> bytes:
    def send(port: int) -> None:
        subprocess.run(["logger", "--server", "127.0.0.1", "--port", str(port), "--tcp", *args],
                       check=True, timeout=10)
    return capture_tcp(send)


def feed_in_pieces(data: bytes, size: int, max_size: int = 65536,
                   keep: int = KEEP_MAX) -> list[Frame]:
    framer = TcpFramer(max_size, keep)
    frames: list[Frame] = []
    for i in range(0, len(data), size):
        frames += framer.feed(data[i : i + size])
    return frames + framer.flush()


@needs_logger
@pytest.mark.parametrize("piece", [1, 7, 65536])
def test_it_frames_logger_octet_counting(piece: int) -> None:
    wire = logger_tcp("--rfc5424", "--octet-count", "-t", "popchat-auth", "a,b")
    assert wire[:1].isdigit()
    frames = feed_in_pieces(wire + wire, piece)
    assert len(frames) == 2
    assert [parse_envelope(f.data).msg for f in frames] == ["a,b", "a,b"]


@needs_logger
def test_it_frames_logger_lf_terminated_rfc3164() -> None:
    wire = logger_tcp("--rfc3164", "-t", "popchat-auth", "a,b")
    assert wire.endswith(b"\n")
    (frame,) = feed_in_pieces(wire, 5)
    assert parse_envelope(frame.data).app_name == "popchat-auth"
    assert not frame.data.endswith(b"\n")


def test_it_frames_syslog_handler_nul_terminated_stream() -> None:
    def send(port: int) -> None:
        handler = logging.handlers.SysLogHandler(("127.0.0.1", port), socktype=socket.SOCK_STREAM)
        handler.setFormatter(logging.Formatter("popchat-auth: %(message)s"))
        log = logging.getLogger("test_framing.nul")
        log.propagate = False
        log.addHandler(handler)
        log.warning("one")
        log.warning("two")
        log.removeHandler(handler)
        handler.close()

    wire = capture_tcp(send)
    assert wire.count(b"\x00") == 2 and b"\n" not in wire
    frames = feed_in_pieces(wire, 3)
    assert [parse_envelope(f.data).msg for f in frames] == ["one", "two"]


def test_it_mixes_framings_on_one_connection() -> None:
    wire = (b"11 <13>x: one\n"          # octet-counted, with rsyslog's trailing LF
            b"<13>x: two\r\n"          # CRLF
            b"<13>x: three\x00"        # NUL
            b"\n\r\n\x00"              # empty frames
            b"13 <13>x: 4\nmore"       # counted frame containing a LF
            b"2023/11/22 bare line\n"  # starts with a digit but is not a count
            b"<13>x: unterminated")
    assert [f.data for f in feed_in_pieces(wire, 1)] == [
        b"<13>x: one", b"<13>x: two", b"<13>x: three", b"<13>x: 4\nmore",
        b"2023/11/22 bare line", b"<13>x: unterminated"]


def test_it_cuts_an_oversize_counted_frame_and_resynchronises() -> None:
    big = b"<13>x: " + b"a" * 93
    wire = b"100 " + big + b"6 <13>x:" + b"<13>x: next\n"
    for piece in (1, 13, 1000):
        frames = feed_in_pieces(wire, piece, max_size=50)
        assert frames == [Frame(big, oversize=True, length=100), Frame(b"<13>x:"),
                          Frame(b"<13>x: next")]
        cut = feed_in_pieces(wire, piece, max_size=50, keep=60)
        assert cut[0] == Frame(big[:60], oversize=True, length=100) and cut[0].cut
        assert cut[1:] == frames[1:]


def test_it_cuts_an_oversize_line_and_resynchronises() -> None:
    wire = b"<13>x: " + b"b" * 200 + b"\n<13>x: ok\n" + b"<13>x: " + b"c" * 60 + b"\x00<13>x: 2"
    for piece in (1, 9, 1000):
        frames = feed_in_pieces(wire, piece, max_size=50)
        assert frames == [Frame(b"<13>x: " + b"b" * 200, oversize=True, length=207),
                          Frame(b"<13>x: ok"),
                          Frame(b"<13>x: " + b"c" * 60, oversize=True, length=67),
                          Frame(b"<13>x: 2")]
        cut = feed_in_pieces(wire, piece, max_size=50, keep=60)
        assert cut == [Frame((b"<13>x: " + b"b" * 200)[:60], oversize=True, length=207),
                       Frame(b"<13>x: ok"),
                       Frame((b"<13>x: " + b"c" * 60)[:60], oversize=True, length=67),
                       Frame(b"<13>x: 2")]


def test_it_accepts_a_message_of_exactly_max_size() -> None:
    msg = b"<13>x: " + b"d" * 43
    assert feed_in_pieces(msg + b"\r\n" + b"50 " + msg, 4, max_size=50) == [Frame(msg)] * 2


def test_it_flags_a_counted_frame_cut_by_connection_close() -> None:
    framer = TcpFramer()
    assert framer.feed(b"20 <13>x: hal") == []
    assert framer.flush() == [Frame(b"<13>x: hal", incomplete=True)]
    assert framer.flush() == []


def test_it_waits_for_a_length_prefix_split_across_reads() -> None:
    framer = TcpFramer()
    assert framer.feed(b"1") == []
    assert framer.feed(b"0") == []
    assert framer.feed(b" <13>x: abc") == [Frame(b"<13>x: abc")]


def test_it_counts_an_oversize_tail_until_flush() -> None:
    framer = TcpFramer(max_size=10, keep=12)
    assert framer.feed(b"<13>x: 0123456789") == []
    assert framer.feed(b"more tail") == []
    assert framer.flush() == [Frame(b"<13>x: 01234", oversize=True, length=26)]
    assert framer.flush() == []


def test_it_keeps_a_72_kb_line_whole_for_the_quarantine() -> None:
    line = b"<14>popchat-auth: " + bytes(range(1, 10)) * 8000 + b"\xff\xfe"
    [frame] = feed_in_pieces(line + b"\n", 4096)
    assert frame.oversize and frame.data == line and not frame.cut


@pytest.mark.parametrize(("data", "frame"), [
    (b"<14>popchat-auth: m\x00", Frame(b"<14>popchat-auth: m")),
    (b"<13>x: m\n", Frame(b"<13>x: m")),
    (b"\x00", None),
    (b"", None),
    (b"<13>x: " + b"e" * 100, Frame(b"<13>x: " + b"e" * 100, oversize=True, length=107)),
])
def test_it_frames_a_udp_datagram(data: bytes, frame: Frame | None) -> None:
    assert datagram_frame(data, max_size=20) == frame


# --- any stream, any pieces ---------------------------------------------------------

MAX = 64  # a small limit, so that generated frames are often over it


@st.composite
def tcp_streams(draw: st.DrawFn) -> bytes:
    """Octet-counted and LF/NUL-terminated frames mixed on one connection, as
    relays send them, with stray separators and frames over the limit."""
    parts = []
    for kind, body in draw(st.lists(st.tuples(
            st.sampled_from(["counted", "counted", "counted", "line", "separators"]),
            st.binary(max_size=2 * MAX) | st.sampled_from([b"<14>m\n", b"\n", b"123", b"9 x"])
            | st.sampled_from([MAX, MAX + 1, 2 * MAX + 5]).map(lambda n: b"y" * (n - 1) + b"\n")),
            max_size=12)):
        if kind == "counted":
            parts.append(b"%d %s" % (len(body), body) if body else b"")
        elif kind == "line":
            line = body.replace(b"\n", b"").replace(b"\x00", b"")
            # CRLF too after a line over `keep`: a read may end between them.
            parts.append(line + draw(st.sampled_from([b"\n", b"\r\n", b"\x00"])))
        else:
            parts.append(draw(st.sampled_from([b"\r\n", b"\x00", b"\n\n"])))
    return b"".join(parts)


@settings(max_examples=400, deadline=None)
@given(wire=tcp_streams(), piece=st.integers(1, 40))
def test_it_frames_any_stream_the_same_in_any_pieces(wire: bytes, piece: int) -> None:
    """Read whole, back-to-back frames take the one-pass path; byte by byte,
    each frame is taken alone. Both must give the same frames."""
    whole = feed_in_pieces(wire, len(wire) or 1, max_size=MAX, keep=2 * MAX)
    assert feed_in_pieces(wire, 1, max_size=MAX, keep=2 * MAX) == whole
    assert feed_in_pieces(wire, piece, max_size=MAX, keep=2 * MAX) == whole


def test_a_cut_lines_length_leaves_out_its_crlf_when_a_read_ends_between_them() -> None:
    line = b"<13>x: " + b"z" * 300
    framer = TcpFramer(max_size=MAX, keep=2 * MAX)
    assert framer.feed(line + b"\r") == []
    [frame] = framer.feed(b"\n<13>x: next\n")[:1]
    assert frame.oversize and frame.cut and frame.length == len(line)
