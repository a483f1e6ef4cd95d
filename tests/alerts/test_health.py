"""The arrival summary: written by the store path in one statement per
batch, read by the status screen and `GET /api/v1/gateways/status`."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.health import arrivals_fold
from alerts.models import GatewayArrival, GatewayArrivalLog
from alerts.selectors import gateway_status_list
from alerts.services import rule_create
from ingest.services import store_batch
from tests.alerts.kit import arrive

pytestmark = pytest.mark.django_db


def session_item(gateway_id: str, n: int, received: float, transport: str = "udp") -> list:
    return ["session", f"2024/02/01 10:05:00,{gateway_id},{n}", "127.0.0.1", transport,
            received, None]


def test_the_store_path_updates_the_summary_with_one_statement_per_batch(gateway_a, gateway_b):
    now = timezone.now().timestamp()
    items = [session_item("GW-ALICE-1", n, now - n) for n in range(50)]
    items += [session_item("GW-CHARLIE-1", n, now - 5) for n in range(30)]
    items += [["traffic", f"2024/02/01 10:05:00,GW-ALICE-1,1,{n}", "127.0.0.1", "tcp", now, None]
              for n in range(20)]
    with CaptureQueriesContext(connection) as queries:
        result = store_batch(items=items)
    assert sum(result.stored.values()) == 100
    touching = [q["sql"] for q in queries if "alerts_gateway" in q["sql"]]
    assert len(touching) == 1, touching
    arrivals_fold()
    seen = {(a.gateway.gateway_id, a.log_type): a.last_seen.timestamp()
            for a in GatewayArrival.objects.select_related("gateway")}
    assert seen == {("GW-ALICE-1", "session"): pytest.approx(now),
                    ("GW-ALICE-1", "traffic"): pytest.approx(now),
                    ("GW-CHARLIE-1", "session"): pytest.approx(now - 5)}
    [row] = gateway_status_list(account=gateway_a.account, now=timezone.now())
    assert (row.state, row.last_hour, row.last_24h) == ("receiving", 70, 70)


def test_an_older_batch_never_moves_last_seen_back(gateway_a):
    now = timezone.now()
    arrive(gateway_a, now)
    arrivals_fold()
    arrive(gateway_a, now - timedelta(hours=2))  # a late retry of an old batch
    arrive(gateway_a, now - timedelta(minutes=1))
    for _fold in (False, True):  # the same answer before and after folding
        [row] = gateway_status_list(account=gateway_a.account, now=now)
        assert row.last_seen.timestamp() == pytest.approx(now.timestamp())
        assert (row.last_hour, row.last_24h) == (2, 3)
        arrivals_fold()
    assert not GatewayArrivalLog.objects.exists()


def test_imported_files_do_not_make_a_gateway_live(gateway_a):
    store_batch(items=[session_item("GW-ALICE-1", 1, timezone.now().timestamp(), "file")])
    [row] = gateway_status_list(account=gateway_a.account, now=timezone.now())
    assert row.state == "never"


def test_states_follow_the_shortest_covering_silent_rule(gateway_a, settings):
    settings.ALERTS_SILENT_MINUTES = 60
    now = timezone.now()
    arrive(gateway_a, now - timedelta(minutes=20))
    [row] = gateway_status_list(account=gateway_a.account, now=now)
    assert (row.state, row.silent_minutes) == ("receiving", 60)
    rule_create(account=gateway_a.account, kind="silent", minutes=15, gateway=gateway_a)
    [row] = gateway_status_list(account=gateway_a.account, now=now)
    assert (row.state, row.silent_minutes) == ("silent", 15)


def test_the_status_api_answers_per_gateway_of_the_callers_account(alice_client, gateway_a,
                                                                   gateway_b):
    now = timezone.now()
    arrive(gateway_a, now - timedelta(minutes=90), "auth", n=3)
    arrive(gateway_a, now - timedelta(minutes=2), "session", n=2)
    arrive(gateway_b, now, "session", n=5)
    response = alice_client.get("/api/v1/gateways/status")
    assert response.status_code == 200
    [gw] = response.json()["gateways"]
    assert gw["gateway"] == "GW-ALICE-1" and gw["label"] == "Lobby"
    assert gw["state"] == "receiving" and gw["last_seen"].endswith("+09:00")
    assert set(gw["last_seen_by_type"]) == {"auth", "session"}
    assert (gw["last_hour"], gw["last_24h"]) == (2, 5)
    assert len(gw["hourly"]) == 24 and sum(gw["hourly"]) == 5 and gw["hourly"][-1] == 2


def test_the_status_api_needs_a_login(client):
    assert client.get("/api/v1/gateways/status").status_code == 401


def test_the_status_screen_shows_states_in_japanese(alice_client, gateway_a, account_a):
    from accounts.services import gateway_register

    gateway_register(gateway_id="GW-ALICE-2", account=account_a, label="Hall")
    arrive(gateway_a, timezone.now())
    page = alice_client.get("/gateways/status/").content.decode()
    assert "機器の状態" in page and "受信中" in page and "未受信" in page
    assert "GW-CHARLIE-1" not in page
    assert 'data-figure="spark-0"' in page and 'id="spark-0"' in page


def test_the_status_costs_the_same_queries_for_many_gateways(account_a, gateway_a,
                                                             django_assert_num_queries):
    from accounts.services import gateway_register

    def status_queries() -> None:
        with django_assert_num_queries(6):
            gateway_status_list(account=account_a, now=timezone.now())

    status_queries()
    for n in range(20):
        gw = gateway_register(gateway_id=f"GW-MANY-{n}", account=account_a)
        arrive(gw, timezone.now(), "auth")
    status_queries()


def test_the_api_answers_are_not_cached(alice_client, gateway_a):
    for url in ("/api/v1/gateways/status", "/api/v1/alerts"):
        assert "no-store" in alice_client.get(url)["Cache-Control"]
