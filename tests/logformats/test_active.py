"""Active connection log (§8.2, 11 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.active import ActiveRecord, parse_active, serialize_active
from logformats.errors import ParseError

LINE = (
    "PCGOLD001,10,Lobby,10.0.0.1,,02:00:00:00:00:0A,"
    "2024/02/01 10:00:00,2024/02/01 10:30:00,01,1800,"
)


def test_it_parses_a_canonical_line():
    assert parse_active(LINE) == ActiveRecord(
        gateway_id="PCGOLD001",
        port="10",
        port_label="Lobby",
        ip="10.0.0.1",
        mac="02:00:00:00:00:0a",
        start=datetime(2024, 2, 1, 1, 0, tzinfo=UTC),
        end=datetime(2024, 2, 1, 1, 30, tzinfo=UTC),
        status="01",
        usage_seconds=1800,
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_active(parse_active(LINE)) == LINE


def test_it_ignores_the_unused_columns():
    junk = LINE.replace("10.0.0.1,,", "10.0.0.1,junk,") + "more junk"
    assert parse_active(junk) == parse_active(LINE)


def test_it_accepts_an_open_connection():
    rec = parse_active(LINE.replace(",2024/02/01 10:30:00,", ",,"))
    assert rec.end is None


def test_it_keeps_unknown_status_digits():
    assert parse_active(LINE.replace(",01,", ",99,")).status == "99"


@pytest.mark.parametrize("status", ["1", "001", "0a", "", "１２"])
def test_it_rejects_a_status_that_is_not_two_digits(status):
    with pytest.raises(ParseError, match="^active: column 9 status: "):
        parse_active(LINE.replace(",01,", f",{status},"))


def test_it_says_why_the_status_is_bad():
    with pytest.raises(ParseError) as e:
        parse_active(LINE.replace(",01,", ",1,"))
    assert str(e.value) == "active: column 9 status: '1' is not a 2-digit status code"


def test_it_rejects_negative_usage():
    with pytest.raises(ParseError) as e:
        parse_active(LINE.replace(",1800,", ",-1,"))
    assert str(e.value) == "active: column 10 usage seconds: '-1' is not a whole number"


def test_it_requires_the_mac():
    with pytest.raises(ParseError) as e:
        parse_active(LINE.replace("02:00:00:00:00:0A", ""))
    assert str(e.value) == "active: column 6 MAC address: is required"


def test_it_rejects_a_wrong_column_count():
    with pytest.raises(ParseError) as e:
        parse_active(LINE + ",")
    assert str(e.value) == "active: expected 11 columns, got 12"
