"""The PostgreSQL write path (issue 9 item 4): a batch of new records is
COPied straight into its table; one holding an already stored record falls
back to the staging table and ON CONFLICT, storing the rest exactly once."""
import time

import pytest
from django.db import connection

from ingest.models import AuthLog, TouchedDay
from ingest.services import store_batch
from tests.portal.builders import auth_line


def items(*lines):
    return [["auth", ln, "test", "file", time.time(), None] for ln in lines]


def staging_exists() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('pg_temp.stage_ingest_authlog') IS NOT NULL")
        return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_new_records_skip_staging_and_known_ones_fall_back_to_it(gateway_a):
    first = [auth_line("GW-ALICE-1", f"02:00:00:00:00:{i:02x}", "2024/02/01 10:00:00")
             for i in range(5)]
    result = store_batch(items=items(*first))
    assert result.stored["auth"] == 5
    assert not staging_exists(), "a batch of new records went through the staging table"
    assert AuthLog.objects.count() == 5
    assert TouchedDay.objects.filter(source="auth").count() == 1

    more = [auth_line("GW-ALICE-1", f"02:00:00:00:01:{i:02x}", "2024/02/02 10:00:00")
            for i in range(3)]
    result = store_batch(items=items(first[0], *more, first[4]))
    assert result.stored["auth"] == 3
    assert result.duplicates == 2
    assert staging_exists()
    assert AuthLog.objects.count() == 8
    assert TouchedDay.objects.filter(source="auth").count() == 2
    # A plain re-delivery of the whole batch adds nothing.
    assert store_batch(items=items(*first, *more)).stored["auth"] == 0
    assert AuthLog.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_touched_days_are_jst_days_on_both_sides_of_midnight(gateway_a):
    """Records a second either side of JST midnight (15:00 UTC) touch two
    days, whether they go straight in or through the staging fallback."""
    before, after = (auth_line("GW-ALICE-1", f"02:00:00:00:02:{i:02x}", at)
                     for i, at in enumerate(["2024/02/29 23:59:59", "2024/03/01 00:00:00"]))
    store_batch(items=items(before))
    store_batch(items=items(before, after))  # `before` again: the staging path
    days = sorted(TouchedDay.objects.filter(source="auth").values_list("day", flat=True))
    assert [d.isoformat() for d in days] == ["2024-02-29", "2024-03-01"]
