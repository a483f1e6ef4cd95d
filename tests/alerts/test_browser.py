"""A real browser (Playwright + Debian's Chromium): an admin opens 機器の状態
from the main nav (sparklines drawn by the vendored plotly), adds a rule
under 管理, and reads the alert history, at phone and desktop widths."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import AlertDelivery, AlertEvent, AlertRule
from tests.alerts.kit import arrive
from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR", "")



def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def login(browser, live_server, width: int):
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.mark.parametrize("width", [390, 1440])
def test_status_rules_and_history_in_a_browser(live_server, browser, alice, gateway_a,
                                               account_a, width):
    from accounts.services import gateway_register

    gateway_register(gateway_id="GW-ALICE-2", account=account_a, label="Hall")
    now = timezone.now()
    for hours in range(0, 24, 2):
        arrive(gateway_a, now - timedelta(hours=hours), n=10 + hours)
    page = login(browser, live_server, width)
    page.goto(f"{live_server.url}/gateways/status/")
    page.wait_for_selector("[data-figure='spark-0'][data-ready='1']")
    rows = page.locator("#gateway-status tbody tr")
    assert rows.count() == 2
    assert "受信中" in rows.nth(0).inner_text() and "未受信" in rows.nth(1).inner_text()
    shot(page, f"alerts-status-{width}")

    page.goto(f"{live_server.url}/manage/alerts/new/")
    page.check("input[name=kind][value=silent]")
    page.fill("input[name=minutes]", "30")
    page.check("input[name=alert_never_seen]")
    page.fill("textarea[name=emails]", "ops@example.jp")
    shot(page, f"alerts-rule-form-{width}")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("table#rules")
    assert AlertRule.objects.filter(account=account_a, minutes=30).exists()
    assert "停止検知" in page.locator("table#rules").inner_text()
    shot(page, f"alerts-rules-{width}")

    event = AlertEvent.objects.create(
        account=account_a, rule=AlertRule.objects.get(),
        rule_text="停止検知: 30分間受信なし（全ゲートウェイ）", gateway=gateway_a,
        opened_at=now - timedelta(minutes=5), detail="最終受信 … 30分以上受信なし")
    AlertDelivery.objects.create(event=event, phase="opened", channel="email",
                                 target="ops@example.jp", status="failed", attempts=1,
                                 result="SMTPConnectError: (421, 'try later')")
    page.goto(f"{live_server.url}/history/alerts/")
    table = page.locator("table#alert-history").inner_text()
    assert "GW-ALICE-1" in table and "送信失敗" in table and "発生中" in table
    shot(page, f"alerts-history-{width}")
    # Nothing of these screens sticks out sideways on a phone: the tables
    # scroll inside their box. (The shared header is the base template's.)
    assert page.evaluate("document.querySelector('main').scrollWidth") <= width
