"""store_batch: the one write path for collector batches and file imports."""
import time

import pytest

from accounts.models import Gateway
from accounts.services import gateway_register
from ingest.models import AuthLog, ControlLog, IngestCounter, Quarantine
from ingest.selectors import ingest_status
from ingest.services import store_batch
from tests.logformats.samples import AUTH, LINES


def item(log_type, line, peer="192.0.2.10", transport="udp", error=None):
    return [log_type, line, peer, transport, time.time(), error]


@pytest.mark.django_db
def test_it_stores_every_type_typed():
    from ingest.models import LOG_MODELS

    result = store_batch(items=[item(t, line) for t, line in LINES.items()])
    assert dict(result.stored) == {t: 1 for t in LINES}
    auth = AuthLog.objects.get()
    assert auth.mac == "02:00:00:00:00:0a"
    assert auth.start.isoformat() == "2024-02-01T01:00:00+00:00"
    assert (auth.auth_method, auth.country, auth.gender, auth.age_band) == ("102", "JP", "0", "1")
    assert auth.gateway.gateway_id == "PCGOLD001"
    for t, model in LOG_MODELS.items():
        assert model.objects.count() == 1, t


@pytest.mark.django_db
def test_it_quarantines_bad_lines_and_keeps_their_batch_mates():
    bad_date = LINES["control"].replace("2024/02/01", "2024/13/01")
    result = store_batch(items=[
        item("auth", AUTH),
        item("control", bad_date),
        item("session", "2024/02/01 10:05:00,PCGOLD001"),
        item(None, "<13>garbage", error="unknown log type: app-name 'sshd'"),
    ])
    assert result.stored["auth"] == 1
    assert result.quarantined == 3
    reasons = sorted(Quarantine.objects.values_list("reason", flat=True))
    assert "unknown log type: app-name 'sshd'" in reasons
    assert any("column 1" in r and "2024/13/01" in r for r in reasons)
    assert any("expected 3 columns, got 2" in r for r in reasons)
    q = Quarantine.objects.get(log_type="control")
    assert q.raw == bad_date and q.peer == "192.0.2.10" and q.transport == "udp"


@pytest.mark.django_db
def test_it_stores_a_redelivered_record_once_in_any_timestamp_spelling():
    iso = AUTH.replace("2024/02/01 10:00:00", "2024-02-01T01:00:00Z")
    first = store_batch(items=[item("auth", AUTH), item("auth", AUTH)])
    dashed = AUTH.replace("02:00:00:00:00:0A", "02-00-00-00-00-0a")
    second = store_batch(items=[item("auth", iso), item("auth", dashed)])
    assert first.stored["auth"] == 1 and first.duplicates == 1
    assert second.stored["auth"] == 0 and second.duplicates == 2
    assert AuthLog.objects.count() == 1
    assert IngestCounter.objects.get(name="duplicates").value == 3


@pytest.mark.django_db
def test_a_retried_batch_adds_no_quarantine_rows():
    batch = [item("session", "not,a,record,at,all")]
    store_batch(items=batch)
    store_batch(items=batch)
    assert Quarantine.objects.count() == 1


@pytest.mark.django_db
def test_unassigned_records_attach_when_the_gateway_is_registered(account_a):
    store_batch(items=[item("auth", AUTH)])
    assert Gateway.objects.get(gateway_id="PCGOLD001").account is None
    assert ingest_status()["unassigned"] == 1
    assert not AuthLog.objects.for_account(account_a).exists()
    gateway_register(gateway_id="PCGOLD001", account=account_a)
    assert AuthLog.objects.for_account(account_a).count() == 1
    assert ingest_status()["unassigned"] == 0


@pytest.mark.django_db
def test_a_gateways_source_allowlist_rejects_other_sources(account_a):
    gw = gateway_register(gateway_id="PCGOLD001", account=account_a)
    gw.allowed_cidrs = "198.51.100.0/24"
    gw.save()
    result = store_batch(items=[
        item("control", LINES["control"], peer="198.51.100.7"),
        item("session", LINES["session"], peer="203.0.113.9"),
    ])
    assert ControlLog.objects.count() == 1
    assert result.rejected == 1
    assert Quarantine.objects.get().reason == (
        "source 203.0.113.9 is not allowed for gateway PCGOLD001")
    assert ingest_status()["rejected"] == 1
