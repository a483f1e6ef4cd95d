"""Control log (制御ログ, manual §8.3): session / spam / bandwidth limits, 6 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.fields import (
    format_mac,
    format_optional,
    format_timestamp,
    parse_code,
    parse_gateway_id,
    parse_optional_ip,
    parse_optional_mac,
    parse_timestamp,
)
from logformats.layout import Column, Layout


@dataclass(frozen=True, slots=True)
class ControlRecord:
    """One limit the gateway applied; `kind` is the raw control kind code."""

    at: datetime
    kind: str
    mac: str
    ip: str | None
    value: str
    gateway_id: str


LAYOUT = Layout("control", ControlRecord, (
    Column("time", "at", parse_timestamp, format_timestamp),
    Column("control kind", "kind", parse_code),
    Column("MAC address", "mac", parse_optional_mac, format_mac),
    Column("IP address", "ip", parse_optional_ip, format_optional),
    Column("value", "value"),
    Column("gateway ID", "gateway_id", parse_gateway_id),
))


def parse_control(line: str) -> ControlRecord:
    """One control record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_control(record: ControlRecord) -> str:
    """The canonical CSV line of a control record."""
    return LAYOUT.serialize(record)
