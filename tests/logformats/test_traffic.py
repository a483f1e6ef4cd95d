"""Traffic log (§8.6, 4 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.errors import ParseError
from logformats.traffic import TrafficRecord, parse_traffic, serialize_traffic

LINE = "2024/02/01 10:05:00,PCGOLD001,123456789012,98765"


def test_it_parses_a_canonical_line():
    assert parse_traffic(LINE) == TrafficRecord(
        at=datetime(2024, 2, 1, 1, 5, tzinfo=UTC),
        gateway_id="PCGOLD001",
        rx_bps=123456789012,
        tx_bps=98765,
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_traffic(parse_traffic(LINE)) == LINE


def test_it_takes_bps_up_to_bigint():
    rec = parse_traffic(f"2024/02/01 10:05:00,PCGOLD001,{2**63 - 1},0")
    assert rec.rx_bps == 2**63 - 1


def test_it_rejects_bps_beyond_bigint():
    with pytest.raises(ParseError) as e:
        parse_traffic(f"2024/02/01 10:05:00,PCGOLD001,0,{2**63}")
    assert str(e.value) == f"traffic: column 4 TX bps: '{2**63}' is too large"


def test_it_reads_iso_times():
    rec = parse_traffic("2024-02-01T01:05:00Z,PCGOLD001,1,2")
    assert rec == parse_traffic("2024/02/01 10:05:00,PCGOLD001,1,2")
