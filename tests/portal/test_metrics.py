"""SPEC §4 definitions on small hand-computed fixtures: midnight and month
boundaries, roaming with timeouts, unknown codes, empty demographics."""
from datetime import date

from portal import selectors
from portal.periods import Month
from portal.scope import scope_resolve
from tests.portal.builders import active_line, auth_line, store

FEB = Month(2024, 2)
A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def scope(account, gateway_id=None):
    return scope_resolve(account=account, gateway_id=gateway_id)


def test_months_are_jst_months(account_a, gateway_a):
    # 2024-02-29 23:59:59 JST is February; 2024-03-01 00:00:00 JST is March
    # (2024-02-29 15:00 UTC), 2024-02-01 00:00:00 JST is 2024-01-31 15:00 UTC.
    store("auth",
          auth_line("GW-ALICE-1", A, "2024/02/01 00:00:00"),
          auth_line("GW-ALICE-1", A, "2024/02/29 23:59:59"),
          auth_line("GW-ALICE-1", A, "2024/03/01 00:00:00"),
          auth_line("GW-ALICE-1", A, "2024/01/31 23:59:59"))
    days = selectors.connections_daily(scope=scope(account_a), month=FEB)["days"]
    assert len(days) == 29
    assert days[0]["connections"] == 1 and days[28]["connections"] == 1
    assert sum(d["connections"] for d in days) == 2
    pivot = selectors.connection_pivot(scope=scope(account_a), month=FEB, view="day-hour")
    assert pivot["cells"][0][0] == 1 and pivot["cells"][28][23] == 1
    months = selectors.months_with_data(scope=scope(account_a))
    assert [str(m) for m in months] == ["2024-03", "2024-02", "2024-01"]


def test_unique_terminals_count_distinct_macs_per_day(account_a, gateway_a):
    store("auth",
          auth_line("GW-ALICE-1", A, "2024/02/05 10:00:00"),
          auth_line("GW-ALICE-1", A, "2024/02/05 11:00:00"),
          auth_line("GW-ALICE-1", B, "2024/02/05 12:00:00"))
    day = selectors.connections_daily(scope=scope(account_a), month=FEB)["days"][4]
    assert day == {"date": "2024-02-05", "connections": 3, "unique_terminals": 2}


def test_roaming_timeouts_leave_and_roaming_ends_do_not(account_a, gateway_a):
    from accounts.services import gateway_register

    gateway_register(gateway_id="GW-ALICE-2", account=account_a)
    store("active",
          # A: G1 (ends by roaming) → G2 (timeout): left at G2, flow G1→G2.
          active_line("GW-ALICE-1", A, "2024/02/10 09:00:00", "2024/02/10 09:10:00", "02", 600),
          active_line("GW-ALICE-2", A, "2024/02/10 09:11:00", "2024/02/10 09:40:00", "21", 1740),
          # B: one record ending by roaming: connected, never left.
          active_line("GW-ALICE-2", B, "2024/02/10 10:00:00", "2024/02/10 10:05:00", "02", 300))
    r = selectors.roaming(scope=scope(account_a), month=FEB, by="gateway")
    assert r == {
        "rows": [{"key": "GW-ALICE-1", "connected": 1, "left": 0},
                 {"key": "GW-ALICE-2", "connected": 2, "left": 1}],
        "flows": [{"from": "GW-ALICE-1", "to": "GW-ALICE-2", "count": 1}],
    }
    one = selectors.roaming(scope=scope(account_a, "GW-ALICE-1"), month=FEB, by="gateway")
    assert one == {"rows": [{"key": "GW-ALICE-1", "connected": 1, "left": 0}], "flows": []}
    ct = selectors.connection_time_daily(scope=scope(account_a), month=FEB)["days"][9]
    assert ct == {"date": "2024-02-10", "avg_seconds": 1320.0, "max_seconds": 2340}


def test_unknown_codes_and_empty_demographics(account_a, gateway_a):
    store("auth",
          auth_line("GW-ALICE-1", A, "2024/02/03 10:00:00", method="777", gender="9", age="8"),
          auth_line("GW-ALICE-1", B, "2024/02/03 10:00:00", method="202", openid="99"),
          auth_line("GW-ALICE-1", B, "2024/02/03 11:00:00", method="106", country="FR",
                    lang="fr", gender="1", age="6"))
    s = scope(account_a)
    methods = selectors.distribution(scope=s, month=FEB, dimension="auth_method")["items"]
    assert [(i["key"], i["label"]) for i in methods] == [
        ("106", "メールアドレス認証(本人確認)"), ("202", "OPEN-ID認証(仮認証)"), ("777", "777")]
    openid = selectors.distribution(scope=s, month=FEB, dimension="openid")["items"]
    assert openid == [{"key": "99", "label": "99", "count": 1}]
    gender = selectors.distribution(scope=s, month=FEB, dimension="gender")["items"]
    assert gender == [{"key": "", "label": "不明", "count": 1},
                      {"key": "1", "label": "女性", "count": 1},
                      {"key": "9", "label": "9", "count": 1}]
    pivot = selectors.connection_pivot(scope=s, month=FEB, view="country")
    assert pivot["rows"] == ["FR", ""]
    # Unknown gender/age codes fall into the unknown column "/".
    assert pivot["cells"][1][pivot["columns"].index("/")] == 2
    assert pivot["cells"][0][pivot["columns"].index("1/6")] == 1
    wh = selectors.connection_pivot(scope=s, month=FEB, view="weekday-hour")
    assert len(wh["rows"]) == 168 and len(wh["columns"]) == 24
    # 2024-02-03 is a Saturday.
    assert sum(wh["cells"][wh["rows"].index("Sat 10")]) == 2
    assert date(2024, 2, 3).weekday() == 5


def test_control_counts_by_kind_and_ignores_unknown_kinds(account_a, gateway_a):
    store("control",
          "2024/02/02 10:00:00,0,02:00:00:00:00:0a,10.0.0.1,1,GW-ALICE-1",
          "2024/02/02 11:00:00,1,02:00:00:00:00:0a,10.0.0.1,1,GW-ALICE-1",
          "2024/02/02 12:00:00,1,02:00:00:00:00:0b,10.0.0.1,1,GW-ALICE-1",
          "2024/02/02 13:00:00,2,02:00:00:00:00:0b,10.0.0.1,1,GW-ALICE-1")
    day = selectors.control_daily(scope=scope(account_a), month=FEB)["days"][1]
    assert day == {"date": "2024-02-02", "session": 1, "spam": 2, "bandwidth": 1}


def test_system_series_average_and_peak(account_a, gateway_a):
    store("session", "2024/02/02 10:00:00,GW-ALICE-1,10", "2024/02/02 11:00:00,GW-ALICE-1,30")
    store("traffic", "2024/02/02 10:00:00,GW-ALICE-1,1000,200")
    store("activeuser", "2024/02/02 10:00:00,GW-ALICE-1,4")
    day = selectors.system_series_daily(scope=scope(account_a), month=FEB)["days"][1]
    assert day["sessions_avg"] == 20 and day["sessions_max"] == 30
    assert day["rx_max"] == 1000 and day["tx_avg"] == 200 and day["users_max"] == 4


def test_a_new_account_has_no_months_and_empty_answers(account_a):
    s = scope(account_a)
    assert selectors.months_with_data(scope=s) == []
    assert selectors.roaming(scope=s, month=FEB, by="vlan") == {"rows": [], "flows": []}
    pivot = selectors.connection_pivot(scope=s, month=FEB, view="country")
    assert pivot["rows"] == [] and pivot["cells"] == []
