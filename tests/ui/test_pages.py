"""Screen behaviour checked without a browser: error pages in the site frame,
the history search form, the login page, the operator's home, favicon, CSP."""
import re

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone, translation

from tests.conftest import PASSWORD
from tests.ui.conftest import english

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 12:00:00+09:00"


def _frame(html: str) -> bool:
    return 'class="topbar"' in html and 'href="/"' in html


def test_a_viewer_following_an_admin_link_gets_the_framed_403_in_japanese(client, bob):
    client.force_login(bob)
    response = client.get("/manage/users/")
    html = response.content.decode()
    assert response.status_code == 403 and _frame(html)
    assert "このページを開く権限がありません" in html and "ポータルのホームへ戻る" in html
    assert "Forbidden" not in html


def test_the_403_page_follows_the_language(client, bob):
    client.force_login(bob)
    html = english(client).get("/manage/users/").content.decode()
    assert "You may not open this page" in html and "Back to the portal home" in html


def test_an_unknown_address_is_a_framed_404(client, bob):
    client.force_login(bob)
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and _frame(html) and "ページが見つかりません" in html


@override_settings(DEBUG=False)
def test_the_500_page_is_framed_without_a_request():
    with translation.override("ja"):
        html = render_to_string("500.html")
    assert _frame(html) and "エラーが発生しました" in html


@pytest.mark.parametrize("url", ["/history/login/", "/history/operation/",
                                 "/history/provisioning/"])
def test_enter_in_the_search_box_searches_and_csv_comes_last(alice_client, url):
    """Enter submits with the form's first submit button: it must be Search,
    not the CSV download; the tab order is period, text, …, Search, CSV."""
    html = alice_client.get(url).content.decode()
    form = html[html.index('<form method="get" class="search"'):]
    form = form[:form.index("</form>")]
    buttons = re.findall(r"<button[^>]*>", form)
    assert "search-button" in buttons[0] and "formaction" not in buttons[0]
    assert form.index('name="q"') < form.index("formaction=")


def test_a_search_with_no_results_says_so(alice_client, login_row, alice):
    with time_machine.travel(NOW):
        login_row("2026-11-19 09:00:00", alice)
        html = alice_client.get("/history/login/", {"q": "nobody-matches"}).content.decode()
    assert 'id="history"' in html and "対象期間の履歴はありません。" in html
    assert "0件" in html


def test_rows_written_by_the_system_show_system(alice_client, alice):
    from audit.models import OperationHistory

    with time_machine.travel(NOW):
        OperationHistory.objects.create(at=timezone.now(), account=alice.account, user=None,
                                        username="",
                                        name="", kind="gateway_register",
                                        detail="ゲートウェイ「GW1」を登録しました。")
        html = alice_client.get("/history/operation/").content.decode()
        en = english(alice_client).get("/history/operation/").content.decode()
    row = html[html.index("ゲートウェイ登録"):]
    assert row.index(">システム<") < row.index("GW1")
    assert ">System<" in en


def test_period_inputs_carry_the_allowed_range(alice_client):
    with time_machine.travel(NOW):
        html = alice_client.get("/history/login/").content.decode()
    for name in ("from", "to"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]
        assert 'min="2025-11-01"' in tag and 'max="2026-11-20"' in tag


def test_a_wrong_password_is_an_alert_and_focus_goes_to_the_password(client, bob):
    html = client.post("/login/", {"username": "bob", "password": "wrong"}).content.decode()
    assert 'role="alert"' in html
    username = re.search(r'<input[^>]*id="id_username"[^>]*>', html)[0]
    password = re.search(r'<input[^>]*id="id_password"[^>]*>', html)[0]
    assert 'value="bob"' in username and "autofocus" not in username
    assert "autofocus" in password


def test_the_superuser_home_links_to_the_operators_tools(client, operator):
    client.force_login(operator)
    html = client.get("/").content.decode()
    assert 'href="/admin/ingest/quarantine/"' in html
    assert 'href="/admin/accounts/gateway/?account__isempty=1"' in html
    assert 'href="/admin/accounts/account/"' in html and 'id="nav-admin"' in html
    assert 'id="tile-syslog"' not in html  # no account: no dashboards to offer


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


PAGES = ["/", "/syslog/", "/syslog/trend/", "/syslog/users/", "/syslog/system/",
         "/syslog/download/", "/history/login/", "/history/operation/", "/history/login/mine/",
         "/history/provisioning/", "/manage/services/", "/manage/services/new/", "/manage/users/",
         "/manage/users/add/", "/manage/users/bulk/", "/manage/users/bulk-delete/",
         "/manage/organisations/", "/manage/security/", "/me/", "/me/otp/",
         "/manage/security/login-methods/", "/manage/devices/"]


def test_pages_send_a_strict_csp_and_carry_no_inline_script(alice_client, gateway_a):
    for url in PAGES:
        response = alice_client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp)[1]
        assert script_src.strip() == "'self'", (url, csp)
        html = response.content.decode()
        assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html) == [], url
        assert re.findall(r"\son[a-z]+\s*=", html) == [], url


def test_the_otp_page_is_not_stored(alice_client):
    assert "no-store" in alice_client.get("/me/otp/")["Cache-Control"]


def test_the_login_page_works_for_a_password_holder(client, bob):
    response = client.post("/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302


def test_the_admin_speaks_japanese(client, operator, gateway_a):
    client.force_login(operator)
    index = client.get("/admin/").content.decode()
    for name in ("アカウント", "ゲートウェイ", "隔離レコード", "連携サービス", "ログ受信"):
        assert name in index, name
    gateways = client.get("/admin/accounts/gateway/").content.decode()
    assert "初回受信日時" in gateways and "登録日時" in gateways


def test_the_user_id_help_does_not_read_like_an_error(client, alice):
    client.force_login(alice)
    html = client.get("/manage/users/add/").content.decode()
    assert "この項目は必須です" not in html and "半角英数字と @ . + - _ で150文字まで。" in html


def test_an_empty_provisioning_history_shows_its_table_and_message(alice_client):
    html = alice_client.get("/history/provisioning/").content.decode()
    assert 'id="history"' in html and "対象期間の履歴はありません。" in html and "0件" in html


def test_a_dashboard_reads_the_gateway_table_once(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.portal.conftest import load_worked_month

    _account, user, _index = load_worked_month()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/syslog/?month=2024-02").status_code == 200
    gateway_reads = [q["sql"] for q in ctx.captured_queries
                     if 'FROM "accounts_gateway"' in q["sql"]]
    assert len(gateway_reads) == 1, gateway_reads
