"""Every screen in Chromium at phone and desktop widths, in both languages:
no sideways scroll, no console error (CSP violations included), plus the
behaviours of issue 11 that only a browser shows. One browser for the
module, one context per language and width, one login per context.

Screenshots go to $SCREENSHOT_DIR when set (look at them), else tmp_path.
"""
import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, make_user, require_tool
from tests.portal.builders import auth_line, store

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PHISH = "<a href=//evil.example/>phish</a>"
SCREENS = [
    ("home", "/"), ("summary", "/syslog/?month=2024-02"),
    ("trend", "/syslog/trend/?month=2024-02&tab=country&heat=1"),
    ("users", "/syslog/users/?month=2024-02"), ("system", "/syslog/system/?month=2024-02"),
    ("download", "/syslog/download/?month=2024-02"), ("empty-month", "/syslog/?month=2023-01"),
    ("login-history", "/history/login/"), ("operation-history", "/history/operation/"),
    ("provisioning-history", "/history/provisioning/"), ("my-history", "/history/login/mine/"),
    ("services", "/manage/services/"), ("service-new", "/manage/services/new/"),
    ("users-admin", "/manage/users/"), ("user-add", "/manage/users/add/"),
    ("bulk", "/manage/users/bulk/"), ("bulk-delete", "/manage/users/bulk-delete/"),
    ("organisations", "/manage/organisations/"), ("security", "/manage/security/"),
    ("me", "/me/"), ("otp", "/me/otp/"), ("not-found", "/no/such/page/"),
    # The screens of issues 10, 12, 13 and 14.
    ("tokens", "/me/tokens/"), ("passkeys", "/me/passkeys/"),
    ("trace", "/syslog/trace/?mac=02:00:00:00:00:0e&from=2024-02-01&to=2024-02-29"),
    ("gateway-status", "/gateways/status/"), ("alert-history", "/history/alerts/"),
    ("alert-rules", "/manage/alerts/"), ("alert-rule-new", "/manage/alerts/new/"),
    ("login-methods", "/manage/security/login-methods/"), ("browsers", "/manage/browsers/"),
    ("devices", "/manage/devices/"),
]


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def site(live_server, transactional_db, settings):
    """The worked month plus an admin of its account, and one record whose
    browser name is HTML (issue 10 item 8)."""
    from tests.portal.conftest import load_worked_month

    account, _user, _index = load_worked_month()
    store("auth", auth_line("PCGOLD001", "02:00:00:00:00:0e", "2024/02/05 12:00:00", app=PHISH))
    make_user("goldadmin", account=account, admin=True, name="Gold Admin")
    return live_server


def open_context(browser, site, *, lang: str, width: int):
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.js_errors = errors
    page.goto(f"{site.url}/login/")
    page.fill("#id_username", "goldadmin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")
    if lang == "en":
        if page.locator("#menu-toggle").is_visible():
            page.click("#menu-toggle")  # the phone menu holds the language switch
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
    return context, page


def settle(page):
    page.wait_for_load_state("load")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-figure]')].every(e => e.dataset.ready)")


def sideways(page) -> int:
    """How many pixels the page is wider than the window (0 = no sideways scroll)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [390, 1440])
def test_every_screen_fits_and_runs_clean(browser, site, shots, lang, width):
    context, page = open_context(browser, site, lang=lang, width=width)
    problems = []
    for name, url in SCREENS:
        page.js_errors.clear()
        page.goto(site.url + url)
        settle(page)
        page.screenshot(path=str(shots / f"{name}-{lang}-{width}.png"), full_page=True)
        if sideways(page) > 0:
            problems.append(f"{url}: {sideways(page)} px sideways")
        # The 404 page's own request is the one expected console error.
        errors = [e for e in page.js_errors if not (name == "not-found" and "404" in e)]
        if errors:
            problems.append(f"{url}: {errors}")
    context.close()
    assert problems == []


def test_the_phone_menu_collapses_and_opens(browser, site):
    context, page = open_context(browser, site, lang="ja", width=390)
    page.goto(site.url + "/syslog/?month=2024-02")
    assert not page.locator("#site-menu").is_visible()
    page.click("#menu-toggle")
    assert page.locator("#site-menu a", has_text="ログアウト").count() == 0  # a button
    assert page.locator("#site-menu button", has_text="ログアウト").is_visible()
    box = page.locator("#site-menu .who").bounding_box()
    assert box["width"] > 100  # one line, not one character per line
    context.close()


def test_enter_in_the_history_search_box_searches(browser, site):
    context, page = open_context(browser, site, lang="ja", width=1440)
    page.goto(site.url + "/history/login/")
    page.fill("#search input[name=q]", "gold")
    with page.expect_navigation():
        page.press("#search input[name=q]", "Enter")
    assert "/history/login/?" in page.url and "q=gold" in page.url
    assert page.locator("#history").is_visible()
    context.close()


def test_pivot_tab_and_colours_survive_a_month_change_and_arrow_keys_move(browser, site):
    context, page = open_context(browser, site, lang="ja", width=1440)
    page.goto(site.url + "/syslog/trend/?month=2024-02")
    settle(page)
    page.click("#tab-language")
    page.check("#heatmap-toggle")
    assert "tab=language" in page.url and "heat=1" in page.url
    page.focus("#tab-language")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-weekday-hour"
    assert page.locator("#pivot-weekday-hour").is_visible()
    # Japanese weekday rows, not Mon 00.
    assert "月 00" in page.locator("#pivot-weekday-hour tbody").inner_text()
    with page.expect_navigation():
        page.select_option("#gateway-select", "PCGOLD001")
    assert page.locator("#tab-weekday-hour").get_attribute("aria-selected") == "true"
    assert page.locator("#heatmap-toggle").is_checked()
    page.reload()
    assert page.locator("#pivot-weekday-hour").is_visible()
    context.close()


def test_the_heatmap_shows_structure_with_a_legend(browser, site, shots):
    context, page = open_context(browser, site, lang="ja", width=1440)
    page.goto(site.url + "/syslog/trend/?month=2024-02&tab=day-hour&heat=1")
    levels = page.eval_on_selector_all(
        "#pivot-day-hour td[class^=h]:not(.h0)", "els => els.map(e => e.className)")
    assert len(set(levels)) >= 2  # not everything in the palest shade
    assert page.locator("#pivot-day-hour .heat-legend").is_visible()
    page.screenshot(path=str(shots / "heatmap.png"), full_page=True)
    context.close()


def test_an_empty_month_says_no_data(browser, site):
    context, page = open_context(browser, site, lang="ja", width=1440)
    page.goto(site.url + "/syslog/?month=2023-01")
    assert page.locator("#chart-connections").inner_text().count("データがありません") == 1
    assert page.locator("svg.main-svg").count() == 0  # no axes from 0 to 1, no blank pies
    context.close()


def test_html_in_log_data_is_shown_not_rendered_in_charts(browser, site):
    context, page = open_context(browser, site, lang="ja", width=1440)
    page.goto(site.url + "/syslog/users/?month=2024-02")
    settle(page)
    legend = page.locator("#chart-browser .legend")
    assert "<a href=//evil.example/>phish</a>" in legend.text_content()
    assert page.locator("#chart-browser a[href*='evil']").count() == 0
    context.close()


def test_hover_numbers_have_separators_and_units(browser, site):
    context, page = open_context(browser, site, lang="ja", width=1440)
    page.goto(site.url + "/syslog/trend/?month=2024-02")
    settle(page)
    page.locator("#chart-ctime .scatterlayer .points path").first.hover(force=True)
    page.wait_for_selector("#chart-ctime .hoverlayer .hovertext")
    hover = page.locator("#chart-ctime .hoverlayer").text_content()
    assert "分" in hover
    assert page.locator("#chart-ctime .ytitle").text_content() == "接続時間（分）"
    context.close()


def test_the_japanese_header_does_not_break_words_at_1024(browser, site):
    context, page = open_context(browser, site, lang="ja", width=1024)
    page.goto(site.url + "/history/login/")
    broken = page.evaluate("""[...document.querySelectorAll('.topbar a, .topbar button')]
        .filter(e => e.offsetParent && e.getClientRects().length > 1 ||
                     e.getBoundingClientRect().height > 40)
        .map(e => e.textContent.trim())""")
    assert broken == []
    assert sideways(page) == 0
    context.close()


@pytest.mark.parametrize("width", [390, 1440])
def test_a_wrong_password_keeps_the_user_id_and_focuses_the_password(browser, site, shots,
                                                                     width):
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{site.url}/login/")
    page.fill("#id_username", "goldadmin")
    page.fill("#id_password", "not-the-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#login-error[role=alert]").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_password"
    assert page.locator("#id_username").input_value() == "goldadmin"
    assert sideways(page) == 0
    page.screenshot(path=str(shots / f"login-error-{width}.png"), full_page=True)
    context.close()


def test_the_operator_home_at_phone_width(browser, site, shots):
    from accounts.models import User

    User.objects.create_superuser(username="operator", password=PASSWORD, email="o@example.jp")
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{site.url}/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#tile-quarantine").is_visible() and sideways(page) == 0
    page.screenshot(path=str(shots / "operator-home-390.png"), full_page=True)
    page.click("#tile-quarantine")
    page.wait_for_load_state()
    assert "/admin/ingest/quarantine/" in page.url
    context.close()
