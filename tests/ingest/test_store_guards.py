"""What the store path refuses to keep as records, and keeps in quarantine:
implausible times (row 11), malformed gateway IDs and too many new gateways
from one source (issue 10 items 10 and 12)."""
from __future__ import annotations

import calendar

import pytest

from accounts.models import Gateway
from ingest.items import Item
from ingest.models import IngestCounter, NewGatewayQuota, Quarantine, SessionLog
from ingest.selectors import ingest_status
from ingest.services import store_batch

ARRIVAL = calendar.timegm((2024, 2, 1, 12, 0, 0))  # 21:00 JST


def session(at: str, gw: str = "GW1", peer: str = "192.0.2.1") -> Item:
    return Item("session", f"{at},{gw},1", peer, "udp", ARRIVAL)


@pytest.mark.django_db
def test_records_from_a_reset_clock_are_quarantined_with_the_reason(settings) -> None:
    settings.SYSLOG_MAX_FUTURE_MINUTES = 60
    result = store_batch(items=[session("1970/01/01 09:00:00"), session("2099/01/01 00:00:00"),
                                session("2024/02/01 22:30:00"), session("2024/02/01 21:30:00")])
    assert result.stored["session"] == 1 and result.quarantined == 3
    reasons = list(Quarantine.objects.values_list("reason", flat=True))
    assert all("implausible record time" in r and "60 minutes" in r for r in reasons)


@pytest.mark.django_db
@pytest.mark.parametrize("gw", ['GWA";filename*=x', "ゲートウェイ", "a" * 65, "GW 1"])
def test_a_malformed_gateway_id_is_quarantined_and_creates_no_gateway(gw: str) -> None:
    result = store_batch(items=[session("2024/02/01 10:00:00", gw=gw)])
    assert result.quarantined == 1 and not Gateway.objects.exists()
    assert "gateway ID" in Quarantine.objects.get().reason


@pytest.mark.django_db
def test_one_source_creates_at_most_the_hourly_cap_of_new_gateways(settings) -> None:
    settings.SYSLOG_NEW_GATEWAYS_PER_HOUR = 3
    flood = [session("2024/02/01 10:00:00", gw=f"FAKE{i}", peer="198.51.100.7")
             for i in range(5)]
    first = store_batch(items=flood[:2])
    second = store_batch(items=flood[2:] + [session("2024/02/01 10:00:00", gw="OTHER",
                                                    peer="192.0.2.50")])
    assert first.stored["session"] == 2 and second.stored["session"] == 2
    assert Gateway.objects.count() == 4 and SessionLog.objects.count() == 4
    assert Quarantine.objects.count() == 2
    for q in Quarantine.objects.all():
        assert "198.51.100.7" in q.reason and "SYSLOG_NEW_GATEWAYS_PER_HOUR" in q.reason
    assert IngestCounter.objects.get(name="new_gateways").value == 4
    assert ingest_status()["new_gateways"] == 4
    # Gateways already known keep storing from the same source beyond the cap.
    again = store_batch(items=[session("2024/02/01 11:00:00", gw="FAKE0", peer="198.51.100.7")])
    assert again.stored["session"] == 1


@pytest.mark.django_db
def test_gateways_another_batch_created_meanwhile_are_not_charged_to_the_cap(settings) -> None:
    """Two workers store batches from one source at once: both see the same
    gateways missing, one creates them while the other waits for the quota
    row. The waiting one must not charge them again (it did, and the cap then
    refused the source's next new gateways although few had been created)."""
    from ingest.services import _within_new_gateway_cap

    settings.SYSLOG_NEW_GATEWAYS_PER_HOUR = 3
    first = [session("2024/02/01 10:00:00", gw=f"GW{i}", peer="198.51.100.7") for i in range(3)]
    assert store_batch(items=first).stored["session"] == 3
    # The waiting worker's list, read before the first batch committed: all
    # three and one more still missing.
    sources = {f"GW{i}": session("2024/02/01 10:00:00", gw=f"GW{i}", peer="198.51.100.7")
               for i in range(4)}
    refused: dict[str, str] = {}
    allowed, new = _within_new_gateway_cap(list(sources), sources, refused)
    assert sorted(allowed) == ["GW0", "GW1", "GW2"]  # read back, not created again
    assert new == 0
    assert refused["GW3"].startswith("source 198.51.100.7 already created 3 ")
    assert NewGatewayQuota.objects.get().created == 3


@pytest.mark.django_db(transaction=True)
def test_the_collector_metrics_count_new_unassigned_gateways() -> None:
    import asyncio

    from ingest.batcher import Batcher
    from ingest.collector import Collector
    from ingest.management.commands.collector import database_gauges

    from .test_collector import Sink, http_get

    store_batch(items=[session("2024/02/01 10:00:00", gw="NEW1"),
                       session("2024/02/01 10:00:00", gw="NEW2")])

    async def scenario() -> str:
        collector = Collector(Batcher(Sink()), extra_gauges=database_gauges)
        bound = await collector.start(metrics=("127.0.0.1", 0))
        try:
            return (await asyncio.to_thread(http_get, bound["metrics"], "/metrics")).decode()
        finally:
            await collector.stop()

    assert "\nsyslogcloud_collector_new_gateways 2\n" in asyncio.run(scenario())
