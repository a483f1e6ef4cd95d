"""Row 9 (spool full or unwritable: counted, no .tmp left, space visible) and
the Redis queue-length spill of row 13."""
from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
from django.core.management import call_command

from ingest.batcher import Batcher
from ingest.framing import Frame
from ingest.management.commands.collector import QueueFull, QueueGauge
from ingest.spool import Spool
from tests.conftest import free_port, wait_until

from .test_collector import Sink


def test_stale_tmp_files_are_swept_when_the_spool_opens(tmp_path) -> None:
    (tmp_path / ".123-1-000001.json.tmp").write_text("[[half")
    (tmp_path / "123-1-000000.json").write_text("[]")
    Spool(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["123-1-000000.json"]


def test_an_unwritable_spool_counts_lost_items_and_leaves_no_tmp(tmp_path) -> None:
    spool = Spool(tmp_path / "spool")
    sink = Sink()
    sink.failing = True

    async def scenario() -> None:
        batcher = Batcher(sink, spool=spool, batch_size=3)
        for n in range(3):
            batcher.add(Frame(b"<14>popchat-session: x%d" % n), peer="p", transport="udp",
                        received_at=0.0)
        await batcher.drain()
        # The disk goes away (full, read-only, unmounted): writes now fail.
        (tmp_path / "spool").rename(tmp_path / "gone")
        (tmp_path / "spool").write_text("not a directory")
        for n in range(4):
            batcher.add(Frame(b"<14>popchat-session: y%d" % n), peer="p", transport="udp",
                        received_at=0.0)
        await batcher.drain()
        batcher.close()
        assert batcher.counters["spooled_batches"] == 1
        assert batcher.counters["lost_items"] == 4

    asyncio.run(scenario())
    assert not list((tmp_path / "gone").glob(".*.tmp"))


def test_a_failed_write_removes_its_tmp_file(tmp_path) -> None:
    spool = Spool(tmp_path)
    with pytest.raises(TypeError):
        spool.write([[object()]])  # fails half-way through json.dump
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_ingest_status_shows_spool_space(tmp_path, settings, capsys) -> None:
    settings.SYSLOG_SPOOL_DIR = tmp_path
    Spool(tmp_path).write([["session", "x", "p", "udp", 0.0, None]])
    settings.SYSLOG_SPOOL_MIN_FREE_MB = 10**9  # more than any disk here
    call_command("ingest_status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert status["spool"]["files"] == 1 and status["spool"]["low_space"] is True
    assert status["spool"]["free_bytes"] > 0
    call_command("ingest_status")
    assert "LOW SPACE" in capsys.readouterr().out


def test_past_the_queue_length_limit_batches_spill_to_the_spool(tmp_path) -> None:
    from kombu import Connection

    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              "--save", ""], stdout=subprocess.DEVNULL)
    try:
        with Connection(f"redis://127.0.0.1:{port}/0") as conn:
            client = wait_until(lambda: _client(conn), timeout=10)
            gauge = QueueGauge(limit=3)
            client.rpush("celery", "a", "b")
            gauge.check(conn)  # below the limit: publish
            client.rpush("celery", "c")
            gauge._checked = 0.0  # next look (it reads Redis at most once a second)
            with pytest.raises(QueueFull):
                gauge.check(conn)
    finally:
        redis.kill()
        redis.wait()


def _client(conn):
    try:
        client = conn.default_channel.client
        client.ping()
        return client
    except Exception:
        conn.close()
        return None
