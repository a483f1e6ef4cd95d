"""A real browser (Playwright + Debian's Chromium): log in with a one-time
password, search the login history with two result boxes, sort, open a
detail, download the CSV."""
import base64
import csv
import io
import os

import pyotp
import pytest

from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR", "")


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(accept_downloads=True, locale="ja-JP",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_login_with_otp_then_search_sort_detail_and_csv(live_server, browser_page, alice, bob,
                                                        login_row):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=alice, name="default", confirmed=True)
    totp = pyotp.TOTP(base64.b32encode(device.bin_key).decode())
    from audit.search import today_jst

    day = today_jst().strftime("%Y-%m-%d")
    login_row(f"{day} 00:00:01", bob, 22)
    login_row(f"{day} 00:00:02", bob, 30)
    login_row(f"{day} 00:00:03", bob, 26)
    login_row(f"{day} 00:00:04", bob, 2)

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    shot(page, "01-login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=otp_token]")
    shot(page, "02-otp")
    page.fill("input[name=otp_token]", totp.now())
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.mainnav a[href='/history/login/']")
    page.wait_for_selector("table#history")
    assert page.locator("a.current").inner_text() == "ログイン履歴"
    page.check("input[name=result][value=ng]")
    page.check("input[name=result][value=lock]")
    page.click("button.search-button")
    page.wait_for_load_state()
    results = page.locator("td.result").all_inner_texts()
    assert sorted(set(results)) == ["アカウントロック", "ログインNG"]
    assert len(results) == 3

    page.click("a.sort[data-sort=result]")
    page.wait_for_load_state()
    assert page.locator("td.result").all_inner_texts() == ["アカウントロック", "ログインNG",
                                                          "ログインNG"]
    assert page.is_checked("input[name=result][value=lock]")  # filters survive the sort
    shot(page, "03-login-history")

    page.locator("button.detail").first.click()
    dialog = page.locator("dialog#detail-dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator("pre").inner_text() == "一定回数パスワード入力誤り[192.0.2.1 Windows 10]"
    shot(page, "04-detail")
    dialog.locator("button").click()

    with page.expect_download() as info:
        page.click("button.csv")
    download = info.value
    assert download.suggested_filename == f"access-log_{day.replace('-', '')}.csv"
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    # The period only: the successful rows (and alice's own OTP login) are in it.
    assert {r[3] for r in table[1:]} == {"ログイン成功", "ログインNG", "アカウントロック"}
    assert ["alice", "Alice Admin", "ログイン成功"] in [r[1:4] for r in table[1:]]

    page.click("ul.tabs a[href='/history/operation/']")
    page.wait_for_selector("table#history")
    shot(page, "05-operation-history")


def test_admin_screens_in_a_browser(live_server, browser_page, alice, bob):
    from accounts.models import User

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/manage/users/add/")
    page.fill("input[name=username]", "u01")
    page.fill("input[name=name]", "山田 太郎")
    page.fill("input[name=password]", "Very-long-Pass-93")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#status")
    assert User.objects.filter(username="u01", account=alice.account).exists()
    shot(page, "10-user-detail")
    page.goto(f"{live_server.url}/manage/users/")
    shot(page, "11-user-list")
    page.goto(f"{live_server.url}/manage/organisations/")
    page.fill("input[name=name]", "営業部")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=営業部")
    shot(page, "12-organisations")
    page.goto(f"{live_server.url}/manage/security/")
    shot(page, "13-security")
    page.goto(f"{live_server.url}/history/operation/")
    page.select_option("select[name=kind]", "cat:org")
    page.click("button.search-button")
    page.wait_for_load_state()
    rows = page.locator("table#history tbody tr").all_inner_texts()
    assert len(rows) == 1 and "組織「営業部」を登録しました。" in rows[0]
    shot(page, "14-operation-filtered")
    page.goto(f"{live_server.url}/me/otp/")
    shot(page, "15-otp-setup")
