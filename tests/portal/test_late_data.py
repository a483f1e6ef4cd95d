"""Late data reaches the dashboards: a record that commits long after its id
was taken, or after its day was rolled up, is folded in by the next refresh
(the "nothing lost" issue)."""
from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ingest.models import TouchedDay
from portal import rollups, selectors
from portal.periods import Month
from portal.scope import scope_resolve
from tests.portal.builders import auth_line, store

FEB = Month(2024, 2)
A, B, C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"


def refresh() -> None:
    call_command("refresh_rollups", stdout=io.StringIO())


def connections_on_day(account, day: int) -> int:
    s = scope_resolve(account=account, gateway_id=None)
    return selectors.connections_daily(scope=s, month=FEB)["days"][day - 1]["connections"]


@pytest.mark.django_db(transaction=True)
def test_a_record_committing_after_its_day_was_rolled_up_is_counted(account_a, gateway_a,
                                                                     monkeypatch):
    # Marks count as safe at once: as if every refresh below were minutes apart.
    monkeypatch.setattr(rollups, "LATE_COMMIT_SECONDS", 0)
    store("auth", auth_line("GW-ALICE-1", A, "2024/02/01 10:00:00"))

    # A batch whose transaction stays open (a slow worker, a redelivery in
    # progress) while newer records are stored and rolled up around it.
    inserted, release = threading.Event(), threading.Event()

    def slow_batch() -> None:
        try:
            with transaction.atomic():
                store("auth", auth_line("GW-ALICE-1", B, "2024/02/03 10:00:00"))
                inserted.set()
                release.wait(30)
        finally:
            connection.close()

    worker = threading.Thread(target=slow_batch)
    worker.start()
    assert inserted.wait(30)
    store("auth", auth_line("GW-ALICE-1", C, "2024/02/01 11:00:00"))
    refresh()
    refresh()  # the slow batch's id is now below the safe mark
    assert connections_on_day(account_a, 3) == 0
    release.set()
    worker.join(30)

    assert connections_on_day(account_a, 3) == 1  # read live until folded in
    refresh()
    assert not TouchedDay.objects.filter(day="2024-02-03").exists()
    assert connections_on_day(account_a, 3) == 1
    assert connections_on_day(account_a, 1) == 2


@pytest.mark.django_db
def test_an_old_month_imported_later_is_rebuilt_by_the_next_refresh(account_a, gateway_a):
    store("auth", auth_line("GW-ALICE-1", A, "2024/02/10 10:00:00"))
    refresh()
    TouchedDay.objects.all().delete()  # as if long folded in
    store("auth", auth_line("GW-ALICE-1", B, "2024/02/10 12:00:00"))
    assert TouchedDay.objects.filter(day="2024-02-10").count() == 1
    refresh()
    assert not TouchedDay.objects.exists()
    assert connections_on_day(account_a, 10) == 2
