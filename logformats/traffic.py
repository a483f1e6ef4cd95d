"""Traffic log (トラフィックログ, manual §8.6): down / up bits per second, 4 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.fields import format_timestamp, parse_count, parse_gateway_id, parse_timestamp
from logformats.layout import Column, Layout


@dataclass(frozen=True, slots=True)
class TrafficRecord:
    """A gateway's traffic at one time: RX is down, TX is up, both in bps."""

    at: datetime
    gateway_id: str
    rx_bps: int
    tx_bps: int


LAYOUT = Layout("traffic", TrafficRecord, (
    Column("time", "at", parse_timestamp, format_timestamp),
    Column("gateway ID", "gateway_id", parse_gateway_id),
    Column("RX bps", "rx_bps", parse_count, str),
    Column("TX bps", "tx_bps", parse_count, str),
))


def parse_traffic(line: str) -> TrafficRecord:
    """One traffic record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_traffic(record: TrafficRecord) -> str:
    """The canonical CSV line of a traffic record."""
    return LAYOUT.serialize(record)
