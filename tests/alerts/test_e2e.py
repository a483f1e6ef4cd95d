"""The production path end to end: syslog → the real collector → Redis →
a Celery worker with beat (evaluating every second here) → notices to a real
SMTP server and a webhook receiver. Redis is a throwaway server of this test,
so the shared worker of other tests never takes these tasks."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import redis as redis_lib
from django.utils import timezone

from alerts.models import AlertEvent, GatewayArrival
from alerts.services import rule_create
from tests.conftest import (
    Process,
    free_port,
    real_servers_or_skip,
    require_tool,
    subprocess_env,
    wait_until,
)
from tests.ingest.test_e2e import start_collector

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_redis(tmp_path):
    real_servers_or_skip()
    port = free_port()
    proc = subprocess.Popen(
        [require_tool("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"

    def up() -> bool:
        try:
            return redis_lib.Redis.from_url(url).ping()
        except redis_lib.ConnectionError:
            return False

    wait_until(up, timeout=10, message="throwaway redis did not start")
    yield url
    proc.terminate()
    proc.wait(10)


def test_beat_alerts_a_never_seen_gateway_and_the_collector_brings_it_back(
        gateway_a, smtp_server, webhook, private_redis, tmp_path):
    rule, webhook.secret = rule_create(
        account=gateway_a.account, kind="silent", minutes=1, alert_never_seen=True,
        emails=["ops@example.jp"], webhooks=[webhook.url])
    # The rule and the gateway have existed for an hour: the gateway is overdue.
    hour_ago = timezone.now() - timedelta(hours=1)
    type(rule).objects.filter(pk=rule.pk).update(created_at=hour_ago)
    type(gateway_a).objects.filter(pk=gateway_a.pk).update(registered_at=hour_ago,
                                                           first_seen_at=hour_ago)
    env = {"REDIS_URL": private_redis, "ALLOW_PRIVATE_OUTBOUND": "1",
           "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
           "ALERTS_EVALUATE_SECONDS": "1", "ALERTS_WEBHOOK_BACKOFF_SECONDS": "0.1"}
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "syslogcloud", "worker", "-B", "--pool=solo",
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "-s", str(tmp_path / "beat-schedule")],
        subprocess_env(**env), tmp_path / "worker.log")
    collector = None
    try:
        worker.wait_for("ready", timeout=90)
        wait_until(lambda: len(smtp_server.messages) >= 1, timeout=60,
                   message="no alert mail: " + worker.output()[-2000:])
        assert "警報" in smtp_server.messages[0]["Subject"]
        event = AlertEvent.objects.get()
        assert event.resolved_at is None and event.last_seen is None

        collector, udp, _tcp = start_collector(tmp_path, **env)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for n in range(3):
                s.sendto(f"<14>popchat-session: 2024/02/01 10:05:00,GW-ALICE-1,{n}".encode(),
                         ("127.0.0.1", udp))
        wait_until(lambda: len(smtp_server.messages) >= 2, timeout=60,
                   message="no recovery mail: " + worker.output()[-2000:])
        assert "復旧" in smtp_server.messages[1]["Subject"]
        wait_until(lambda: len(webhook.calls) >= 2, timeout=30)
        assert [c["payload"]["event"] for c in webhook.calls] == ["opened", "resolved"]
        assert all(c["signed"] for c in webhook.calls)
        arrival = GatewayArrival.objects.get(gateway=gateway_a)
        assert arrival.log_type == "session"
        assert abs((timezone.now() - arrival.last_seen).total_seconds()) < 60
        time.sleep(3)  # three more beat rounds: nothing repeats
        assert len(smtp_server.messages) == 2 and len(webhook.calls) == 2
        assert AlertEvent.objects.get().resolved_at is not None
    finally:
        if collector:
            collector.stop()
        worker.stop()

