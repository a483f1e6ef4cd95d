"""RFC 5425: octet-counted syslog inside TLS, in-process and through the command."""
import asyncio
import socket
import ssl
import subprocess
import sys

import pytest

from ingest.collector import Allowlist, Batcher, Collector
from tests.conftest import REPO

from .test_collector import RECORD, Sink, wait_until
from .tls import self_signed


def client_send(port: int, cafile, frames: list[bytes]) -> None:
    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection(("127.0.0.1", port)) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"".join(frames))


def test_it_receives_octet_counted_syslog_over_tls(tmp_path):
    pem = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(pem)

    async def scenario():
        sink = Sink()
        collector = Collector(Batcher(sink, batch_seconds=0.05), allowlist=Allowlist())
        bound = await collector.start(tls=("127.0.0.1", 0), tls_context=server_context)
        try:
            msg = f"<14>1 2023-11-22T01:30:00+09:00 gw popchat-session - - - {RECORD}".encode()
            frames = [b"%d %s" % (len(msg), msg)] * 2
            await asyncio.to_thread(client_send, bound["tls"][1], pem, frames)
            await wait_until(lambda: len(sink.items) == 2)
        finally:
            await collector.stop()
        return sink.items

    items = asyncio.run(scenario())
    assert [i[0] for i in items] == ["session", "session"]
    assert {i[1] for i in items} == {RECORD} and {i[3] for i in items} == {"tls"}


def test_a_plaintext_client_on_the_tls_port_is_refused_without_harm(tmp_path):
    pem = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(pem)

    async def scenario():
        sink = Sink()
        collector = Collector(Batcher(sink, batch_seconds=0.05), allowlist=Allowlist())
        bound = await collector.start(tls=("127.0.0.1", 0), tls_context=server_context)
        port = bound["tls"][1]

        def plaintext():
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"<14>popchat-session: " + RECORD.encode() + b"\n")

        try:
            await asyncio.to_thread(plaintext)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(client_send, port, pem, [b"<14>popchat-session: "
                                                            + RECORD.encode() + b"\n"])
            await wait_until(lambda: len(sink.items) == 1)
        finally:
            await collector.stop()
        return sink.items

    assert [i[0] for i in asyncio.run(scenario())] == ["session"]


@pytest.mark.parametrize("args, message", [
    (["--tls", "127.0.0.1:0"], "--tls needs a certificate"),
    (["--tls", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem"], "cannot load the TLS"),
])
def test_the_command_explains_a_missing_certificate(args, message):
    result = subprocess.run([sys.executable, "manage.py", "collector", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
