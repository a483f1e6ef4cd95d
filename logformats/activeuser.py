"""Active user log (アクティブユーザログ, manual §8.8): unauthenticated terminals, 3 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.fields import format_timestamp, parse_count, parse_gateway_id, parse_timestamp
from logformats.layout import Column, Layout


@dataclass(frozen=True, slots=True)
class ActiveUserRecord:
    """The number of connected but unauthenticated terminals at one time."""

    at: datetime
    gateway_id: str
    users: int


LAYOUT = Layout("activeuser", ActiveUserRecord, (
    Column("time", "at", parse_timestamp, format_timestamp),
    Column("gateway ID", "gateway_id", parse_gateway_id),
    Column("active users", "users", parse_count, str),
))


def parse_activeuser(line: str) -> ActiveUserRecord:
    """One active user record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_activeuser(record: ActiveUserRecord) -> str:
    """The canonical CSV line of an active user record."""
    return LAYOUT.serialize(record)
