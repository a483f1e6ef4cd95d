"""Control log (§8.3, 6 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.control import ControlRecord, parse_control, serialize_control
from logformats.errors import ParseError

LINE = "2024/02/01 10:05:00,2,02:00:00:00:00:0A,10.0.0.1,1024,PCGOLD002"


def test_it_parses_a_canonical_line():
    assert parse_control(LINE) == ControlRecord(
        at=datetime(2024, 2, 1, 1, 5, tzinfo=UTC),
        kind="2",
        mac="02:00:00:00:00:0a",
        ip="10.0.0.1",
        value="1024",
        gateway_id="PCGOLD002",
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_control(parse_control(LINE)) == LINE


def test_mac_and_ip_may_be_empty():
    rec = parse_control("2024/02/01 10:05:00,1,,,60,PCGOLD001")
    assert (rec.mac, rec.ip) == ("", None)
    assert serialize_control(rec) == "2024/02/01 10:05:00,1,,,60,PCGOLD001"


def test_it_keeps_unknown_kinds_raw():
    assert parse_control(LINE.replace(",2,", ",7,")).kind == "7"


def test_it_requires_the_gateway():
    with pytest.raises(ParseError) as e:
        parse_control(LINE.replace("PCGOLD002", ""))
    assert str(e.value) == "control: column 6 gateway ID: is required"


def test_it_rejects_a_bad_mac():
    with pytest.raises(ParseError) as e:
        parse_control(LINE.replace("02:00:00:00:00:0A", "02:00:00:00:00"))
    assert str(e.value) == "control: column 3 MAC address: '02:00:00:00:00' is not a MAC address"


def test_it_rejects_a_wrong_column_count():
    with pytest.raises(ParseError) as e:
        parse_control(LINE.rsplit(",", 1)[0])
    assert str(e.value) == "control: expected 6 columns, got 5"
