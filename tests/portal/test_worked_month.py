"""The worked month (SPEC §4 by hand): every expected answer, exactly, both
computed live and from the rollups."""
import json

import pytest
from django.core.management import call_command

from tests.portal.builders import WORKED


def _compare_all(client, index):
    mismatches = []
    for entry in index["entries"]:
        assert entry["kind"] == "json"
        response = client.get(entry["path"])
        assert response.status_code == 200, entry["path"]
        expected = json.loads((WORKED / "expected" / entry["file"]).read_text())
        if response.json() != expected:
            mismatches.append(entry["path"])
    assert not mismatches, mismatches
    return len(index["entries"])


def test_it_reproduces_every_expected_answer_live(client, worked_month):
    _account, user, index = worked_month
    client.force_login(user)
    assert _compare_all(client, index) == 54


def test_it_reproduces_every_expected_answer_from_rollups(client, worked_month):
    from portal.models import DailyFact, RollupDay

    _account, user, index = worked_month
    call_command("refresh_rollups", "--quiescent", stdout=open("/dev/null", "w"))
    assert RollupDay.objects.filter(scope__startswith="a").exists()
    assert DailyFact.objects.exists()
    client.force_login(user)
    _compare_all(client, index)


def test_it_keeps_float_and_int_types_of_connection_time(client, worked_month):
    _account, user, _index = worked_month
    client.force_login(user)
    days = client.get("/api/v1/stats/connection-time?month=2024-02").json()["days"]
    assert days[0] == {"date": "2024-02-01", "avg_seconds": 2199.5, "max_seconds": 3800}
    assert days[2] == {"date": "2024-02-03", "avg_seconds": 0, "max_seconds": 0}


@pytest.mark.parametrize("dimension", ["device", "browser", "os", "country", "language",
                                       "age", "gender", "auth_method"])
def test_every_distribution_but_openid_sums_to_connections(client, worked_month, dimension):
    _account, user, _index = worked_month
    client.force_login(user)
    total = sum(d["connections"] for d in
                client.get("/api/v1/stats/connections?month=2024-02").json()["days"])
    items = client.get(f"/api/v1/stats/distribution?month=2024-02&dimension={dimension}")
    assert sum(i["count"] for i in items.json()["items"]) == total == 5
