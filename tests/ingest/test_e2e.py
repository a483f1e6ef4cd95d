"""End to end with the real servers: syslog clients → collector → Redis →
Celery worker → PostgreSQL. Skipped without DATABASE_URL/REDIS_URL (CI sets them)."""
from __future__ import annotations

import logging
import logging.handlers
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from ingest.models import ActiveLog, AuthLog, ControlLog, DhcpLog, Quarantine, SessionLog
from ingest.selectors import ingest_status
from tests.conftest import (
    Process,
    free_port,
    real_servers_or_skip,
    require_tool,
    subprocess_env,
    wait_until,
)
from tests.logformats.samples import AUTH, LINES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def start_collector(tmp_path, name="collector", extra=(), **env) -> tuple[Process, int, int]:
    env.setdefault("SYSLOG_BATCH_SECONDS", "0.2")
    env.setdefault("SYSLOG_SPOOL_DIR", str(tmp_path / "spool"))
    env.setdefault("SYSLOG_SPOOL_RETRY_SECONDS", "0.5")
    proc = Process(
        [sys.executable, "manage.py", "collector", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0",
         *extra],
        subprocess_env(**env),
        tmp_path / f"{name}.log",
    )
    out = proc.wait_for("listening tcp", timeout=30)
    ports = {}
    for line in out.splitlines():
        if line.startswith("listening "):
            _, transport, addr = line.split()[:3]
            ports[transport] = int(addr.rsplit(":", 1)[1])
    return proc, ports["udp"], ports["tcp"]


@pytest.fixture
def pipeline(celery_worker_process, tmp_path):
    collector, udp, tcp = start_collector(tmp_path)
    yield udp, tcp
    assert collector.stop() == 0, collector.output()


def total_stored() -> int:
    return sum(ingest_status()["stored"].values())


def logger_send(*args: str) -> None:
    exe = require_tool("logger")
    subprocess.run([exe, *args], check=True, timeout=10)


def test_logger_over_udp_tcp_5424_and_3164_lands_every_type_typed(pipeline):
    udp, tcp = pipeline
    modes = [
        ["--udp", "--rfc5424"],
        ["--tcp", "--rfc5424", "--octet-count"],
        ["--tcp", "--rfc3164"],
        ["--udp", "--rfc3164"],
    ]
    for n, (log_type, line) in enumerate(LINES.items()):
        mode = modes[n % len(modes)]
        port = udp if "--udp" in mode else tcp
        logger_send("--server", "127.0.0.1", "--port", str(port), *mode,
                    "-t", f"popchat-{log_type}", line)
    wait_until(lambda: total_stored() == len(LINES), message=str(ingest_status()))
    auth = AuthLog.objects.get()
    assert (auth.mac, auth.auth_method, auth.device_os) == ("02:00:00:00:00:0a", "102", "iOS 17.5")
    assert str(DhcpLog.objects.get().ip) == "10.0.0.9"
    assert SessionLog.objects.get().sessions == 42
    assert Quarantine.objects.count() == 0


def test_python_sysloghandler_over_udp_and_tcp(pipeline):
    udp, tcp = pipeline
    for socktype, port, minute in ((socket.SOCK_DGRAM, udp, "01"), (socket.SOCK_STREAM, tcp, "02")):
        handler = logging.handlers.SysLogHandler(("127.0.0.1", port), socktype=socktype)
        handler.setFormatter(logging.Formatter("popchat-session: %(message)s"))
        log = logging.getLogger(f"gateway-{port}")
        log.propagate = False
        log.addHandler(handler)
        log.warning("2024/02/01 10:%s:00,PCGOLD001,%s", minute, minute)
        log.warning("2024/02/01 10:%s:30,PCGOLD001,%s", minute, minute)
        handler.close()
    wait_until(lambda: SessionLog.objects.count() == 4, message=str(ingest_status()))
    assert sorted(SessionLog.objects.values_list("sessions", flat=True)) == [1, 1, 2, 2]


def test_malformed_lines_are_quarantined_and_good_batch_mates_stored(pipeline):
    udp, tcp = pipeline
    with socket.create_connection(("127.0.0.1", tcp)) as s:
        frames = [
            f"<14>1 2024-02-01T10:00:00+09:00 gw popchat-auth - - - {AUTH}",
            "<14>1 2024-02-01T10:00:00+09:00 gw popchat-auth - - - PCGOLD001,too,few",
            "<14>1 2024-02-01T10:00:00+09:00 gw sshd - - - Accepted password",
            "<14>1 2024-02-01T10:00:00+09:00 gw popchat - control - "
            "2024/02/30 10:05:00,0,02:00:00:00:00:0A,10.0.0.1,200,PCGOLD001",
            "this is no syslog at all",
            f"<14>1 2024-02-01T10:00:00+09:00 gw popchat - control - {LINES['control']}",
        ]
        s.sendall(b"".join(f"{len(f.encode())} {f}".encode() for f in frames))
    wait_until(lambda: Quarantine.objects.count() == 4 and total_stored() == 2,
               message=str(ingest_status()))
    reasons = " | ".join(Quarantine.objects.values_list("reason", flat=True))
    assert "expected 28 columns, got 3" in reasons
    assert "unknown log type: app-name 'sshd'" in reasons
    assert "2024/02/30 10:05:00" in reasons
    assert ControlLog.objects.count() == 1 and AuthLog.objects.count() == 1


def test_the_same_messages_sent_twice_are_stored_once(pipeline):
    udp, tcp = pipeline
    for _ in range(2):
        for log_type, line in LINES.items():
            logger_send("--server", "127.0.0.1", "--port", str(tcp), "--tcp", "--octet-count",
                        "--rfc5424", "-t", f"popchat-{log_type}", line)
    wait_until(lambda: ingest_status()["duplicates"] == len(LINES), message=str(ingest_status()))
    assert total_stored() == len(LINES)


def test_batches_in_json_as_older_collectors_queued_them_are_still_stored(
        celery_worker_process):
    """Collectors now send batches in the syslog-batch serializer; what an
    older one left in Redis is JSON, packed or a list of items, and a worker
    still takes both (CELERY accept_content)."""
    from ingest.payload import BROKER_SERIALIZER, pack_batch
    from ingest.tasks import store_batch
    from tests.ingest.test_payload import good

    older_list = [["session", LINES["session"], "192.0.2.10", "udp", time.time(), None]]
    with store_batch.app.connection_for_write() as conn:
        store_batch.apply_async(args=(older_list,), connection=conn, serializer="json")
        store_batch.apply_async(args=(pack_batch([good(AUTH)]),), connection=conn,
                                serializer="json")
        store_batch.apply_async(args=(pack_batch([good(LINES["control"], log_type="control")]),),
                                connection=conn)  # the collector's own
    wait_until(lambda: total_stored() == 3, message=str(ingest_status()))
    assert (SessionLog.objects.count(), AuthLog.objects.count(),
            ControlLog.objects.count()) == (1, 1, 1)
    assert store_batch.serializer == BROKER_SERIALIZER


def test_rsyslog_forwarding_over_octet_counted_tcp(pipeline, tmp_path):
    udp, tcp = pipeline
    rsyslogd = require_tool("/usr/sbin/rsyslogd")
    inport = free_port()
    work = tmp_path / "rsyslog"
    work.mkdir()
    conf = tmp_path / "rsyslog.conf"
    conf.write_text(f"""
global(workDirectory="{work}")
module(load="imtcp")
input(type="imtcp" port="{inport}" address="127.0.0.1")
action(type="omfwd" target="127.0.0.1" port="{tcp}" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
""")
    proc = subprocess.Popen([rsyslogd, "-n", "-f", str(conf), "-i", str(tmp_path / "rs.pid")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _port_open(inport), timeout=15, message="rsyslog did not listen")
        for log_type in ("auth", "active", "traffic"):
            logger_send("--server", "127.0.0.1", "--port", str(inport), "--tcp", "--rfc5424",
                        "--octet-count", "-t", f"popchat-{log_type}", LINES[log_type])
        wait_until(lambda: total_stored() == 3, message=str(ingest_status()))
    finally:
        proc.terminate()
        proc.wait(10)
    # rsyslog's RFC 5424 template ends the frame with LF: it must not be stored.
    active = ActiveLog.objects.get()
    assert active.usage_seconds == 1800 and active.status == "02"
    assert Quarantine.objects.count() == 0


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _redis_server(port: int, tmp_path) -> subprocess.Popen:
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: _port_open(port), timeout=15, message="redis did not start")
    return proc


def test_broker_down_mid_run_spools_and_replays_every_record(transactional_db, tmp_path):
    real_servers_or_skip()
    port = free_port()
    broker = _redis_server(port, tmp_path)
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    worker = Process([sys.executable, "-m", "celery", "-A", "syslogcloud", "worker",
                      "--pool=solo", "--loglevel=INFO", "--without-heartbeat",
                      "--without-gossip", "--without-mingle"],
                     subprocess_env(**env), tmp_path / "worker.log")
    collector = None
    try:
        worker.wait_for("ready", timeout=60)
        collector, udp, tcp = start_collector(tmp_path, **env)
        send_sessions(tcp, range(0, 20))
        wait_until(lambda: SessionLog.objects.count() == 20, message=collector.output())
        broker.terminate()
        broker.wait(10)
        send_sessions(tcp, range(20, 60))
        wait_until(lambda: list((tmp_path / "spool").glob("*.json")), timeout=20,
                   message="nothing spooled:\n" + collector.output())
        broker = _redis_server(port, tmp_path)
        wait_until(lambda: SessionLog.objects.count() == 60, timeout=60,
                   message=collector.output() + worker.output()[-2000:])
        wait_until(lambda: not list((tmp_path / "spool").glob("*.json")), timeout=20)
    finally:
        if collector:
            collector.stop()
        worker.stop()
        broker.terminate()
        broker.wait(10)


def send_sessions(tcp: int, numbers) -> None:
    with socket.create_connection(("127.0.0.1", tcp)) as s:
        for n in numbers:
            msg = f"<14>popchat-session: 2024/02/01 10:{n // 60:02d}:{n % 60:02d},PCGOLD001,{n}\n"
            s.sendall(msg.encode())


def test_sigterm_with_a_partial_batch_loses_nothing(celery_worker_process, tmp_path):
    collector, udp, tcp = start_collector(
        tmp_path, SYSLOG_BATCH_SECONDS="600", SYSLOG_BATCH_SIZE="100000")
    send_sessions(tcp, range(0, 37))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"<14>popchat-session: 2024/02/01 11:00:00,PCGOLD001,99", ("127.0.0.1", udp))
    time.sleep(0.5)
    assert SessionLog.objects.count() == 0  # still held in the collector's batch
    assert collector.stop(signal.SIGTERM) == 0, collector.output()
    wait_until(lambda: SessionLog.objects.count() == 38, message=collector.output())


def test_collector_rejects_a_bad_address():
    result = subprocess.run([sys.executable, "manage.py", "collector", "--udp", "nonsense"],
                            capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert result.returncode != 0
    assert "HOST:PORT" in result.stderr and "Traceback" not in result.stderr


def test_tls_syslog_lands_through_the_command(celery_worker_process, tmp_path):
    from .test_collector_tls import client_send
    from .tls import self_signed

    pem = self_signed(tmp_path)
    collector, _udp, _tcp = start_collector(
        tmp_path, extra=["--tls", "127.0.0.1:0", "--tls-cert", str(pem)])
    collector.wait_for("listening tls")
    port = int(next(line for line in collector.output().splitlines()
                    if line.startswith("listening tls")).rsplit(":", 1)[1])
    msg = f"<14>1 2024-02-01T10:00:00+09:00 gw popchat-traffic - - - {LINES['traffic']}"
    client_send(port, pem, [f"{len(msg.encode())} {msg}".encode()])
    wait_until(lambda: total_stored() == 1, message=collector.output())
    assert collector.stop() == 0
