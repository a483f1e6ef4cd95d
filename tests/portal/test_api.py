"""The JSON API: authentication, parameters, scoping (SPEC §5)."""
import pytest

from accounts.models import ApiToken
from tests.portal.builders import auth_line, store

ENDPOINTS = [
    "/api/v1/stats/connections?month=2024-02",
    "/api/v1/stats/connection-time?month=2024-02",
    "/api/v1/stats/roaming?month=2024-02&by=gateway",
    "/api/v1/stats/connection-pivot?month=2024-02&view=day-hour",
    "/api/v1/stats/distribution?month=2024-02&dimension=device",
    "/api/v1/stats/control?month=2024-02",
    "/api/v1/stats/system?month=2024-02",
]


@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/v1/downloads/auth?month=2024-02"])
def test_it_answers_401_json_to_anonymous_calls(client, db, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_it_answers_every_endpoint_for_a_new_account(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body  # an empty month is an empty answer, not an error


@pytest.mark.parametrize(("query", "parameter"), [
    ("", "month"),
    ("month=2024-13", "month"),
    ("month=202402", "month"),
    ("month=2024-02-01", "month"),
    ("month=x" * 50, "month"),
    ("month=2024-02&gateway=NOPE", "gateway"),
])
def test_it_names_the_bad_parameter(alice_client, query, parameter):
    response = alice_client.get(f"/api/v1/stats/connections?{query}")
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/v1/stats/roaming?month=2024-02&by=port", "by"),
    ("/api/v1/stats/roaming?month=2024-02", "by"),
    ("/api/v1/stats/connection-pivot?month=2024-02&view=year", "view"),
    ("/api/v1/stats/distribution?month=2024-02&dimension=shoe", "dimension"),
    ("/api/v1/downloads/secrets?month=2024-02", "type"),
    ("/api/v1/downloads/auth?month=02-2024", "month"),
])
def test_it_rejects_unknown_choices(alice_client, path, parameter):
    response = alice_client.get(path)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_it_rejects_other_accounts_gateway_like_an_unknown_one(alice_client, gateway_a,
                                                              gateway_b):
    store("auth", auth_line("GW-CHARLIE-1", "02:00:00:00:00:01", "2024/02/01 10:00:00"))
    other = alice_client.get("/api/v1/stats/connections?month=2024-02&gateway=GW-CHARLIE-1")
    unknown = alice_client.get("/api/v1/stats/connections?month=2024-02&gateway=GW-NOBODY")
    assert other.status_code == unknown.status_code == 400
    assert other.content == unknown.content
    dl = alice_client.get("/api/v1/downloads/auth?month=2024-02&gateway=GW-CHARLIE-1")
    assert dl.status_code == 400


def test_account_wide_numbers_exclude_other_accounts(alice_client, gateway_a, gateway_b):
    store("auth",
          auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/02/01 10:00:00"),
          auth_line("GW-CHARLIE-1", "02:00:00:00:00:02", "2024/02/01 10:00:00"),
          auth_line("GW-UNASSIGNED", "02:00:00:00:00:03", "2024/02/01 10:00:00"))
    days = alice_client.get("/api/v1/stats/connections?month=2024-02").json()["days"]
    assert days[0]["connections"] == 1


def test_it_accepts_a_bearer_token(client, alice, gateway_a):
    store("auth", auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/02/01 10:00:00"))
    _token, secret = ApiToken.issue(alice)
    response = client.get("/api/v1/stats/connections?month=2024-02",
                          HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["days"][0]["connections"] == 1
    bad = client.get("/api/v1/stats/connections?month=2024-02",
                     HTTP_AUTHORIZATION="Bearer sc_wrong")
    assert bad.status_code == 401


def test_it_refuses_writes(alice_client):
    assert alice_client.post("/api/v1/stats/connections?month=2024-02").status_code == 405


def test_labels_follow_the_language(alice_client, gateway_a):
    store("auth", auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/02/01 10:00:00",
                            gender="1"))
    path = "/api/v1/stats/distribution?month=2024-02&dimension=gender"
    ja = alice_client.get(path).json()["items"]
    en = alice_client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    assert ja == [{"key": "1", "label": "女性", "count": 1}]
    assert en == [{"key": "1", "label": "Female", "count": 1}]


def test_account_wide_downloads_hold_only_the_accounts_gateways(alice_client, gateway_a,
                                                               gateway_b):
    import gzip

    store("auth",
          auth_line("GW-ALICE-1", "02:00:00:00:00:01", "2024/02/01 10:00:00"),
          auth_line("GW-CHARLIE-1", "02:00:00:00:00:02", "2024/02/01 10:00:00"))
    response = alice_client.get("/api/v1/downloads/auth?month=2024-02")
    text = gzip.decompress(b"".join(response.streaming_content)).decode()
    assert text.startswith("GW-ALICE-1,") and "GW-CHARLIE-1" not in text
    assert 'filename="auth_A00700001_202402.csv.gz"' in response["Content-Disposition"]
