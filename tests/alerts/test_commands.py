"""`add_alert_rule` and `check_alerts`, as scripts use them."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from alerts.models import AlertEvent, AlertRule
from audit.models import OperationHistory
from provisioning.crypto import token_decrypt

pytestmark = pytest.mark.django_db


def test_add_alert_rule_prints_the_rule_id_and_its_secret(gateway_a, capsys):
    call_command("add_alert_rule", "A00700001", "--silent-minutes", "15", "--gateway",
                 "GW-ALICE-1", "--email", "ops@example.jp", "--email", "noc@example.jp",
                 "--webhook", "http://127.0.0.1:8999/hook", "--webhook-secret", "s3cret")
    rule = AlertRule.objects.get()
    assert capsys.readouterr().out == f"rule {rule.pk}\nwebhook secret s3cret\n"
    assert (rule.kind, rule.minutes, rule.gateway, rule.emails) == (
        "silent", 15, gateway_a, ["ops@example.jp", "noc@example.jp"])
    assert token_decrypt(rule.webhook_secret) == "s3cret"
    assert OperationHistory.objects.filter(kind="alert_rule_add").count() == 1


def test_add_alert_rule_makes_a_control_spike_rule_and_a_secret(gateway_a, capsys):
    call_command("add_alert_rule", "A00700001", "--control-kind", "spam", "--count", "50",
                 "--minutes", "5", "--language", "en")
    rule = AlertRule.objects.get()
    assert (rule.kind, rule.control_kind, rule.threshold, rule.minutes, rule.gateway,
            rule.language) == ("control_spike", "1", 50, 5, None, "en")
    secret = capsys.readouterr().out.splitlines()[1].removeprefix("webhook secret ")
    assert len(secret) >= 32 and token_decrypt(rule.webhook_secret) == secret


@pytest.mark.parametrize(("args", "message"), [
    (["A09999999", "--silent-minutes", "5"], "unknown account A09999999"),
    (["A00700001"], "either --silent-minutes"),
    (["A00700001", "--silent-minutes", "5", "--control-kind", "1"], "either --silent-minutes"),
    (["A00700001", "--silent-minutes", "0"], "--silent-minutes must be a positive"),
    (["A00700001", "--control-kind", "9", "--count", "1", "--minutes", "1"], "--control-kind"),
    (["A00700001", "--control-kind", "1", "--minutes", "1"], "--count must be"),
    (["A00700001", "--silent-minutes", "5", "--gateway", "GW-CHARLIE-1"],
     "GW-CHARLIE-1 is not a gateway of A00700001"),
    (["A00700001", "--silent-minutes", "5", "--email", "nope"], "nope is not an e-mail"),
])
def test_add_alert_rule_refuses_bad_input_clearly(gateway_a, gateway_b, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_alert_rule", *args)
    assert not AlertRule.objects.exists()


def test_add_alert_rule_refuses_a_private_webhook_unless_allowed(gateway_a, settings):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    with pytest.raises(CommandError, match="ALLOW_PRIVATE_OUTBOUND"):
        call_command("add_alert_rule", "A00700001", "--silent-minutes", "5",
                     "--webhook", "http://127.0.0.1:8999/hook")


def test_check_alerts_evaluates_once_now(gateway_a, smtp_server, capsys,
                                         django_capture_on_commit_callbacks):
    call_command("add_alert_rule", "A00700001", "--silent-minutes", "30", "--never-seen",
                 "--email", "ops@example.jp")
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                call_command("check_alerts")
    lines = capsys.readouterr().out.splitlines()
    assert lines[2:] == ["1 rules evaluated: 1 opened, 0 resolved",
                         "1 rules evaluated: 0 opened, 0 resolved",
                         "1 rules evaluated: 0 opened, 0 resolved"]
    assert AlertEvent.objects.count() == 1 and len(smtp_server.messages) == 1


def test_the_embedded_scheduler_evaluates_like_beat(gateway_a, smtp_server, capsys, settings,
                                                    django_capture_on_commit_callbacks):
    """`make run` without Redis runs `scheduler`, which runs beat's schedule."""
    assert settings.CELERY_BEAT_SCHEDULE["alerts-evaluate"] == {
        "task": "alerts.tasks.evaluate_alerts", "schedule": settings.ALERTS_EVALUATE_SECONDS}
    call_command("add_alert_rule", "A00700001", "--silent-minutes", "30", "--never-seen",
                 "--email", "ops@example.jp")
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("scheduler", "--rounds", "1")
    assert "alerts-evaluate: {'rules': 1, 'opened': 1, 'resolved': 0}" in capsys.readouterr().out
    assert AlertEvent.objects.count() == 1 and len(smtp_server.messages) == 1
