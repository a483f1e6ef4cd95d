"""DHCP log (DHCPログ, manual §8.4): the gateway's DHCP server messages, 5 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.errors import ParseError
from logformats.fields import (
    format_mac,
    format_optional,
    format_timestamp,
    parse_gateway_id,
    parse_optional_ip,
    parse_optional_mac,
    parse_timestamp,
    show,
)
from logformats.layout import Column, Layout
from logformats.rows import Lane, register_lane

# The manual's six, plus DHCPNAK and DHCPRELEASE from RFC 2131 (SPEC §3).
DHCP_MESSAGE_TYPES = frozenset({
    "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK",
    "DHCPINFORM", "DHCPDECLINE", "DHCPNAK", "DHCPRELEASE",
})


@dataclass(frozen=True, slots=True)
class DhcpRecord:
    """One DHCP message; `message_type` is upper case."""

    at: datetime
    message_type: str
    mac: str
    ip: str | None
    gateway_id: str


def parse_message_type(text: str) -> str:
    """A DHCP message type in any letter case, returned upper case."""
    upper = text.upper()
    if upper in DHCP_MESSAGE_TYPES and text.isascii():
        return upper
    raise ParseError(f"{show(text)} is not a DHCP message type" if text else "is required")


# Upper case is the canonical spelling; other spellings take the slower tiers.
register_lane(parse_message_type, None, Lane("|".join(sorted(DHCP_MESSAGE_TYPES))))

LAYOUT = Layout("dhcp", DhcpRecord, (
    Column("time", "at", parse_timestamp, format_timestamp),
    Column("DHCP message type", "message_type", parse_message_type),
    Column("MAC address", "mac", parse_optional_mac, format_mac),
    Column("IP address", "ip", parse_optional_ip, format_optional),
    Column("gateway ID", "gateway_id", parse_gateway_id),
))


def parse_dhcp(line: str) -> DhcpRecord:
    """One DHCP record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_dhcp(record: DhcpRecord) -> str:
    """The canonical CSV line of a DHCP record."""
    return LAYOUT.serialize(record)
