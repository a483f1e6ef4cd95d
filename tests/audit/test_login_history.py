"""ログイン履歴 screen: period rules, filters, sorting, scoping, CSV, JSON."""
import csv
import io
import json

import pytest
import time_machine
from django.urls import reverse

from accounts.models import ApiToken
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 12:00:00+09:00"
URL = "/history/login/"
CSV_URL = "/history/login/csv"
API = "/api/v1/history/login"


def table(response) -> str:
    body = response.content.decode()
    return body[body.index('id="history"'):]


@pytest.fixture
def rows(alice, bob, charlie, login_row):
    return [
        login_row("2026-11-20 09:00:00", alice, 2),
        login_row("2026-11-19 09:00:00", bob, 22),
        login_row("2026-11-18 09:00:00", bob, 30),
        login_row("2026-11-10 09:00:00", alice, 1),  # outside the default 7 days
        login_row("2025-11-01 00:00:00", bob, 27),  # first allowed day
        login_row("2026-11-20 08:00:00", charlie, 2),  # another account
    ]


def test_the_urls_are_named():
    assert reverse("audit:login-history") == URL
    assert reverse("audit:api-login") == API


def test_default_is_the_last_7_days_of_the_account(alice_client, rows):
    with time_machine.travel(NOW):
        page = alice_client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("<tr>") - 1 == 3  # header row + three rows
    assert 'value="2026-11-14"' in body and 'value="2026-11-20"' in body
    assert "Charlie" not in body


def test_two_result_boxes_at_once(alice_client, rows):
    with time_machine.travel(NOW):
        page = alice_client.get(URL, {"from": "2025-11-01", "to": "2026-11-20",
                                      "result": ["ng", "lock"]})
    results = [r for r in ("ログイン成功", "ログインNG", "アカウントロック")
               if f'class="result">{r}<' in page.content.decode()]
    assert results == ["ログインNG", "アカウントロック"]


def test_text_search_matches_id_or_name(alice_client, rows):
    with time_machine.travel(NOW):
        by_name = table(alice_client.get(URL, {"q": "bob us"}))
        by_id = table(alice_client.get(URL, {"q": "ALI"}))
    assert "Bob User" in by_name and "Alice Admin" not in by_name
    assert "Alice Admin" in by_id and "Bob User" not in by_id


def test_the_period_bounds(alice_client, rows):
    with time_machine.travel(NOW):
        ok = alice_client.get(URL, {"from": "2025-11-01", "to": "2026-11-20"})
        early = alice_client.get(URL, {"from": "2025-10-31", "to": "2026-11-20"})
        future = alice_client.get(URL, {"from": "2026-11-20", "to": "2026-11-21"})
        reversed_ = alice_client.get(URL, {"from": "2026-11-20", "to": "2026-11-19"})
        typed = alice_client.get(URL, {"from": "2025/11/01", "to": "2026/11/20"})
        junk = alice_client.get(URL, {"from": "yesterday"})
    assert ok.status_code == 200 and "一時停止中" in ok.content.decode()
    assert typed.status_code == 200
    assert early.status_code == 400 and "2025/11/01" in early.content.decode()
    assert future.status_code == 400
    assert reversed_.status_code == 400
    assert junk.status_code == 400


def test_it_sorts_by_each_column_but_detail(alice_client, rows):
    with time_machine.travel(NOW):
        asc = alice_client.get(URL, {"from": "2025-11-01", "sort": "user_id"})
        desc = alice_client.get(URL, {"from": "2025-11-01", "sort": "-user_id"})
        detail = alice_client.get(URL, {"sort": "detail"})
    a, d = asc.content.decode(), desc.content.decode()
    assert a.index(">alice<") < a.index(">bob<")
    assert d.index(">bob<") < d.index(">alice<")
    assert detail.status_code == 400
    for key in ("time", "name", "result"):
        with time_machine.travel(NOW):
            assert alice_client.get(URL, {"sort": key}).status_code == 200


def test_it_paginates(alice, alice_client, login_row):
    for i in range(60):
        login_row(f"2026-11-19 10:{i:02d}:00", alice)
    with time_machine.travel(NOW):
        first = alice_client.get(URL).content.decode()
        second = alice_client.get(URL, {"page": 2}).content.decode()
        junk = alice_client.get(URL, {"page": "x"})
    assert "1 / 2" in first and "2026/11/19 10:59:00" in first
    assert "2 / 2" in second and "2026/11/19 10:00:00" in second
    assert junk.status_code == 200


def test_a_plain_user_sees_only_their_own_rows(client, bob, rows):
    client.force_login(bob)
    with time_machine.travel(NOW):
        body = client.get(URL, {"from": "2025-11-01"}).content.decode()
        mine = client.get(reverse("audit:my-login-history"), {"from": "2025-11-01"})
    assert "Bob User" in body and "Alice Admin" not in body
    assert "Alice Admin" not in mine.content.decode()


def test_an_admin_reaches_their_own_history_from_the_user_menu(alice_client, rows):
    with time_machine.travel(NOW):
        home = alice_client.get(reverse("portal:home")).content.decode()
        mine = table(alice_client.get(reverse("audit:my-login-history")))
    assert reverse("audit:my-login-history") in home
    assert "Alice Admin" in mine and "Bob User" not in mine


def test_another_account_sees_nothing(client, charlie, rows):
    client.force_login(charlie)
    with time_machine.travel(NOW):
        body = client.get(URL, {"from": "2025-11-01"}).content.decode()
        data = client.get(API, {"from": "2025-11-01"}).json()
        csv_text = b"".join(client.get(CSV_URL, {"from": "2025-11-01"}).streaming_content)
    assert "Bob" not in body and "Alice" not in body
    assert {r["user_id"] for r in data["rows"]} == {"charlie"}
    assert b"alice" not in csv_text and b"bob" not in csv_text


def test_anonymous_is_sent_to_login(client, rows):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(API).status_code == 401


def test_csv_applies_the_period_only(alice_client, rows):
    with time_machine.travel(NOW):
        response = alice_client.get(CSV_URL, {"from": "2025-11-01", "to": "2026-11-20",
                                              "q": "nomatch", "result": "lock"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="access-log_20261120.csv"'
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["日時", "ユーザID", "姓名", "結果", "詳細"]
    assert len(table) == 1 + 5
    assert table[1] == ["2026/11/20 09:00:00", "alice", "Alice Admin", "ログイン成功",
                        "ID/パスワードによる認証成功[192.0.2.1 Windows 10]"]
    assert table[-1][0] == "2025/11/01 00:00:00"


def test_csv_is_named_after_the_jst_download_date(alice_client, rows):
    with time_machine.travel("2026-11-20 23:30:00+00:00"):  # 2026-11-21 08:30 JST
        response = alice_client.get(CSV_URL)
    assert "access-log_20261121.csv" in response["Content-Disposition"]


def test_csv_refuses_a_bad_period(alice_client, rows):
    with time_machine.travel(NOW):
        assert alice_client.get(CSV_URL, {"from": "2025-10-31"}).status_code == 400


def test_json_with_a_token(alice, rows, client):
    _token, secret = ApiToken.issue(alice)
    with time_machine.travel(NOW):
        response = client.get(API, {"from": "2026-11-18", "to": "2026-11-20",
                                    "result": ["ng", "lock"]},
                              HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["rows"] == [
        {"time": "2026-11-19T09:00:00+09:00", "user_id": "bob", "name": "Bob User",
         "result": "ログインNG", "detail": "パスワード認証失敗[192.0.2.1 Windows 10]"},
        {"time": "2026-11-18T09:00:00+09:00", "user_id": "bob", "name": "Bob User",
         "result": "アカウントロック",
         "detail": "一定回数パスワード入力誤り[192.0.2.1 Windows 10]"},
    ]


@pytest.mark.parametrize("params,name", [
    ({"from": "2025-10-31"}, "from"),
    ({"to": "2026-11-21"}, "to"),
    ({"from": "20261101"}, "from"),
    ({"result": "maybe"}, "result"),
    ({"sort": "detail"}, "sort"),
])
def test_json_400_names_the_parameter(alice_client, rows, params, name):
    with time_machine.travel(NOW):
        response = alice_client.get(API, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == name


def test_json_last_allowed_day_is_accepted(alice_client, rows):
    with time_machine.travel(NOW):
        response = alice_client.get(API, {"from": "2025-11-01", "to": "2025-11-01"})
    assert [r["detail"][:9] for r in response.json()["rows"]] == ["一時停止中のログイ"]


def test_unknown_ids_are_visible_to_no_tenant(client, alice, login_row, db):
    login_row("2026-11-20 09:00:00", None, 22, username="ghost")
    client.force_login(alice)
    with time_machine.travel(NOW):
        assert "ghost" not in client.get(URL).content.decode()
    op = make_user("op", account=None)
    op.is_superuser = True
    op.save()
    client.force_login(op)
    with time_machine.travel(NOW):
        assert "ghost" in client.get(URL).content.decode()
