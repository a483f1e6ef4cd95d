"""A batch travels packed (`ingest.payload`), and every older form still stores.

Batches queued by an older collector — in Redis, in the disk spool, parked in
DeadLetter — are lists of items: after an upgrade they must store exactly as
before, and the same record arriving in both forms is stored once.
"""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kombu import serialization
from kombu.utils.json import dumps, loads

from ingest.framing import Frame
from ingest.items import Item, bad_item, make_item
from ingest.models import AuthLog, DeadLetter, Quarantine, SessionLog
from ingest.payload import (
    BROKER_CONTENT_TYPE,
    BROKER_SERIALIZER,
    batch_items,
    batch_size,
    message_dumps,
    message_loads,
    pack_batch,
    unpack_batch,
)
from ingest.services import dead_letter_park, dead_letters_replay, store_batch
from ingest.spool import Spool
from ingest.tasks import store_batch as store_batch_task
from tests.conftest import real_servers_or_skip
from tests.logformats.samples import AUTH, LINES

from .test_collector_command import message_args


def through_broker(payload):
    """What the worker receives from a collector: the task's own serializer
    (`BROKER_SERIALIZER`) both ways, through kombu's registry."""
    return through_celery_serializer(((payload,), {}, {}))[0][0]


def through_json(payload):
    """What a worker receives from an older collector: Celery's JSON both ways."""
    return loads(dumps(payload))


def good(msg: str, *, log_type="auth", peer="192.0.2.1", transport="tcp",
         at: float | None = None) -> Item:
    at = time.time() if at is None else at  # record times must be plausible for it
    frame = f"<14>1 2024-02-01T10:00:00+09:00 gw popchat-{log_type} - - - {msg}\n".encode()
    return make_item(Frame(frame), peer=peer, transport=transport, received_at=at)


def test_a_packed_batch_unpacks_to_the_same_items_in_order():
    items = [
        good(LINES["auth"]),
        good(LINES["session"], log_type="session"),  # a new run: another type
        bad_item(b"\xff\xfe not utf-8", peer="192.0.2.1", transport="udp", received_at=1.5,
                 error="bad syslog envelope: x"),
        good("PCGOLD001,ポート,ラベル," + LINES["auth"].split(",", 3)[3]),  # non-ASCII text
        good(LINES["auth"], peer="2001:db8::1", transport="tls", at=1_700_000_001.0),
        bad_item(b"x" * 10, peer="192.0.2.1", transport="tcp", received_at=2.0,
                 error="message larger than 8 bytes", length=100),
        Item("auth", "", "192.0.2.1", "udp", 3.0, None, frame_b64="PDE0Pg=="),  # empty MSG
    ]
    payload = through_broker(pack_batch(items))
    assert payload["v"] == 2
    assert len(payload["odd"]) == 3  # only the quarantine-bound ones keep their list form
    assert unpack_batch(payload) == items
    assert batch_size(payload) == len(items)


def test_a_batch_of_one_socket_read_is_one_run():
    items = [good(f"2024/02/01 10:00:{i:02},PCGOLD001,{i}", log_type="session",
                  at=1_700_000_000.25) for i in range(50)]
    payload = pack_batch(items)
    assert payload["runs"] == [["session", "192.0.2.1", "tcp", 1_700_000_000.25, 50]]
    assert len(payload["sizes"]) == 150


item_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
items_strategy = st.lists(st.one_of(
    st.builds(Item, st.sampled_from(["auth", "session"]), item_texts,
              st.sampled_from(["192.0.2.1", "192.0.2.2"]), st.sampled_from(["udp", "tcp"]),
              st.sampled_from([1.0, 1.5, 1_700_000_000.123456]), st.none(), item_texts,
              item_texts),
    st.builds(lambda data, n: bad_item(data, peer="p", transport="udp", received_at=2.0,
                                       error="bad", length=n),
              st.binary(max_size=20), st.none() | st.integers(0, 100)),
), max_size=30)


@settings(max_examples=200, deadline=None)
@given(items=items_strategy)
def test_any_batch_survives_packing_and_celerys_json(items):
    """Batches older collectors queued in JSON still read back exactly."""
    assert batch_items(through_json(pack_batch(items))) == items


def test_a_payload_whose_sizes_disagree_with_its_text_is_refused():
    payload = pack_batch([good(LINES["auth"])])
    payload["text"] += "x"
    with pytest.raises(ValueError, match="sizes"):
        unpack_batch(payload)
    with pytest.raises(ValueError, match="version"):
        unpack_batch({**payload, "v": 99})


def old_list(line: str, log_type: str = "auth") -> list:
    """An item as an older collector queued it: six values."""
    return [log_type, line, "192.0.2.10", "udp", time.time(), None]


@pytest.mark.django_db
def test_an_old_list_batch_and_a_packed_one_store_the_same_record_once():
    old = store_batch_task.apply(args=([old_list(AUTH)],)).get()
    assert old["stored"] == {"auth": 1}
    new = store_batch_task.apply(args=(through_broker(pack_batch([good(AUTH)])),)).get()
    assert new["stored"] == {"auth": 0}
    assert AuthLog.objects.count() == 1


@pytest.mark.django_db
def test_a_spooled_old_batch_is_replayed_packed_and_stored(tmp_path):
    spool = Spool(tmp_path)
    spool.write([old_list(LINES["session"], "session")])  # as the old collector wrote it
    # What dispatch_to_celery does with a replayed batch, through the broker's JSON.
    assert spool.replay(lambda items: store_batch(items=through_broker(pack_batch(items)))) == 1
    assert SessionLog.objects.count() == 1
    assert spool.pending() == []


@pytest.mark.django_db
def test_a_packed_batch_is_parked_readable_and_old_parked_batches_replay():
    payload = through_broker(pack_batch([good(LINES["session"], log_type="session"),
                                         bad_item(b"junk", peer="p", transport="udp",
                                                  received_at=1.0, error="bad")]))
    parked = dead_letter_park(items=payload, reason="RuntimeError: a bug")
    assert [i[1] for i in parked.items][0] == LINES["session"]  # the list form, for the admin
    DeadLetter.objects.create(items=[old_list(AUTH)], reason="parked by an older version")
    assert dead_letters_replay() == {"replayed": 2, "still_failing": 0}
    assert (SessionLog.objects.count(), AuthLog.objects.count()) == (1, 1)
    assert Quarantine.objects.get().reason == "bad"


def test_a_batch_travels_the_broker_compressed(settings):
    """CELERY_TASK_COMPRESSION: the message Redis holds is zstd, about a tenth
    of the JSON it carries, and a worker reads back the very payload."""
    real_servers_or_skip()
    import redis
    from kombu import Connection

    from syslogcloud.celery import app

    lines = [LINES["auth"].replace("PCGOLD001", f"PCGOLD{i:03d}") for i in range(2000)]
    payload = pack_batch([good(line) for line in lines])
    queue = f"test_compressed_{os.getpid()}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        with Connection(settings.CELERY_BROKER_URL) as conn:
            app.send_task("ingest.tasks.store_batch", args=[payload], queue=queue,
                          connection=conn)
        (raw,) = client.lrange(queue, 0, -1)
    finally:
        client.delete(queue)
    assert loads(raw)["headers"]["compression"] == "application/zstd"
    assert loads(raw)["content-type"] == BROKER_CONTENT_TYPE
    assert len(raw) * 5 < len(dumps(payload))
    args = message_args(raw)
    assert args[0] == payload


def through_celery_serializer(body):
    """What a store_batch message body becomes on the broker and back, through
    kombu's registry (syslogcloud.celery registers the serializer)."""
    assert store_batch_task.serializer == BROKER_SERIALIZER
    content_type, encoding, data = serialization.dumps(body, serializer=store_batch_task.serializer)
    assert (content_type, encoding) == (BROKER_CONTENT_TYPE, "binary")
    assert isinstance(data, bytes)
    return serialization.loads(data, content_type, encoding, accept=[content_type])


# Any text, lone surrogates included: the UTF-8 codec alone would refuse them.
any_texts = st.text(st.characters(exclude_characters="\x00"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(items=items_strategy, odd_texts=st.lists(st.builds(
    Item, st.just("auth"), any_texts, st.just("192.0.2.1"), st.just("tcp"), st.just(1.0),
    st.none(), any_texts, any_texts), max_size=5))
def test_any_batch_survives_the_broker_serializer(items, odd_texts):
    """Every item comes back exactly, whatever its text, and so do the rest
    of the body and an older list batch beside it (written as JSON)."""
    items = items + odd_texts
    payload = pack_batch(items)
    older = [["auth", "x", "p", "udp", 1.0, None]]
    body = ((payload, older), {"k": 1}, {"callbacks": None})
    back = through_celery_serializer(body)
    assert back == [[payload, older], {"k": 1}, {"callbacks": None}]
    assert batch_items(back[0][0]) == items


def test_the_broker_serializer_keeps_the_text_out_of_json():
    payload = pack_batch([good(LINES["auth"])] * 3)
    data = message_dumps(((payload,), {}, {}))
    head_end = 8 + int.from_bytes(data[4:8], "big")
    assert payload["text"].encode() in data[head_end:]  # raw bytes, not JSON-escaped
    assert LINES["auth"].encode() not in data[:head_end]


@pytest.mark.parametrize("damage", [
    lambda data: b"JSON" + data[4:],  # not this serializer
    lambda data: data[:-1],  # cut short
    lambda data: data + b"x",  # trailing bytes
    lambda data: data[:6],
])
def test_a_damaged_broker_message_is_refused_not_misread(damage):
    data = message_dumps(((pack_batch([good(LINES["auth"])]),), {}, {}))
    with pytest.raises(ValueError):
        message_loads(damage(data))
