"""The screens in a real browser: Playwright driving Debian's Chromium
against the live server. Log in, switch device and month, hover a chart
point, toggle the heatmap, download a file."""
import gzip
import os

import pytest

from tests.conftest import PASSWORD, require_tool
from tests.portal.builders import auth_line, store

# Playwright's sync API runs an event loop in this thread; the ORM calls of
# the fixtures are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def page(live_server, settings, tmp_path):
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    chromium = require_tool("/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        context = browser.new_context(accept_downloads=True, locale="ja-JP",
                                      viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(20000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.js_errors = errors
        yield page
        context.close()
        browser.close()


@pytest.fixture
def gold(transactional_db):
    from tests.portal.conftest import load_worked_month

    account, user, _index = load_worked_month()
    store("auth", auth_line("PCGOLD001", "02:00:00:00:00:0e", "2024/03/05 12:00:00"))
    return account, user


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_user_walks_through_the_dashboards(page, live_server, gold, tmp_path):
    login(page, live_server, "gold")
    page.click("#tile-syslog")
    page.wait_for_url("**/syslog/")
    # Newest month with data first; the worked month is one step back.
    assert page.locator("#month-select").input_value() == "2024-03"
    page.select_option("#month-select", "2024-02")
    page.wait_for_url("**month=2024-02**")
    page.select_option("#gateway-select", "PCGOLD001")
    page.wait_for_url("**gateway=PCGOLD001**")
    assert page.locator("#month-select").input_value() == "2024-02"
    page.screenshot(path=str(tmp_path / "summary.png"), full_page=True)

    # Hover day 1 of the connections chart: 2 connections at PCGOLD001 (A, B).
    page.wait_for_selector("#chart-connections[data-ready='1']")
    point = page.locator("#chart-connections .scatterlayer .points path").first
    point.hover(force=True)
    page.wait_for_selector("#chart-connections .hoverlayer .hovertext")
    hover = page.locator("#chart-connections .hoverlayer").text_content()
    assert "2024/02/01" in hover and "接続数: 2" in hover and "ユニーク端末数: 2" in hover

    # The scope travels with the screen links.
    page.click("text=もっと詳しく >> nth=0")
    page.wait_for_url("**/syslog/trend/?month=2024-02&gateway=PCGOLD001")
    cell = page.locator("#pivot-day-hour td.h9").first
    before = cell.evaluate("el => getComputedStyle(el).backgroundColor")
    page.check("#heatmap-toggle")
    after = cell.evaluate("el => getComputedStyle(el).backgroundColor")
    assert before != after
    page.click("#roaming-by-vlan")
    page.wait_for_url("**by=vlan**")
    page.wait_for_selector("#chart-flows[data-ready='1'] .sankey")
    page.check("#heatmap-toggle")
    page.click("#tab-country")
    assert page.locator("#pivot-country").is_visible()
    assert not page.locator("#pivot-day-hour").is_visible()
    assert "日本 (JP)" in page.locator("#pivot-country").inner_text()
    page.screenshot(path=str(tmp_path / "trend.png"), full_page=True)

    page.click("a.screens-download, nav.screens >> text=ダウンロード")
    page.wait_for_url("**/syslog/download/?month=2024-02&gateway=PCGOLD001")
    with page.expect_download() as info:
        page.click("#download-active")
    download = info.value
    assert download.suggested_filename == "active_PCGOLD001_202402.csv.gz"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert len(lines) == 5 and all(line.startswith("PCGOLD001,") for line in lines)
    assert lines[0] == ("PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:00:00,"
                        "2024/02/01 10:30:00,02,1800,")
    for screen, name in (("ユーザ分布", "users"), ("システムログ", "system")):
        page.click(f"nav.screens >> text={screen}")
        page.wait_for_load_state()
        page.wait_for_function(
            "[...document.querySelectorAll('[data-figure]')].every(e => e.dataset.ready)")
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    assert [e for e in page.js_errors if "404" not in e] == []


def test_the_english_ui_and_an_empty_account(page, live_server, charlie):
    login(page, live_server, "charlie")
    page.goto(f"{live_server.url}/syslog/")
    assert page.locator("#empty-state").is_visible()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("nav.screens a").first.inner_text() == "Summary"
    assert "More details" in page.content()
