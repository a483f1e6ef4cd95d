"""The collector's fast lane (`quick_item`) against its reference (`envelope_item`).

The fast lane may decline any frame, but an Item it returns must be the one
the reference reading gives, field for field: the property tests below build
frames the way gateways and relays do, then break them in the ways senders do.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.framing import Frame
from ingest.items import Item, envelope_item, make_item, quick_item, quick_items
from ingest.syslog import LOG_TYPES

PEER, TRANSPORT, AT = "192.0.2.7", "tcp", 1706749200.25
RECORD = "GW001,2024/02/01 10:00:00,42"


def reference(frame: Frame) -> Item:
    return envelope_item(frame, peer=PEER, transport=TRANSPORT, received_at=AT)


def fast(frame: Frame) -> Item | None:
    return quick_item(frame, PEER, TRANSPORT, AT)


def case_variants(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True)))


# Each part of a frame: (usual, odd). A generated frame is well-formed but for
# a few odd parts, so most frames get past the fast lane's first checks.
word = st.text(st.characters(blacklist_characters=" "), min_size=1, max_size=12)
type_word = st.sampled_from(LOG_TYPES).flatmap(case_variants)
odd_type_word = st.sampled_from(["nope", "", "auth-x", "ſession", "-"]).flatmap(case_variants)
PARTS: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "pri": (st.integers(0, 191).map(str), st.integers(192, 999).map(str)
            | st.sampled_from(["014", "0191", "", "x", "1000", " 14"])),
    "space": (st.just(" "), st.sampled_from(["  ", "\t", "", " \t", "\n"])),
    "version": (st.just("1"), st.sampled_from(["2", "01", "1\t", "١"])),
    "timestamp": (
        st.sampled_from(["-", "2024-02-01T10:00:00+09:00", "2003-10-11T22:14:15.003Z",
                         "2024-02-01T10:00:00", "2024-02-01T10:00:00.123456-05:00"])
        | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.sampled_from(["2024-13-01T10:00:00Z", "2024-02-30T10:00:00Z", "2024-02-01T25:00:00Z",
                         "2024-02-01 10:00:00", "yesterday", "2024-02-01T10:00:00+9"]) | word),
    "host": (st.sampled_from(["-", "gw", "10.0.0.1", "2001:db8::1"]), word),
    "app": (st.builds(lambda p, t: p + t, case_variants("popchat-"), type_word)
            | case_variants("popchat"),
            st.builds(lambda p, t: p + t, case_variants("popchat-"), odd_type_word)
            | st.sampled_from(["-", "sshd", "popchat-\x00auth", "xpopchat-auth", "popchat-"])),
    "procid": (st.sampled_from(["-", "42"]), word),
    "msgid": (st.just("-") | type_word, st.just("ID47") | odd_type_word),
    "sd": (st.sampled_from(["-", '[timeQuality tzKnown="1" isSynced="0"]',
                            '[a@1 k="[x]\\]"][b@2]']),
           st.sampled_from(['[x@1 a="b', "x", "", "-glued", '[a@1 k="v"]glued', "[", "[a]]"])),
    "msg": (st.sampled_from([RECORD, '"ホテル,1F",2', "\ufeff" + RECORD, "x"]),
            st.sampled_from(["", " ", "\ufeff", "\x00", "a\x00b"]) | st.text(max_size=40)),
    "trail": (st.just(""), st.sampled_from(["\n", "\r\n", "\x00", "\n\x00", " ", "\r"])),
    "bsd_timestamp": (
        st.sampled_from(["", "Feb  1 10:00:00 ", "Nov 22 01:30:00 ", "Nov 22 2023 01:30:00.123 ",
                         "2024-02-01T10:00:00+09:00 "]),
        st.sampled_from(["Feb 1 10:00:00", "Feb  1 10:00:00  ", "Jan 1 1 10:00:00 ",
                         "2024-02-30T10:00:00Z ", "2024-02-01Tx ", "1 ", "12 ",
                         "Feb  1 10:00:00.1234567 ", "Feb  ١ 10:00:00 ",
                         "2024-02-01T10:00:00+09:00"])),
    "bsd_host": (st.sampled_from(["", "gw ", "10.0.0.1 "]),
                 st.sampled_from(["2001:db8::1 ", "gw: ", "g[1] ", "gw  ", "1 ", "Feb "])
                 | word.map(lambda w: w + " ")),
    "pid": (st.sampled_from(["", "[123]"]), st.sampled_from(["[]", "[1 2]", "[x", "[1]x"])),
    "colon": (st.just(":"), st.sampled_from(["", "::", " :"])),
}


def frame_parts(draw: st.DrawFn, names: list[str]) -> list[str]:
    odd = draw(st.sets(st.sampled_from(names), max_size=2))
    return [draw(PARTS[name][name in odd]) for name in names]


@st.composite
def rfc5424(draw: st.DrawFn) -> str:
    (pri, version, s1, ts, s2, host, s3, app, s4, procid, s5, msgid, s6, sd, s7, msg,
     trail) = frame_parts(draw, ["pri", "version", "space", "timestamp", "space", "host", "space",
                                 "app", "space", "procid", "space", "msgid", "space", "sd",
                                 "space", "msg", "trail"])
    return f"<{pri}>{version}{s1}{ts}{s2}{host}{s3}{app}{s4}{procid}{s5}{msgid}{s6}{sd}{s7}" \
        f"{msg}{trail}"


@st.composite
def rfc3164(draw: st.DrawFn) -> str:
    pri, ts, host, app, pid, colon, space, msg, trail = frame_parts(
        draw, ["pri", "bsd_timestamp", "bsd_host", "app", "pid", "colon", "space", "msg", "trail"])
    return f"<{pri}>{ts}{host}{app}{pid}{colon}{space}{msg}{trail}"


def encoded(text: str) -> bytes:
    """UTF-8, where a lone surrogate becomes the invalid bytes a broken sender would send."""
    return text.encode("utf-8", "surrogatepass")


@st.composite
def damaged(draw: st.DrawFn, text: st.SearchStrategy[str]) -> bytes:
    """A frame as sent; now and then with a stray byte (invalid UTF-8, NUL …) put in."""
    data = encoded(draw(text))
    stray = draw(st.sampled_from([b"", b"", b"", b"\xff", b"\x00", b"\xc3", b" ", b"\n",
                                  b"\xef\xbb\xbf"]))
    at = draw(st.integers(0, len(data)))
    return data[:at] + stray + data[at:]


frames = damaged(rfc5424() | rfc3164()) | st.binary(max_size=120) | \
    st.text(max_size=120).map(encoded)


@settings(max_examples=3000, deadline=None)
@given(data=frames)
def test_it_gives_the_reference_item_or_declines(data: bytes) -> None:
    frame = Frame(data)
    item = fast(frame)
    assert item is None or item == reference(frame)


@settings(max_examples=500, deadline=None)
@given(data=damaged(rfc5424() | rfc3164()), oversize=st.booleans())
def test_it_leaves_cut_and_unfinished_frames_to_the_reference(data: bytes, oversize: bool) -> None:
    frame = Frame(data, oversize=oversize, incomplete=not oversize)
    assert fast(frame) is None
    assert make_item(frame, peer=PEER, transport=TRANSPORT, received_at=AT).error


@pytest.mark.parametrize(("data", "log_type", "msg"), [
    # bench/ingest.py's frames, util-linux logger and rsyslog's Protocol23 format
    (b"<14>1 2024-02-01T10:00:00+09:00 gw popchat-auth - - - " + RECORD.encode(), "auth", RECORD),
    (b'<13>1 2024-02-01T10:00:00.5+09:00 gw popchat-dhcp 99 - [timeQuality tzKnown="1"] '
     + RECORD.encode(), "dhcp", RECORD),
    (b"<13>1 2024-02-01T10:00:00Z gw POPCHAT 42 Traffic - \xef\xbb\xbf" + RECORD.encode() + b"\n",
     "traffic", RECORD),
    (b"<14>1 - - popchat-Mail - - -  " + RECORD.encode() + b"\r\n", "mail", RECORD),
    # SysLogHandler, logger --rfc3164, rsyslog's ForwardFormat
    (b"<14>popchat-session: " + RECORD.encode() + b"\x00", "session", RECORD),
    (b"<13>Feb  1 10:00:00 gw popchat-active[123]: " + RECORD.encode(), "active", RECORD),
    (b"<13>2024-02-01T10:00:00+09:00 gw popchat-control: " + RECORD.encode(), "control", RECORD),
    (b"<13>Feb 11 10:00:00 popchat-activeuser:" + RECORD.encode(), "activeuser", RECORD),
])
def test_it_takes_what_gateways_and_relays_send(data: bytes, log_type: str, msg: str) -> None:
    item = fast(Frame(data))
    assert item is not None and (item.log_type, item.msg) == (log_type, msg)
    assert item == reference(Frame(data))
    assert (item.head + item.msg + item.tail).encode() == data


@pytest.mark.parametrize("data", [
    b"<14>1 2024-02-30T10:00:00+09:00 gw popchat-auth - - - m",  # no such day
    b"<192>1 - gw popchat-auth - - - m",
    b"<14>1 - gw popchat-nope - - - m",
    b"<14>popchat-auth: m\x00m",
    b"<14>popchat-auth: \xff",
    b"<14>1 - gw popchat-auth - - [a@1 k=\"v] m",
    b"<14>1 popchat-auth: m",  # VERSION 1: read as RFC 5424, so incomplete
    b"<14>2024-02-01T10:00:00+09:00popchat-auth: m",  # the timestamp runs to the space
])
def test_it_declines_what_the_reference_rejects(data: bytes) -> None:
    assert fast(Frame(data)) is None
    assert reference(Frame(data)).error


@settings(max_examples=1500, deadline=None)
@given(reads=st.lists(st.lists(damaged(rfc5424() | rfc3164()) | frames, min_size=1, max_size=4)
                      | st.lists(st.just(b"<14>1 - gw popchat-auth - - - " + RECORD.encode()),
                                 min_size=1, max_size=3), min_size=1, max_size=3))
def test_a_read_taken_column_by_column_gives_each_frames_quick_item(reads) -> None:
    """quick_items: each entry is quick_item's Item for its frame, or None; a
    read of common frames is taken whole."""
    batch = [Frame(data) for read in reads for data in read]
    items = quick_items(batch, PEER, TRANSPORT, AT)
    assert len(items) == len(batch)
    for frame, item in zip(batch, items, strict=True):
        assert item is None or item == fast(frame) == reference(frame)


def test_a_read_of_common_frames_is_taken_whole_and_an_odd_frame_keeps_its_place():
    common = [Frame(b"<14>1 2024-02-01T10:00:0%d+09:00 gw popchat-auth - - - " % i
                    + RECORD.encode() + b"\n") for i in range(3)]
    assert quick_items(common, PEER, TRANSPORT, AT) == [fast(f) for f in common]
    assert None not in quick_items(common, PEER, TRANSPORT, AT)
    odd = Frame(b"<14>1 - gw popchat-auth - - - \xef\xbb\xbf" + RECORD.encode())  # a BOM
    bad = Frame(b"<14>1 2024-02-30T10:00:00Z gw popchat-auth - - - " + RECORD.encode())
    got = quick_items([common[0], odd, bad, common[1]], PEER, TRANSPORT, AT)
    assert got[0] == fast(common[0]) and got[3] == fast(common[1])
    assert got[1] in (None, fast(odd)) and got[2] is None
