"""Columns 1-8, which the auth (§8.1) and active (§8.2) logs share."""
from logformats.fields import (
    format_mac,
    format_optional,
    format_timestamp,
    normalize_mac,
    parse_gateway_id,
    parse_optional_ip,
    parse_optional_timestamp,
    parse_timestamp,
)
from logformats.layout import UNUSED, Column

TERMINAL_COLUMNS = (
    Column("gateway ID", "gateway_id", parse_gateway_id),
    Column("port", "port"),
    Column("port label", "port_label"),
    Column("IP address", "ip", parse_optional_ip, format_optional),
    UNUSED,
    Column("MAC address", "mac", normalize_mac, format_mac),
    Column("start time", "start", parse_timestamp, format_timestamp),
    Column("end time", "end", parse_optional_timestamp, format_timestamp),
)
