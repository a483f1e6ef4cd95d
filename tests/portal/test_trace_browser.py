"""端末照会 in a real browser (Playwright + Debian's Chromium): search by IP
and moment, download the CSV, search by MAC and period, at phone and desktop
widths."""
import csv
import io
import os

import pytest
from django.db import connection

from tests.conftest import PASSWORD, require_tool
from tests.portal.trace_kit import active, auth, control, dhcp, store_all

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR", "")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def browser(live_server, settings):
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    chromium = require_tool("/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        yield browser
        browser.close()


def new_page(browser, width: int):
    context = browser.new_context(accept_downloads=True, locale="ja-JP",
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def station(gateway_a, alice):
    store_all(
        auth=[auth("GW-ALICE-1", "10.0.0.5", "02:00:00:00:00:0a", "2024/05/03 14:00:00",
                   "2024/05/03 14:45:00", port_label="Platform 2")],
        active=[active("GW-ALICE-1", "10.0.0.5", "02:00:00:00:00:0a", "2024/05/03 14:00:00",
                       "2024/05/03 14:40:00", status="00", secs=2400)],
        dhcp=[dhcp("GW-ALICE-1", "2024/05/03 13:59:30", "10.0.0.5", "02:00:00:00:00:0a")],
        control=[control("GW-ALICE-1", "2024/05/03 14:10:00", "10.0.0.5", "02:00:00:00:00:0a")],
    )


def fits(page) -> bool:
    return page.evaluate("(() => { const m = document.querySelector('main');"
                         " return m.scrollWidth <= m.clientWidth; })()")


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("width", [1440, 390])
def test_an_admin_looks_up_an_address_and_a_terminal(browser, live_server, station, tmp_path,
                                                     width):
    from audit.models import OperationHistory

    page = new_page(browser, width)
    login(page, live_server, "alice")
    if page.locator("#menu-toggle").is_visible():  # phones: the menu is collapsed
        page.click("#menu-toggle")
    page.click("#nav-trace")
    page.wait_for_url("**/syslog/trace/")
    assert page.locator("h1").inner_text() == "端末照会"

    page.fill("#ip", "10.0.0.5")
    page.fill("#at", "2024/05/03 14:10:00")
    page.click("#search-ip")
    page.wait_for_selector("#sessions")
    sessions = page.locator("#sessions tbody tr")
    assert sessions.count() == 2
    first = sessions.nth(0).inner_text()
    assert "認証ログ" in first and "Lobby" in first and "Platform 2" in first
    assert "アンケート認証" in first and "0:45:00" in first
    assert "02:00:00:00:00:0A" in first
    assert "2024/05/03 13:59:30" in page.locator("#leases").inner_text()
    shot(page, f"trace-ip-{width}")
    # The screen's content fits the width; wide tables scroll in their own
    # boxes. (The top bar is the base template's, outside this screen.)
    assert fits(page)

    with page.expect_download() as info:
        page.click("#trace-csv")
    download = info.value
    assert download.suggested_filename.startswith("terminal-lookup_")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["認証ログ", "アクティブ接続ログ", "DHCPログ"]

    page.fill("#mac", "02-00-00-00-00-0A")
    page.fill("#from", "2024-05-03")
    page.fill("#to", "2024-05-03")
    page.click("#search-mac")
    page.wait_for_selector("#records")
    types = page.locator("#records tbody tr td:nth-child(2)").all_inner_texts()
    assert types == ["DHCPログ", "認証ログ", "アクティブ接続ログ", "制御ログ"]
    shot(page, f"trace-mac-{width}")
    assert fits(page)

    details = list(OperationHistory.objects.filter(kind="trace_lookup").order_by("id")
                   .values_list("detail", flat=True))
    # This query ran after Playwright's greenlet took turns with the test, in a
    # context whose database connection pytest-django does not close: without
    # this the test database cannot be dropped at the end of the run.
    connection.close()
    assert details == [
        "IPアドレス「10.0.0.5」(2024/05/03 14:10:00)を照会しました。",
        "IPアドレス「10.0.0.5」(2024/05/03 14:10:00)を照会しました。",  # the CSV
        "MACアドレス「02:00:00:00:00:0A」(2024/05/03〜2024/05/03)を照会しました。",
    ]
    assert page.js_errors == []
