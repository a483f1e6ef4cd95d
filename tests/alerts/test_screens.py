"""Rule screens (admins, under 管理), the alert history screen and JSON."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import AlertEvent, AlertRule
from alerts.services import rule_create
from audit.models import OperationHistory
from provisioning.crypto import token_decrypt

pytestmark = pytest.mark.django_db


def test_an_admin_creates_changes_and_deletes_a_rule_with_history_rows(alice_client, gateway_a,
                                                                       webhook):
    response = alice_client.post("/manage/alerts/new/", {
        "kind": "silent", "gateway": "GW-ALICE-1", "minutes": "30", "alert_never_seen": "on",
        "emails": "ops@example.jp\nnoc@example.jp", "webhooks": webhook.url,
        "language": "ja", "enabled": "on"}, follow=True)
    assert response.status_code == 200
    rule = AlertRule.objects.get()
    assert (rule.kind, rule.minutes, rule.gateway, rule.alert_never_seen) == (
        "silent", 30, gateway_a, True)
    assert rule.emails == ["ops@example.jp", "noc@example.jp"]
    page = response.content.decode()
    secret = token_decrypt(rule.webhook_secret)
    assert secret in page  # shown once, after saving

    response = alice_client.post(f"/manage/alerts/{rule.pk}/", {
        "kind": "control_spike", "minutes": "10", "control_kind": "1", "threshold": "20",
        "emails": "", "webhooks": webhook.url + "?v=2", "language": "en", "enabled": "on"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.threshold, rule.gateway, rule.language) == (
        "control_spike", 20, None, "en")
    # A changed URL never inherits the old secret (SPEC §9).
    assert token_decrypt(rule.webhook_secret) != secret

    assert alice_client.post(f"/manage/alerts/{rule.pk}/delete/").status_code == 302
    assert not AlertRule.objects.exists()
    kinds = list(OperationHistory.objects.filter(kind__startswith="alert_rule")
                 .order_by("id").values_list("kind", "detail"))
    assert [k for k, _ in kinds] == ["alert_rule_add", "alert_rule_update", "alert_rule_delete"]
    assert kinds[0][1].startswith(f"アラートルール「#{rule.pk} 停止検知: 30分間受信なし")


def test_the_rule_form_names_bad_fields(alice_client, gateway_a, settings):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    response = alice_client.post("/manage/alerts/new/", {
        "kind": "control_spike", "minutes": "0", "emails": "not-an-address",
        "webhooks": "http://127.0.0.1:9/hook", "language": "ja"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"minutes", "emails", "webhooks", "control_kind", "threshold"}
    assert "ALLOW_PRIVATE_OUTBOUND" in errors["webhooks"][0]
    assert not AlertRule.objects.exists()


def test_plain_users_cannot_manage_rules(client, bob, gateway_a):
    client.force_login(bob)
    assert client.get("/manage/alerts/").status_code == 403
    assert client.post("/manage/alerts/new/", {"kind": "silent", "minutes": "5"}).status_code == 403
    assert client.get("/gateways/status/").status_code == 200  # but see the status


def test_another_accounts_rule_looks_missing(client, charlie, alice, gateway_a):
    rule, _ = rule_create(account=gateway_a.account, kind="silent", minutes=5)
    client.force_login(charlie)
    assert client.get(f"/manage/alerts/{rule.pk}/").status_code == 404
    assert client.post(f"/manage/alerts/{rule.pk}/delete/").status_code == 404
    assert client.get(f"/manage/alerts/{rule.pk + 999}/").status_code == 404
    assert AlertRule.objects.filter(pk=rule.pk).exists()
    # charlie's form cannot name alice's gateway either
    response = client.post("/manage/alerts/new/", {
        "kind": "silent", "gateway": "GW-ALICE-1", "minutes": "5", "language": "ja"})
    assert response.status_code == 400 and "gateway" in response.context["form"].errors


def _event(gateway, opened_at, rule=None):
    return AlertEvent.objects.create(account=gateway.account, rule=rule, rule_text="停止検知",
                                     gateway=gateway, opened_at=opened_at, detail="未受信")


def test_the_alert_history_screen_and_api_list_the_accounts_events(alice_client, gateway_a,
                                                                   gateway_b):
    now = timezone.now()
    _event(gateway_a, now - timedelta(hours=1))
    _event(gateway_a, now - timedelta(days=30))  # outside the default 7 days
    _event(gateway_b, now)
    page = alice_client.get("/history/alerts/").content.decode()
    assert "アラート履歴" in page and "GW-ALICE-1" in page and "GW-CHARLIE-1" not in page
    assert page.count("未受信") == 1
    rows = alice_client.get("/api/v1/alerts").json()["rows"]
    assert [r["gateway"] for r in rows] == ["GW-ALICE-1"]
    assert rows[0]["opened_at"].endswith("+09:00") and rows[0]["resolved_at"] is None
    today = timezone.localdate()
    rows = alice_client.get("/api/v1/alerts", {
        "from": (today - timedelta(days=40)).isoformat(), "to": today.isoformat()}).json()["rows"]
    assert len(rows) == 2


def test_the_alert_api_names_a_bad_period(alice_client, gateway_a):
    today = timezone.localdate()
    response = alice_client.get("/api/v1/alerts", {"from": "2001-01-01", "to": today.isoformat()})
    assert response.status_code == 400 and response.json()["parameter"] == "from"
    response = alice_client.get("/api/v1/alerts", {"from": "yesterday"})
    assert response.status_code == 400 and response.json()["parameter"] == "from"
    assert alice_client.get("/history/alerts/", {"from": "junk"}).status_code == 400


def test_the_pages_have_a_complete_english_translation(alice_client, gateway_a):
    alice_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in ("/gateways/status/", "/history/alerts/", "/manage/alerts/", "/manage/alerts/new/"):
        page = alice_client.get(url).content.decode()
        main = page[page.index("<main>"):].replace("未受信", "").replace("日本語", "")
        assert not any("\u3040" <= ch <= "\u30ff" for ch in main), url


def test_disabling_a_rule_closes_its_open_alert_quietly(alice_client, gateway_a):
    rule, _ = rule_create(account=gateway_a.account, kind="silent", minutes=5)
    event = _event(gateway_a, timezone.now(), rule=rule)
    response = alice_client.post(f"/manage/alerts/{rule.pk}/", {
        "kind": "silent", "minutes": "5", "language": "ja"})  # "enabled" unchecked
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.resolved_at is not None and not event.deliveries.exists()
    page = alice_client.get("/manage/alerts/").content.decode()
    assert "停止検知: 5分間受信なし（全ゲートウェイ）" in page
