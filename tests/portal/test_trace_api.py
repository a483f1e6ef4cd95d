"""GET /api/v1/trace (SPEC §7): which records match, their shape and order,
parameters, scoping, the permission and the operation-history row."""
import pytest

from audit.models import OperationHistory
from tests.portal.trace_kit import active, auth, control, dhcp, store_all

URL = "/api/v1/trace"
MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def get(client, **params):
    return client.get(URL, params)


@pytest.fixture
def hotel(gateway_a, gateway_b):
    """At GW-ALICE-1, 10.0.0.5 is used by terminal A from 14:00 to 14:30 and,
    overlapping, by terminal B from 14:20 to 15:00 (reuse after a roam);
    GW-CHARLIE-1 (another account) uses the same address at the same time."""
    from accounts.services import gateway_register

    gateway_register(gateway_id="GW-ALICE-2", account=gateway_a.account, label="Annex")
    store_all(
        auth=[
            auth("GW-ALICE-1", "10.0.0.5", MAC_A, "2024/05/03 14:00:00", "2024/05/03 14:30:00"),
            auth("GW-ALICE-2", "10.0.0.5", MAC_B, "2024/05/03 14:20:00", "2024/05/03 15:00:00",
                 method="001", port="20", port_label="Annex AP"),
            auth("GW-CHARLIE-1", "10.0.0.5", "02:00:00:00:00:cc", "2024/05/03 14:00:00",
                 "2024/05/03 15:00:00"),
            auth("GW-ALICE-1", "10.0.0.6", MAC_A, "2024/05/03 16:00:00", "2024/05/03 16:10:00"),
        ],
        active=[
            active("GW-ALICE-1", "10.0.0.5", MAC_A, "2024/05/03 14:00:05", "2024/05/03 14:29:00",
                   status="00", secs=1735),
        ],
        dhcp=[
            dhcp("GW-ALICE-1", "2024/05/02 14:03:00", "10.0.0.5", MAC_A),  # exactly 24 h before
            dhcp("GW-ALICE-1", "2024/05/02 14:02:59", "10.0.0.5", MAC_B),  # just outside
            dhcp("GW-ALICE-1", "2024/05/03 13:59:50", "10.0.0.5", MAC_A),
            dhcp("GW-ALICE-1", "2024/05/03 13:59:40", "10.0.0.5", MAC_A, "DHCPREQUEST"),
            dhcp("GW-ALICE-2", "2024/05/03 14:19:00", "10.0.0.5", MAC_B),
            dhcp("GW-ALICE-1", "2024/05/03 14:03:01", "10.0.0.5", MAC_B),  # after the moment
            dhcp("GW-CHARLIE-1", "2024/05/03 13:00:00", "10.0.0.5", "02:00:00:00:00:cc"),
        ],
        control=[
            control("GW-ALICE-1", "2024/05/03 14:10:00", "10.0.0.5", MAC_A),
            control("GW-ALICE-1", "2024/05/01 00:00:00", "10.0.0.5", MAC_A, kind="2", value=""),
            control("GW-ALICE-1", "2024/04/30 23:59:59", "10.0.0.5", MAC_A),
            control("GW-ALICE-1", "2024/05/31 23:59:59", "10.0.0.5", MAC_A, kind="0"),
            control("GW-ALICE-1", "2024/06/01 00:00:00", "10.0.0.5", MAC_A),
            control("GW-CHARLIE-1", "2024/05/03 14:10:00", "10.0.0.5", MAC_A),
        ],
    )


def test_it_finds_the_session_containing_the_moment(alice_client, hotel):
    body = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:10:00").json()
    assert body["sessions"] == [
        {"type": "auth", "gateway": "GW-ALICE-1", "port": "10", "mac": "02:00:00:00:00:0A",
         "ip": "10.0.0.5", "start": "2024-05-03T14:00:00+09:00",
         "end": "2024-05-03T14:30:00+09:00", "auth_method": "103"},
        {"type": "active", "gateway": "GW-ALICE-1", "port": "10", "mac": "02:00:00:00:00:0A",
         "ip": "10.0.0.5", "start": "2024-05-03T14:00:05+09:00",
         "end": "2024-05-03T14:29:00+09:00", "status": "00", "usage_seconds": 1735},
    ]


def test_it_includes_the_exact_start_and_end(alice_client, hotel):
    at_start = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:00:00").json()
    assert [s["type"] for s in at_start["sessions"]] == ["auth"]  # active starts at 14:00:05
    at_end = get(alice_client, ip="10.0.0.5", at="2024-05-03T15:00:00+09:00").json()
    assert [(s["type"], s["mac"]) for s in at_end["sessions"]] == [("auth", "02:00:00:00:00:0B")]
    after = get(alice_client, ip="10.0.0.5", at="2024-05-03T06:00:01Z").json()
    assert after["sessions"] == []
    before = get(alice_client, ip="10.0.0.5", at="2024/05/03 13:59:59").json()
    assert before["sessions"] == []


def test_it_shows_both_terminals_that_overlap_on_one_address(alice_client, hotel):
    body = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:25:00").json()
    assert [(s["type"], s["mac"], s["gateway"]) for s in body["sessions"]] == [
        ("auth", "02:00:00:00:00:0A", "GW-ALICE-1"),
        ("active", "02:00:00:00:00:0A", "GW-ALICE-1"),
        ("auth", "02:00:00:00:00:0B", "GW-ALICE-2"),
    ]


def test_it_finds_sessions_that_began_more_than_a_day_before(alice_client, gateway_a):
    # A three-day session, one of exactly 24 hours, and a short one before both.
    store_all(
        auth=[auth("GW-ALICE-1", "10.0.0.7", MAC_A, "2024/05/01 09:00:00", "2024/05/04 09:00:00"),
              auth("GW-ALICE-1", "10.0.0.7", MAC_B, "2024/05/02 12:00:00",
                   "2024/05/03 12:00:00"),
              auth("GW-ALICE-1", "10.0.0.7", MAC_B, "2024/04/30 09:00:00",
                   "2024/04/30 10:00:00")],
        active=[active("GW-ALICE-1", "10.0.0.7", MAC_A, "2024/05/01 09:00:00",
                       "2024/05/04 08:00:00", secs=255600)],
    )
    body = get(alice_client, ip="10.0.0.7", at="2024/05/03 12:00:00").json()
    assert [(s["type"], s["mac"], s["start"]) for s in body["sessions"]] == [
        ("auth", "02:00:00:00:00:0A", "2024-05-01T09:00:00+09:00"),
        ("active", "02:00:00:00:00:0A", "2024-05-01T09:00:00+09:00"),
        ("auth", "02:00:00:00:00:0B", "2024-05-02T12:00:00+09:00"),
    ]
    late = get(alice_client, ip="10.0.0.7", at="2024/05/04 08:30:00").json()
    assert [s["type"] for s in late["sessions"]] == ["auth"]


def test_it_answers_empty_lists_when_no_session_holds_the_address(alice_client, hotel):
    body = get(alice_client, ip="10.0.0.9", at="2024/05/03 14:10:00").json()
    assert body == {"sessions": [], "leases": []}


def test_it_lists_the_acks_of_the_24_hours_up_to_the_moment(alice_client, hotel):
    body = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:03:00").json()
    assert body["leases"] == [
        {"time": "2024-05-03T13:59:50+09:00", "gateway": "GW-ALICE-1",
         "mac": "02:00:00:00:00:0A", "ip": "10.0.0.5"},
        {"time": "2024-05-02T14:03:00+09:00", "gateway": "GW-ALICE-1",
         "mac": "02:00:00:00:00:0A", "ip": "10.0.0.5"},
    ]
    later = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:20:00").json()
    assert [le["time"] for le in later["leases"]] == [
        "2024-05-03T14:19:00+09:00", "2024-05-03T14:03:01+09:00", "2024-05-03T13:59:50+09:00"]


@pytest.mark.parametrize("spelling", [
    "02:00:00:00:00:0a", "02:00:00:00:00:0A", "02-00-00-00-00-0A", "02-00-00-00-00-0a"])
def test_it_accepts_any_spelling_of_the_mac(alice_client, hotel, spelling):
    period = {"from": "2024-05-03", "to": "2024-05-03"}
    body = get(alice_client, mac=spelling, **period).json()
    canonical = get(alice_client, mac=MAC_A, **period).json()
    assert len(body["records"]) == 6
    assert body == canonical
    assert {r["mac"] for r in body["records"]} == {"02:00:00:00:00:0A"}


def test_it_returns_the_mac_records_oldest_first_with_their_own_fields(alice_client, hotel):
    body = get(alice_client, mac=MAC_A, **{"from": "2024-05-03", "to": "2024-05-03"}).json()
    records = body["records"]
    assert [(r["type"], r["time"]) for r in records] == [
        ("dhcp", "2024-05-03T13:59:40+09:00"),
        ("dhcp", "2024-05-03T13:59:50+09:00"),
        ("auth", "2024-05-03T14:00:00+09:00"),
        ("active", "2024-05-03T14:00:05+09:00"),
        ("control", "2024-05-03T14:10:00+09:00"),
        ("auth", "2024-05-03T16:00:00+09:00"),
    ]
    dhcp_row, _, auth_row, active_row, control_row, _ = records
    assert dhcp_row == {"type": "dhcp", "time": "2024-05-03T13:59:40+09:00",
                        "gateway": "GW-ALICE-1", "ip": "10.0.0.5",
                        "message_type": "DHCPREQUEST", "mac": "02:00:00:00:00:0A"}
    assert auth_row["auth_method"] == "103" and auth_row["port_label"] == "Lobby AP"
    assert auth_row["start"] == "2024-05-03T14:00:00+09:00"
    assert auth_row["end"] == "2024-05-03T14:30:00+09:00"
    assert auth_row["device_type"] == "iPhone" and auth_row["gender"] == "1"
    assert active_row["status"] == "00" and active_row["usage_seconds"] == 1735
    assert control_row["kind"] == "1" and control_row["value"] == "50"


def test_the_period_is_whole_jst_days_from_and_to_inclusive(alice_client, hotel):
    body = get(alice_client, mac=MAC_A, **{"from": "2024-05-01", "to": "2024-05-31"}).json()
    controls = [r["time"] for r in body["records"] if r["type"] == "control"]
    assert controls == ["2024-05-01T00:00:00+09:00", "2024-05-03T14:10:00+09:00",
                        "2024-05-31T23:59:59+09:00"]


def test_the_period_may_be_31_days_apart_but_not_more(alice_client, hotel):
    ok = get(alice_client, mac=MAC_A, **{"from": "2024-05-01", "to": "2024-06-01"})
    assert ok.status_code == 200
    assert "2024-06-01T00:00:00+09:00" in [r["time"] for r in ok.json()["records"]]
    too_long = get(alice_client, mac=MAC_A, **{"from": "2024-05-01", "to": "2024-06-02"})
    assert too_long.status_code == 400
    assert too_long.json()["parameter"] == "to"


def test_it_never_shows_another_accounts_records(alice_client, charlie, client, hotel):
    ip = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:10:00").json()
    assert "GW-CHARLIE-1" not in str(ip)
    mac = get(alice_client, mac=MAC_A, **{"from": "2024-05-01", "to": "2024-05-31"}).json()
    assert {r["gateway"] for r in mac["records"]} == {"GW-ALICE-1"}
    client.force_login(charlie)
    theirs = get(client, ip="10.0.0.5", at="2024/05/03 14:10:00").json()
    assert [s["gateway"] for s in theirs["sessions"]] == ["GW-CHARLIE-1"]
    assert [le["gateway"] for le in theirs["leases"]] == ["GW-CHARLIE-1"]


def test_another_accounts_gateway_answers_like_an_unknown_one(alice_client, hotel):
    other = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:10:00", gateway="GW-CHARLIE-1")
    unknown = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:10:00", gateway="GW-NOPE")
    assert other.status_code == unknown.status_code == 400
    assert other.json() == unknown.json()
    assert other.json()["parameter"] == "gateway"


def test_the_gateway_parameter_narrows_to_one_gateway(alice_client, hotel):
    body = get(alice_client, ip="10.0.0.5", at="2024/05/03 14:25:00", gateway="GW-ALICE-2").json()
    assert [s["mac"] for s in body["sessions"]] == ["02:00:00:00:00:0B"]
    assert [le["gateway"] for le in body["leases"]] == ["GW-ALICE-2"]


@pytest.mark.parametrize(("params", "parameter"), [
    ({}, "ip"),
    ({"at": "2024/05/03 14:10:00"}, "ip"),
    ({"ip": "10.0.0.256", "at": "2024/05/03 14:10:00"}, "ip"),
    ({"ip": "fe80::1%eth0", "at": "2024/05/03 14:10:00"}, "ip"),
    ({"ip": "10.0.0.5"}, "at"),
    ({"ip": "10.0.0.5", "at": "2024/05/03"}, "at"),
    ({"ip": "10.0.0.5", "at": "2024-05-03T14:10:00"}, "at"),  # ISO without an offset
    ({"ip": "10.0.0.5", "at": "2024/13/03 14:10:00"}, "at"),
    ({"ip": "10.0.0.5", "at": "0001-01-01T00:00:00+09:00"}, "at"),
    ({"ip": "10.0.0.5", "at": "x" * 300}, "at"),
    ({"ip": "10.0.0.5", "mac": MAC_A, "at": "2024/05/03 14:10:00"}, "mac"),
    ({"mac": "02:00:00:00:00", "from": "2024-05-01", "to": "2024-05-02"}, "mac"),
    ({"mac": "zz:00:00:00:00:0a", "from": "2024-05-01", "to": "2024-05-02"}, "mac"),
    ({"mac": MAC_A, "to": "2024-05-02"}, "from"),
    ({"mac": MAC_A, "from": "2024-05-32", "to": "2024-05-02"}, "from"),
    ({"mac": MAC_A, "from": "2024-05-01"}, "to"),
    ({"mac": MAC_A, "from": "2024-05-01", "to": "tomorrow"}, "to"),
    ({"mac": MAC_A, "from": "2024-05-02", "to": "2024-05-01"}, "to"),
    ({"mac": MAC_A, "from": "9999-12-31", "to": "9999-12-31"}, "from"),
    ({"ip": "10.0.0.5", "at": "2024/05/03 14:10:00", "gateway": "NOPE"}, "gateway"),
])
def test_it_answers_400_naming_the_bad_parameter(alice_client, hotel, params, parameter):
    response = get(alice_client, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["parameter"] == parameter
    assert response.json()["error"]
    assert not OperationHistory.objects.filter(kind="trace_lookup").exists()


def test_plain_users_get_403_json_until_an_admin_grants_the_permission(client, alice, bob,
                                                                       hotel):
    client.force_login(bob)
    refused = get(client, ip="10.0.0.5", at="2024/05/03 14:10:00")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/json"
    assert "error" in refused.json()
    assert not OperationHistory.objects.filter(kind="trace_lookup").exists()

    client.force_login(alice)
    client.post(f"/manage/users/{bob.pk}/trace-permission/", {"trace_permitted": "on"})
    client.force_login(bob)
    allowed = get(client, ip="10.0.0.5", at="2024/05/03 14:10:00")
    assert allowed.status_code == 200 and len(allowed.json()["sessions"]) == 2


def test_anonymous_calls_get_401(client, hotel):
    response = get(client, ip="10.0.0.5", at="2024/05/03 14:10:00")
    assert response.status_code == 401


def test_a_bearer_token_looks_up_too(client, alice, hotel):
    from accounts.models import ApiToken

    _token, secret = ApiToken.issue(alice)
    response = client.get(URL, {"ip": "10.0.0.5", "at": "2024/05/03 14:10:00"},
                          HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_every_lookup_writes_one_operation_history_row(alice_client, alice, hotel):
    get(alice_client, ip="10.0.0.5", at="2024-05-03T05:03:00Z")
    get(alice_client, mac="aa-bb-cc-dd-ee-ff", **{"from": "2024-05-01", "to": "2024-05-31"})
    rows = list(OperationHistory.objects.filter(kind="trace_lookup").order_by("id"))
    assert [r.detail for r in rows] == [
        "IPアドレス「10.0.0.5」(2024/05/03 14:03:00)を照会しました。",
        "MACアドレス「AA:BB:CC:DD:EE:FF」(2024/05/01〜2024/05/31)を照会しました。",
    ]
    assert {(r.account_id, r.user_id, r.username, r.kind_label) for r in rows} == {
        (alice.account_id, alice.pk, "alice", "端末照会")}


def test_the_kind_filter_offers_the_lookups_as_their_own_category(alice_client, alice, hotel):
    from audit.kinds import kind_choices, kind_codes

    get(alice_client, ip="10.0.0.5", at="2024/05/03 14:03:00")
    assert kind_codes("cat:trace") == ["trace_lookup", "trace_permission"]
    groups = {label: [v for v, _ in members] for label, members in kind_choices()[1:]}
    assert groups["端末照会"] == ["cat:trace", "trace_lookup", "trace_permission"]
    from audit.search import today_jst

    today = today_jst().isoformat()
    response = alice_client.get("/api/v1/history/operation",
                                {"from": today, "to": today, "kind": "cat:trace"})
    assert [r["kind"] for r in response.json()["rows"]] == ["端末照会"]
