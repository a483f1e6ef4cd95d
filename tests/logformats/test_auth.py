"""Auth log (§8.1, 28 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.auth import AuthRecord, parse_auth, serialize_auth
from logformats.errors import ParseError

LINE = (
    "PCGOLD001,10,Lobby,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:00:00,2024/02/01 10:30:00,"
    "102,AC-1,,,ja,JP,,,500,,,dom1,00,0,1,iPhone,iOS 17.5,Safari,,"
)


def cols(line: str = LINE) -> list[str]:
    return line.split(",")


def line_with(**changes: str) -> str:
    """LINE with some columns replaced, by 1-based number: line_with(c7="…")."""
    c = cols()
    for key, value in changes.items():
        c[int(key[1:]) - 1] = value
    return ",".join(c)


def test_it_parses_a_canonical_line():
    assert parse_auth(LINE) == AuthRecord(
        gateway_id="PCGOLD001",
        port="10",
        port_label="Lobby",
        ip="10.0.0.1",
        mac="02:00:00:00:00:0a",
        start=datetime(2024, 2, 1, 1, 0, tzinfo=UTC),
        end=datetime(2024, 2, 1, 1, 30, tzinfo=UTC),
        auth_method="102",
        access_id="AC-1",
        area_code="",
        postal_code="",
        language="ja",
        country="JP",
        charge=500,
        auth_domain_id="dom1",
        openid_provider="00",
        gender="0",
        age_band="1",
        device_type="iPhone",
        device_os="iOS 17.5",
        device_app="Safari",
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_auth(parse_auth(LINE)) == LINE


def test_it_reads_the_worked_month_line():
    rec = parse_auth(
        "PCGOLD002,,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:30:20,2024/02/01 10:30:20,"
        "203,,,,,,,,,,,,,1,,,,,,"
    )
    assert rec.mac == "02:00:00:00:00:0a"
    assert rec.port == ""
    assert rec.gender == "1"
    assert rec.auth_method == "203"
    assert rec.charge is None


def test_empty_optional_columns_are_none():
    rec = parse_auth(line_with(c4="", c8="", c17=""))
    assert (rec.ip, rec.end, rec.charge) == (None, None, None)
    assert serialize_auth(rec) == line_with(c4="", c8="", c17="")


def test_it_ignores_the_unused_columns():
    junk = line_with(c5="x", c15="y", c16="z", c18="1", c19="2", c27="q", c28="r")
    assert parse_auth(junk) == parse_auth(LINE)
    assert serialize_auth(parse_auth(junk)) == LINE


def test_it_keeps_unknown_codes_raw():
    rec = parse_auth(line_with(c9="999", c21="99", c22="7", c23="9"))
    codes = (rec.auth_method, rec.openid_provider, rec.gender, rec.age_band)
    assert codes == ("999", "99", "7", "9")


def test_it_normalizes_the_mac():
    assert parse_auth(line_with(c6="0200.0000.000A")).mac == "02:00:00:00:00:0a"


def test_it_rejects_month_13():
    with pytest.raises(ParseError) as e:
        parse_auth(line_with(c7="2026/13/01 00:00:00"))
    assert str(e.value) == "auth: column 7 start time: '2026/13/01 00:00:00' is not a valid date"


def test_it_rejects_a_short_line():
    with pytest.raises(ParseError) as e:
        parse_auth(LINE[: LINE.rindex(",")])
    assert str(e.value) == "auth: expected 28 columns, got 27"


@pytest.mark.parametrize(("changes", "reason"), [
    ({"c1": ""}, "auth: column 1 gateway ID: is required"),
    ({"c4": "10.0.0.999"}, "auth: column 4 IP address: '10.0.0.999' is not an IP address"),
    ({"c6": ""}, "auth: column 6 MAC address: is required"),
    ({"c6": "nope"}, "auth: column 6 MAC address: 'nope' is not a MAC address"),
    ({"c7": ""}, "auth: column 7 start time: is required"),
    ({"c8": "soon"}, "auth: column 8 end time: 'soon' is not a date-time (YYYY/MM/DD HH:MM:SS)"),
    ({"c9": "1" * 17}, f"auth: column 9 auth method: '{'1' * 17}' is longer than 16 characters"),
    ({"c17": "-5"}, "auth: column 17 charge: '-5' is not a whole number"),
])
def test_it_names_the_bad_column(changes, reason):
    with pytest.raises(ParseError) as e:
        parse_auth(line_with(**changes))
    assert str(e.value) == reason
