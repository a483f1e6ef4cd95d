"""The 端末照会 screen, its CSV and the permission checkbox (SPEC §7)."""
import csv
import io

import pytest

from audit.models import OperationHistory
from tests.portal.trace_kit import active, auth, control, dhcp, store_all

SCREEN = "/syslog/trace/"
CSV = "/syslog/trace/csv"


@pytest.fixture
def lobby(gateway_a, gateway_b):
    store_all(
        auth=[auth("GW-ALICE-1", "10.0.0.5", "02:00:00:00:00:0a", "2024/05/03 14:00:00",
                   "2024/05/03 15:30:05", method="203", port_label="=HYPERLINK(\"x\")")],
        active=[active("GW-ALICE-1", "10.0.0.5", "02:00:00:00:00:0a", "2024/05/03 14:00:00",
                       "2024/05/03 14:30:00", status="01", secs=1800)],
        dhcp=[dhcp("GW-ALICE-1", "2024/05/03 13:59:00", "10.0.0.5", "02:00:00:00:00:0a")],
        control=[control("GW-ALICE-1", "2024/05/03 14:10:00", "10.0.0.5", "02:00:00:00:00:0a")],
    )


def text(response) -> str:
    return response.content.decode()


def test_admins_see_the_screen_in_the_navigation_and_plain_users_do_not(client, alice, bob):
    client.force_login(alice)
    assert 'id="nav-trace"' in text(client.get("/"))
    client.force_login(bob)
    assert 'id="nav-trace"' not in text(client.get("/"))
    assert client.get(SCREEN).status_code == 403
    assert client.get(CSV, {"ip": "10.0.0.5", "at": "2024/05/03 14:10:00"}).status_code == 403
    assert not OperationHistory.objects.filter(kind="trace_lookup").exists()


def test_the_ip_search_shows_labels_durations_and_leases(alice_client, lobby):
    page = alice_client.get(SCREEN, {"ip": "10.0.0.5", "at": "2024/05/03 14:10:00"})
    assert page.status_code == 200
    html = text(page)
    assert 'id="sessions"' in html and 'id="leases"' in html
    assert "Lobby" in html  # the gateway's label
    assert "=HYPERLINK(&quot;x&quot;)" in html  # the port label, escaped
    assert "アンケート認証(仮認証)" in html  # auth method 203
    assert "1:30:05" in html  # the auth session's duration
    assert "通常開始・タイムアウト、利用時間 0:30:00" in html  # active status 01, 1800 s
    assert "2024/05/03 13:59:00" in html  # the DHCPACK
    assert OperationHistory.objects.filter(kind="trace_lookup").count() == 1


def test_the_mac_search_lists_every_record_of_the_terminal(alice_client, lobby):
    page = alice_client.get(SCREEN, {"mac": "02-00-00-00-00-0A", "from": "2024-05-03",
                                     "to": "2024-05-03"})
    html = text(page)
    assert 'id="records"' in html
    for label in ("認証ログ", "アクティブ接続ログ", "制御ログ", "DHCPログ", "スパム制限 (50)",
                  "DHCPACK"):
        assert label in html
    assert "MACアドレス 02:00:00:00:00:0A（2024/05/03〜2024/05/03）" in html


def test_a_bad_parameter_is_shown_beside_its_field(alice_client, lobby):
    page = alice_client.get(SCREEN, {"ip": "10.0.0.5", "at": "yesterday"})
    assert page.status_code == 400
    assert 'id="error-at"' in text(page)
    page = alice_client.get(SCREEN, {"mac": "02:00:00:00:00:0a", "from": "2024-05-01",
                                     "to": "2024-07-01"})
    assert page.status_code == 400 and 'id="error-to"' in text(page)
    page = alice_client.get(SCREEN, {"ip": "10.0.0.5", "at": "2024/05/03 14:10:00",
                                     "gateway": "GW-CHARLIE-1"})
    assert page.status_code == 400 and 'id="error-gateway"' in text(page)
    assert not OperationHistory.objects.filter(kind="trace_lookup").exists()


def test_the_csv_has_the_screens_rows_with_formula_safe_cells(alice_client, lobby):
    response = alice_client.get(CSV, {"ip": "10.0.0.5", "at": "2024/05/03 14:10:00"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="terminal-lookup_')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["区分", "ログ種別", "日時（開始）"]
    assert [r[:2] for r in rows[1:]] == [["セッション", "認証ログ"],
                                         ["セッション", "アクティブ接続ログ"],
                                         ["DHCP払い出し", "DHCPログ"]]
    assert rows[1][8] == "'=HYPERLINK(\"x\")"
    assert rows[1][2:5] == ["2024/05/03 14:00:00", "2024/05/03 15:30:05", "1:30:05"]
    assert OperationHistory.objects.filter(kind="trace_lookup").count() == 1


def test_the_screen_speaks_english_after_the_switch(alice_client, lobby):
    alice_client.post("/i18n/setlang/", {"language": "en", "next": SCREEN})
    html = text(alice_client.get(SCREEN, {"ip": "10.0.0.5", "at": "2024/05/03 14:10:00"}))
    assert "Terminal lookup" in html and "端末照会" not in html.split("<main>")[1]
    assert "Questionnaire (provisional)" in html
    assert "Normal start / Timeout, used 0:30:00" in html


def test_an_admin_grants_and_removes_the_permission_on_the_user_detail(client, alice, bob):
    client.force_login(alice)
    detail = text(client.get(f"/manage/users/{bob.pk}/"))
    assert 'id="trace-permitted"' in detail
    url = f"/manage/users/{bob.pk}/trace-permission/"
    assert client.post(url, {"trace_permitted": "on"}).status_code == 302
    client.post(url, {"trace_permitted": "on"})  # no change: no second row
    bob.refresh_from_db()
    assert bob.trace_permitted
    client.post(url, {})
    bob.refresh_from_db()
    assert not bob.trace_permitted
    details = list(OperationHistory.objects.filter(kind="trace_permission").order_by("id")
                   .values_list("detail", "username"))
    assert details == [("ユーザ「bob」に端末照会の権限を付与しました。", "alice"),
                       ("ユーザ「bob」の端末照会の権限を削除しました。", "alice")]


def test_only_the_accounts_admins_can_change_the_permission(client, alice, bob, charlie):
    url = f"/manage/users/{bob.pk}/trace-permission/"
    client.force_login(bob)
    assert client.post(url, {"trace_permitted": "on"}).status_code == 403
    client.force_login(charlie)  # another account's admin: bob looks unknown
    assert client.post(url, {"trace_permitted": "on"}).status_code == 404
    client.force_login(alice)
    assert client.get(url).status_code == 405
    bob.refresh_from_db()
    assert not bob.trace_permitted
    assert not OperationHistory.objects.filter(kind="trace_permission").exists()
