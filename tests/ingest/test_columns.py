"""The column path of store_batch (`ingest.columns`, PostgreSQL, packed
batches) against the item path it stands in for: the same batch stored
either way must leave the very same rows, quarantine, counters, touched days,
arrivals and result, whatever mix of good and bad records it holds."""
import time

import pytest
from django.db import connection, transaction

from accounts.models import Gateway
from accounts.services import gateway_register
from alerts.models import GatewayArrivalLog
from ingest.columns import ColumnBatch
from ingest.items import Item
from ingest.models import LOG_MODELS, IngestCounter, Quarantine, TouchedDay
from ingest.payload import pack_batch
from ingest.services import store_batch
from tests.logformats.samples import AUTH, LINES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'",
                       reason="the column path is PostgreSQL's (SQLite stores item by item)"),
]

NOW = time.time()


def _item(log_type, line, peer="192.0.2.10", transport="tcp", received_at=NOW, error=None):
    return Item(log_type, line, peer, transport, received_at, error,
                "<134>1 2024-02-01T01:00:00Z gw popchat-x - - - ", "\n")


def _auth(n: int, gateway="PCGOLD001", mac="02:00:00:00:00:0A") -> str:
    """An auth line of that gateway whose start is n seconds after AUTH's."""
    return (AUTH.replace("PCGOLD001", gateway).replace("02:00:00:00:00:0A", mac)
            .replace("2024/02/01 10:00:00", f"2024/02/01 10:{n // 60:02}:{n % 60:02}"))


def _state() -> dict:
    """Everything a batch may change, without ids and wall-clock stamps (a
    gateway by its ID: a new one's pk differs from run to run)."""
    gid = dict(Gateway.objects.values_list("pk", "gateway_id"))
    state = {name: sorted(repr((gid[row[0]], *row[1:])) for row in model.objects.values_list(
        *[f.attname for f in model._meta.concrete_fields if f.name != "id"]))
        for name, model in LOG_MODELS.items()}
    # A reason quoting the database's error names the row's id, which differs.
    state["quarantine"] = sorted((*row[:3], row[3].split(" DETAIL: ")[0], *row[4:])
                                 for row in Quarantine.objects.values_list(
        "peer", "transport", "log_type", "reason", "raw", "data", "length", "digest"))
    state["touched"] = sorted((source, gid[pk], day) for source, pk, day in
                              TouchedDay.objects.values_list("source", "gateway_pk", "day"))
    state["arrivals"] = sorted((gid[row[0]], *row[1:]) for row in GatewayArrivalLog.objects
                               .values_list("gateway_id", "log_type", "start", "records",
                                            "last_seen"))
    state["counters"] = sorted(IngestCounter.objects.values_list("name", "value"))
    state["gateways"] = sorted(Gateway.objects.values_list("gateway_id", "account_id"))
    return state


def _both_ways(items: list[Item]) -> tuple:
    """(result, state) of the batch stored packed (the column path), then the
    same from the item path, each from the same starting point."""
    outcomes = []
    for batch in (pack_batch(items), list(items)):
        with transaction.atomic():
            result = store_batch(items=batch)
            gid = dict(Gateway.objects.values_list("pk", "gateway_id"))
            result.per_gateway = {gid[pk]: n for pk, n in result.per_gateway.items()}
            outcomes.append((result, _state()))
            transaction.set_rollback(True)
    return outcomes


def test_a_mixed_batch_stores_the_same_either_way(account_a, settings):
    settings.SYSLOG_NEW_GATEWAYS_PER_HOUR = 2
    gateway_register(gateway_id="PCGOLD001", account=account_a)
    picky = gateway_register(gateway_id="PCPICKY", account=account_a)
    picky.allowed_cidrs = "198.51.100.0/24"
    picky.save()
    store_batch(items=pack_batch([_item("auth", _auth(1))]))  # already stored
    future = NOW + 3 * 3600
    items = [
        _item("auth", _auth(1)),  # already stored: the staging path
        *[_item("auth", _auth(n)) for n in range(2, 40)],
        _item("auth", _auth(40, mac="02:00:00:00:00:0b")),  # lower case: hashed upper
        _item("auth", _auth(41)), _item("auth", _auth(41)),  # twice in the batch
        _item("auth", _auth(42).replace("2024/02/01 10:00:42", "2024-02-01T01:00:42Z")),
        _item("auth", _auth(2).replace("2024/02/01 10:00:02", "2024-02-01T01:00:02Z")),
        _item("auth", _auth(43).replace("2024/02/01 10:00:43", "2024/02/30 10:00:43")),
        _item("auth", _auth(44).replace("2024/02/01", "1999/12/31")),  # implausible
        _item("auth", _auth(45).replace("2024/02/01", "2099/02/01")),  # implausible
        _item("auth", _auth(46, gateway="PCNEW1"), peer="203.0.113.5"),
        _item("auth", _auth(47, gateway="PCNEW2"), peer="203.0.113.5"),
        _item("auth", _auth(48, gateway="PCNEW3"), peer="203.0.113.5"),  # over the cap
        _item("auth", _auth(49, gateway="PCPICKY"), peer="198.51.100.7"),
        _item("auth", _auth(50, gateway="PCPICKY"), peer="203.0.113.9"),  # not allowed
        _item("auth", _auth(51), transport="udp", received_at=future),  # its own arrival
        _item("auth", "not,an,auth,line"),
        _item(None, "", error="unknown log type: app-name 'sshd'"),
        *[_item(log_type, line) for log_type, line in LINES.items()],
        _item("session", LINES["session"].replace("10:05:00", "10:05:01"), transport="file"),
    ]
    packed, one_by_one = _both_ways(items)
    assert packed[1] == one_by_one[1]
    assert packed[0] == one_by_one[0]
    result = packed[0]
    assert result.stored["auth"] == 38 + 1 + 1 + 1 + 2 + 1 + 1 + 1  # LINES has one too
    assert (result.quarantined, result.rejected, result.duplicates) == (7, 2, 3)
    # the lane took the most of it
    lane = ColumnBatch(pack_batch(items))
    assert len(lane.blocks["auth"].places) >= 46


def test_a_batch_the_database_refuses_is_isolated_the_same_either_way(account_a):
    gateway_register(gateway_id="PCGOLD001", account=account_a)
    with connection.cursor() as cur:  # a check the parsers do not know about
        cur.execute("ALTER TABLE ingest_authlog ADD CONSTRAINT no_port_13 CHECK (port <> '13')")
    items = [_item("auth", _auth(n)) for n in range(5)]
    items.append(_item("auth", _auth(9).replace("PCGOLD001,10,", "PCGOLD001,13,")))
    packed, one_by_one = _both_ways(items)
    assert packed == one_by_one
    assert packed[0].stored["auth"] == 5 and packed[0].quarantined == 1
