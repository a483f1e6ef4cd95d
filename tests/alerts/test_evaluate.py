"""Evaluation with real peers: an SMTP server and a webhook receiver on
loopback. Time is passed to the evaluation explicitly (`now=`), the way
beat's every-minute runs see it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.evaluate import alerts_evaluate
from alerts.models import AlertDelivery, AlertEvent, RuleKind
from alerts.selectors import gateway_status_list
from alerts.services import rule_create
from tests.alerts.kit import arrive, control_records
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluate(django_capture_on_commit_callbacks):
    """Evaluate at `at`, running the notices queued on commit."""
    def run(at):
        with django_capture_on_commit_callbacks(execute=True):
            return alerts_evaluate(now=at)
    return run


def silent_rule(account, webhook=None, **extra):
    rule, secret = rule_create(
        account=account, kind=RuleKind.SILENT, minutes=30, emails=["ops@example.jp"],
        webhooks=[webhook.url] if webhook else [], **extra)
    if webhook:
        webhook.secret = secret
    return rule


def test_a_silent_gateway_alerts_once_and_recovers_once(gateway_a, smtp_server, webhook,
                                                       evaluate):
    silent_rule(gateway_a.account, webhook)
    t0 = timezone.now()
    arrive(gateway_a, t0)
    assert evaluate(t0 + timedelta(minutes=10)).opened == 0
    assert evaluate(t0 + timedelta(minutes=31)).opened == 1
    for minutes in (32, 33, 40):  # beat keeps running: no storm of repeats
        assert evaluate(t0 + timedelta(minutes=minutes))[1:] == (0, 0)
    assert len(smtp_server.messages) == 1 and len(webhook.calls) == 1
    mail = smtp_server.messages[0]
    assert "警報" in mail["Subject"] and "GW-ALICE-1" in mail["Subject"]
    body = mail.get_content()
    assert "Lobby" in body and "最終受信日時" in body
    assert timezone.localtime(t0).strftime("%Y/%m/%d %H:%M:%S") in body
    opened = webhook.calls[0]
    assert opened["signed"] and opened["payload"]["event"] == "opened"
    assert opened["payload"]["gateway"] == "GW-ALICE-1" and opened["payload"]["label"] == "Lobby"

    arrive(gateway_a, t0 + timedelta(minutes=41))
    assert evaluate(t0 + timedelta(minutes=42))[1:] == (0, 1)
    assert evaluate(t0 + timedelta(minutes=43))[1:] == (0, 0)
    assert len(smtp_server.messages) == 2 and "復旧" in smtp_server.messages[1]["Subject"]
    assert [c["payload"]["event"] for c in webhook.calls] == ["opened", "resolved"]
    assert all(c["signed"] for c in webhook.calls)
    event = AlertEvent.objects.get()
    assert event.resolved_at == t0 + timedelta(minutes=42)
    assert set(event.deliveries.values_list("phase", "status")) == {
        ("opened", "ok"), ("resolved", "ok")}


def test_a_gateway_that_keeps_sending_never_alerts(gateway_a, smtp_server, evaluate):
    silent_rule(gateway_a.account)
    t0 = timezone.now()
    for minute in range(0, 120, 5):
        arrive(gateway_a, t0 + timedelta(minutes=minute))
        evaluate(t0 + timedelta(minutes=minute + 1))
    assert not AlertEvent.objects.exists() and smtp_server.messages == []
    [row] = gateway_status_list(account=gateway_a.account, now=t0 + timedelta(minutes=116))
    assert row.state == "receiving"


def test_a_never_seen_gateway_alerts_only_when_the_rule_says_so(gateway_a, smtp_server,
                                                                evaluate):
    quiet = silent_rule(gateway_a.account)
    loud = silent_rule(gateway_a.account, alert_never_seen=True)
    later = timezone.now() + timedelta(minutes=31)
    assert evaluate(later).opened == 1
    event = AlertEvent.objects.get()
    assert event.rule == loud and event.rule != quiet and "未受信" in event.detail
    assert len(smtp_server.messages) == 1
    [row] = gateway_status_list(account=gateway_a.account, now=later)
    assert row.state == "never" and row.never_seen_alerts


def test_a_control_spike_opens_and_its_end_resolves(gateway_a, webhook, evaluate):
    rule, webhook.secret = rule_create(
        account=gateway_a.account, kind=RuleKind.CONTROL_SPIKE, control_kind="1",
        threshold=5, minutes=10, webhooks=[webhook.url])
    now = timezone.now().replace(microsecond=0)
    control_records(gateway_a, now - timedelta(minutes=2), 4)
    control_records(gateway_a, now - timedelta(minutes=2), 3, kind="0")  # another kind
    assert evaluate(now).opened == 0
    control_records(gateway_a, now - timedelta(minutes=1), 1)
    assert evaluate(now).opened == 1
    assert "スパム制限 5件" in AlertEvent.objects.get().detail
    assert evaluate(now + timedelta(minutes=5)).opened == 0
    assert evaluate(now + timedelta(minutes=12))[1:] == (0, 1)
    assert [c["payload"]["event"] for c in webhook.calls] == ["opened", "resolved"]
    assert all(c["signed"] for c in webhook.calls)


def test_a_webhook_answering_500_then_200_is_retried_and_delivered_once(gateway_a, webhook,
                                                                       evaluate):
    silent_rule(gateway_a.account, webhook, alert_never_seen=True)
    webhook.script = [500, 503]
    evaluate(timezone.now() + timedelta(minutes=31))
    assert [c["status"] for c in webhook.calls] == [500, 503, 200]
    assert len(webhook.delivered()) == 1
    delivery = AlertDelivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts, delivery.result) == ("ok", 3, "HTTP 200")


def test_a_webhook_that_keeps_failing_is_recorded_as_failed(gateway_a, webhook, evaluate,
                                                           settings):
    settings.ALERTS_WEBHOOK_TRIES = 2
    silent_rule(gateway_a.account, webhook, alert_never_seen=True)
    webhook.script = [500, 500, 500]
    evaluate(timezone.now() + timedelta(minutes=31))
    delivery = AlertDelivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert delivery.result == "HTTP 500 boom"


def test_an_unreachable_smtp_server_is_recorded_and_the_event_not_repeated(gateway_a, settings,
                                                                          evaluate):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    silent_rule(gateway_a.account, alert_never_seen=True)
    later = timezone.now() + timedelta(minutes=31)
    assert evaluate(later).opened == 1
    delivery = AlertDelivery.objects.get()
    assert delivery.status == "failed" and "Connection" in delivery.result
    assert evaluate(later + timedelta(minutes=1)).opened == 0
    assert AlertEvent.objects.count() == 1 and AlertDelivery.objects.count() == 1


def test_rules_of_another_account_never_fire_for_this_one(gateway_a, gateway_b, smtp_server,
                                                          evaluate):
    silent_rule(gateway_b.account, alert_never_seen=True)  # charlie's account, every gateway
    evaluate(timezone.now() + timedelta(minutes=31))
    assert list(AlertEvent.objects.values_list("gateway__gateway_id", flat=True)) == [
        "GW-CHARLIE-1"]
    with pytest.raises(ValueError):
        rule_create(account=gateway_b.account, kind=RuleKind.SILENT, minutes=5, gateway=gateway_a)


def test_english_rules_send_english_notices(gateway_a, smtp_server, evaluate):
    silent_rule(gateway_a.account, alert_never_seen=True, language="en")
    evaluate(timezone.now() + timedelta(minutes=31))
    mail = smtp_server.messages[0]
    assert mail["Subject"].startswith("[Syslog@Cloud] Alert: GW-ALICE-1 Lobby")
    assert "Last seen: never" in mail.get_content()
