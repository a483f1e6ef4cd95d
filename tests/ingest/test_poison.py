"""Row 1 of the "nothing lost" issue: a poison message never costs its neighbours.

Frames go through the collector's own item building (`make_item`) and the one
store path into real PostgreSQL, as a worker would run them.
"""
from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.framing import datagram_frame
from ingest.items import Item, frame_bytes, make_item
from ingest.models import Quarantine, SessionLog
from ingest.services import store_batch

_minutes = itertools.count()


def session_frames(n: int) -> list[bytes]:
    """n good session records, each with a time never used before in this run."""
    frames = []
    for _ in range(n):
        m = next(_minutes)
        frames.append(f"<14>popchat-session: 2024/02/01 {m // 60 % 24:02}:{m % 60:02}:00,"
                      f"GW-POISON-{m // 1440},{m}".encode())
    return frames


def items_of(frames: list[bytes]) -> list[Item]:
    now = time.time()
    return [make_item(datagram_frame(f), peer="192.0.2.9", transport="udp", received_at=now)
            for f in frames if datagram_frame(f) is not None]


@pytest.mark.django_db
@pytest.mark.parametrize("poison", [
    b"<14>1 2024-02-01T10:00:00+09:00 gw popchat-ses\x00sion - - - 2024/02/01 10:00:00,GW,1",
    b"<14>Feb  1 10:00:00 gw popchat\x00session: 2024/02/01 10:00:00,GW,1",
    b"<14>popchat-session: 2024/02/01 10:00:00,GW\x00X,1",
])
def test_a_nul_byte_costs_only_its_own_message(poison: bytes) -> None:
    good = session_frames(1999)
    frames = good[:1000] + [poison] + good[1000:]
    result = store_batch(items=items_of(frames))
    assert result.stored["session"] == 1999
    assert SessionLog.objects.count() == 1999
    q = Quarantine.objects.get()
    assert bytes(q.data) == poison and "\x00" not in q.reason and q.reason


@pytest.mark.django_db
def test_a_record_the_database_refuses_is_isolated_from_its_batch() -> None:
    """A NUL inside a CSV field of a file import passes the parsers but not
    PostgreSQL: the batch is split until that one record is set aside."""
    lines = [f.decode().split(": ", 1)[1] for f in session_frames(300)]
    bad = "2024/02/01 23:59:59,GW-NUL\x00,5"
    items = [Item("session", line, "import.csv", "file", time.time()) for line in lines]
    items.insert(137, Item("session", bad, "import.csv", "file", time.time()))
    result = store_batch(items=items)
    assert result.stored["session"] == 300 and result.quarantined == 1
    q = Quarantine.objects.get()
    assert bytes(q.data) == bad.encode() and q.transport == "file"


@pytest.mark.django_db
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(junk=st.lists(st.binary(max_size=300) | st.builds(
    lambda head, tail: head + tail,
    st.sampled_from([b"<14>popchat-session: ", b"<14>1 - h popchat-session - - - ",
                     b"<14>popchat-", b"<191>1 ", b"<14>popchat-auth: "]),
    st.binary(max_size=200)), min_size=1, max_size=5))
def test_any_bytes_sent_never_cost_a_good_neighbour(junk: list[bytes]) -> None:
    good = session_frames(20)
    before = SessionLog.objects.count()
    frames = [f for pair in itertools.zip_longest(good, junk) for f in pair if f is not None]
    items = items_of(frames)
    result = store_batch(items=items)
    assert SessionLog.objects.count() - before >= 20
    assert sum(result.stored.values()) + result.quarantined + result.duplicates == len(items)
    for item in items:
        if item.error is not None:  # kept byte for byte
            assert Quarantine.objects.filter(data=frame_bytes(item)).exists()
