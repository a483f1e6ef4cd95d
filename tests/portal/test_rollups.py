"""Rollups: answers stay exact while records keep arriving, gateways get
registered, and the refresher runs (or not)."""
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.services import gateway_register
from portal import selectors
from portal.models import DailyFact, RollupDay, RollupState
from portal.periods import Month
from portal.scope import scope_resolve
from tests.portal.builders import active_line, auth_line, store

FEB = Month(2024, 2)
A, B, C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"


def refresh(*args):
    call_command("refresh_rollups", *args, stdout=io.StringIO())


def conns(account, day=1, gateway_id=None):
    s = scope_resolve(account=account, gateway_id=gateway_id)
    return selectors.connections_daily(scope=s, month=FEB)["days"][day - 1]


def test_new_records_after_a_refresh_are_counted_at_once(account_a, gateway_a):
    store("auth", auth_line("GW-ALICE-1", A, "2024/02/01 10:00:00"))
    refresh("--quiescent")
    assert RollupDay.objects.filter(scope=f"a{account_a.pk}", source="auth").count() == 29
    store("auth", auth_line("GW-ALICE-1", B, "2024/02/01 11:00:00"),
          auth_line("GW-ALICE-1", B, "2024/02/20 11:00:00"))
    assert conns(account_a)["connections"] == 2
    assert conns(account_a)["unique_terminals"] == 2
    assert conns(account_a, 20)["connections"] == 1
    refresh("--quiescent")
    assert DailyFact.objects.filter(scope=f"a{account_a.pk}", family="conn",
                                    day="2024-02-01").get().n == 2
    assert conns(account_a)["connections"] == 2


def test_a_gateway_registered_later_joins_the_account_numbers(account_a, gateway_a):
    store("auth", auth_line("GW-ALICE-1", A, "2024/02/01 10:00:00"),
          auth_line("GW-LATER", A, "2024/02/01 10:05:00"),
          auth_line("GW-LATER", B, "2024/02/01 10:06:00"))
    refresh("--quiescent")
    assert conns(account_a) == {"date": "2024-02-01", "connections": 1, "unique_terminals": 1}
    gateway_register(gateway_id="GW-LATER", account=account_a)
    assert conns(account_a) == {"date": "2024-02-01", "connections": 3, "unique_terminals": 2}
    refresh("--quiescent")
    sigs = set(RollupDay.objects.filter(scope=f"a{account_a.pk}").values_list("signature",
                                                                              flat=True))
    assert len(sigs) == 1
    assert conns(account_a)["connections"] == 3
    assert DailyFact.objects.get(scope=f"a{account_a.pk}", family="conn").n == 3


def test_roaming_across_days_built_separately_matches_live(account_a, gateway_a):
    gateway_register(gateway_id="GW-ALICE-2", account=account_a)
    store("active",
          active_line("GW-ALICE-1", A, "2024/02/05 09:00:00", "2024/02/05 09:10:00", "02", 600),
          active_line("GW-ALICE-2", A, "2024/02/05 09:11:00", "2024/02/05 09:40:00", "20", 60),
          active_line("GW-ALICE-2", C, "2024/02/06 09:11:00", "2024/02/06 09:40:00", "01", 60,
                      port="7"))
    s = scope_resolve(account=account_a, gateway_id=None)
    live = {by: selectors.roaming(scope=s, month=FEB, by=by) for by in ("gateway", "vlan")}
    refresh("--quiescent")
    assert {by: selectors.roaming(scope=s, month=FEB, by=by) for by in live} == live
    assert DailyFact.objects.filter(scope=f"a{account_a.pk}", family="rgf").count() == 1


def test_without_a_quiescent_mark_answers_stay_exact(account_a, gateway_a):
    store("auth", auth_line("GW-ALICE-1", A, "2024/02/01 10:00:00"))
    refresh()
    store("auth", auth_line("GW-ALICE-1", B, "2024/02/01 10:00:00"))
    assert conns(account_a)["connections"] == 2
    assert RollupState.objects.get(source="auth").marks


def test_reading_rolled_up_months_takes_few_queries(client, alice, account_a, gateway_a,
                                                    django_assert_max_num_queries):
    store("auth", *[auth_line("GW-ALICE-1", A, f"2024/02/{d:02d} 10:00:00")
                    for d in range(1, 29)])
    refresh("--quiescent")
    client.force_login(alice)
    client.get("/api/v1/stats/connections?month=2024-02")  # warm the session
    # 9: one of them lists the days with late records not folded in yet.
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/stats/connections?month=2024-02")
    assert sum(d["connections"] for d in response.json()["days"]) == 28


def test_the_celery_task_refreshes(account_a, gateway_a, settings):
    from portal.tasks import refresh_rollups

    store("control", "2024/02/02 10:00:00,0,02:00:00:00:00:0a,10.0.0.1,1,GW-ALICE-1")
    done = refresh_rollups.delay().get() if settings.CELERY_TASK_ALWAYS_EAGER \
        else refresh_rollups()
    assert done["control"] > 0
    assert DailyFact.objects.filter(family="control").exists()


def test_the_command_rebuilds_one_month_and_checks_its_argument(account_a, gateway_a):
    store("auth", auth_line("GW-ALICE-1", A, "2024/02/01 10:00:00"))
    out = io.StringIO()
    call_command("refresh_rollups", "--month", "2024-02", stdout=out)
    assert "done:" in out.getvalue()
    with pytest.raises(CommandError, match="--month must be YYYY-MM"):
        call_command("refresh_rollups", "--month", "Feb")


def test_per_gateway_batches_equal_one_query_per_gateway(worked_month):
    from portal import facts

    account, _user, _index = worked_month
    pks = sorted(account.gateways.values_list("pk", flat=True))
    start, end = Month(2024, 1).span()[0], Month(2024, 3).span()[0]
    for group in facts.GROUP_SOURCE:
        batched = facts.compute_per_gateway(group, gateway_pks=pks, start=start, end=end)
        for pk in pks:
            alone = facts.compute(group, gateway_pks=[pk], start=start, end=end)
            assert sorted(batched[pk]) == sorted(alone), group
