"""The five Syslog@Cloud screens and the home tile."""
import json
import re

import pytest
from django.test import override_settings

from tests.portal.builders import auth_line, store

SCREENS = ["/syslog/", "/syslog/trend/", "/syslog/users/", "/syslog/system/",
           "/syslog/download/"]


@pytest.fixture(autouse=True)
def _plain_static():
    with override_settings(
        STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                  "staticfiles": {"BACKEND":
                                  "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ):
        yield


def test_home_has_the_syslog_tile(alice_client):
    html = alice_client.get("/").content.decode()
    assert "シスログ＠Cloud" in html and 'href="/syslog/"' in html


@pytest.mark.parametrize("path", SCREENS)
def test_screens_need_a_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("path", SCREENS)
def test_a_new_account_sees_an_empty_state(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 200
    assert 'id="empty-state"' in response.content.decode()


@pytest.mark.parametrize("path", SCREENS)
def test_screens_render_the_worked_month(client, worked_month, path):
    _account, user, _index = worked_month
    client.force_login(user)
    html = client.get(path + "?gateway=PCGOLD001&month=2024-02").content.decode()
    assert 'id="empty-state"' not in html
    # Device and month selectors, and the scope kept in the screen links.
    assert '<option value="PCGOLD001" selected>' in html
    assert '<option value="2024-02" selected>' in html
    assert 'href="/syslog/trend/?month=2024-02&amp;gateway=PCGOLD001"' in html
    assert "plotly-custom-4.1.1.min.js" in html and "cdn" not in html.lower()


def test_summary_embeds_the_same_numbers_as_the_api(client, worked_month):
    _account, user, _index = worked_month
    client.force_login(user)
    html = client.get("/syslog/?month=2024-02").content.decode()
    fig = json.loads(re.search(
        r'<script id="fig-connections" type="application/json">(.*?)</script>', html, re.S
    ).group(1))
    api = client.get("/api/v1/stats/connections?month=2024-02").json()
    assert fig["data"][0]["y"] == [d["connections"] for d in api["days"]]
    assert fig["data"][0]["customdata"] == [d["unique_terminals"] for d in api["days"]]
    for label in ("サマリー", "接続数推移", "ユーザ分布", "システムログ", "ダウンロード",
                  "もっと詳しく"):
        assert label in html


def test_trend_has_the_four_pivot_tabs_and_heatmap_toggle(client, worked_month):
    _account, user, _index = worked_month
    client.force_login(user)
    html = client.get("/syslog/trend/?month=2024-02&by=vlan").content.decode()
    for label in ("日/時間", "国/性/年代", "言語/性/年代", "曜日/時間帯/性/年代", "色を表示"):
        assert label in html
    assert 'id="heatmap-toggle"' in html and "日本 (JP)" in html
    assert 'id="fig-flows"' in html


def test_month_selector_lists_months_with_data_newest_first(alice_client, gateway_a):
    store("auth",
          auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/01/10 10:00:00"),
          auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/03/10 10:00:00"))
    html = alice_client.get("/syslog/").content.decode()
    months = re.findall(r'<option value="(\d{4}-\d\d)"', html)
    assert months == ["2024-03", "2024-01"]
    assert '<option value="2024-03" selected>' in html


def test_a_bad_parameter_is_a_400_page_naming_it(alice_client, gateway_b):
    response = alice_client.get("/syslog/?gateway=GW-CHARLIE-1")
    assert response.status_code == 400
    assert 'data-parameter="gateway"' in response.content.decode()
    response = alice_client.get("/syslog/trend/?month=2024-99")
    assert response.status_code == 400
    assert 'data-parameter="month"' in response.content.decode()


@pytest.mark.parametrize("path", SCREENS)
def test_charlie_sees_nothing_of_account_a(client, charlie, gateway_a, path):
    store("auth", auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/02/10 10:00:00"))
    client.force_login(charlie)
    html = client.get(path + "?month=2024-02").content.decode()
    assert "GW-ALICE-1" not in html and "A00700001" not in html
    assert 'id="empty-state"' in html


def test_english_ui(alice_client):
    alice_client.post("/i18n/setlang/", {"language": "en", "next": "/syslog/"})
    html = alice_client.get("/syslog/").content.decode()
    assert "Summary" in html and "More details" in html and "サマリー" not in html


def test_the_trend_screen_reads_rollups_in_a_bounded_number_of_queries(
        client, worked_month, django_assert_max_num_queries):
    from django.core.management import call_command

    _account, user, _index = worked_month
    call_command("refresh_rollups", "--quiescent", stdout=__import__("io").StringIO())
    client.force_login(user)
    client.get("/syslog/trend/?month=2024-02")
    with django_assert_max_num_queries(40):
        assert client.get("/syslog/trend/?month=2024-02").status_code == 200


def test_an_unknown_roaming_unit_is_a_400_naming_it(alice_client):
    response = alice_client.get("/syslog/trend/?by=floor")
    assert response.status_code == 400
    assert 'data-parameter="by"' in response.content.decode()
