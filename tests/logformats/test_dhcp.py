"""DHCP log (§8.4, 5 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.dhcp import DHCP_MESSAGE_TYPES, DhcpRecord, parse_dhcp, serialize_dhcp
from logformats.errors import ParseError

LINE = "2024/02/01 10:05:00,DHCPACK,02:00:00:00:00:0A,10.0.0.20,PCGOLD001"


def test_it_parses_a_canonical_line():
    assert parse_dhcp(LINE) == DhcpRecord(
        at=datetime(2024, 2, 1, 1, 5, tzinfo=UTC),
        message_type="DHCPACK",
        mac="02:00:00:00:00:0a",
        ip="10.0.0.20",
        gateway_id="PCGOLD001",
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_dhcp(parse_dhcp(LINE)) == LINE


@pytest.mark.parametrize("kind", sorted(DHCP_MESSAGE_TYPES))
def test_it_accepts_every_message_type_in_any_case(kind):
    assert parse_dhcp(LINE.replace("DHCPACK", kind.lower())).message_type == kind
    assert parse_dhcp(LINE.replace("DHCPACK", kind.title())).message_type == kind


def test_it_knows_the_manual_and_rfc_2131_types():
    assert {
        "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK", "DHCPINFORM", "DHCPDECLINE",
        "DHCPNAK", "DHCPRELEASE",
    } == DHCP_MESSAGE_TYPES


def test_it_rejects_an_unknown_message_type():
    with pytest.raises(ParseError) as e:
        parse_dhcp(LINE.replace("DHCPACK", "DHCPHELLO"))
    assert str(e.value) == (
        "dhcp: column 2 DHCP message type: 'DHCPHELLO' is not a DHCP message type"
    )


def test_it_rejects_lookalike_letters():
    with pytest.raises(ParseError):
        parse_dhcp(LINE.replace("DHCPACK", "dhcpınform"))  # dotless i upper-cases to I


def test_it_canonicalizes_ipv6():
    rec = parse_dhcp(LINE.replace("10.0.0.20", "2001:DB8:0:0::20"))
    assert rec.ip == "2001:db8::20"


def test_it_rejects_a_wrong_column_count():
    with pytest.raises(ParseError) as e:
        parse_dhcp(LINE + ",x")
    assert str(e.value) == "dhcp: expected 5 columns, got 6"
