"""Session log (セッションログ, manual §8.5): the gateway's session count, 3 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.fields import format_timestamp, parse_count, parse_gateway_id, parse_timestamp
from logformats.layout import Column, Layout


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """The number of sessions on a gateway at one time."""

    at: datetime
    gateway_id: str
    sessions: int


LAYOUT = Layout("session", SessionRecord, (
    Column("time", "at", parse_timestamp, format_timestamp),
    Column("gateway ID", "gateway_id", parse_gateway_id),
    Column("sessions", "sessions", parse_count, str),
))


def parse_session(line: str) -> SessionRecord:
    """One session record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_session(record: SessionRecord) -> str:
    """The canonical CSV line of a session record."""
    return LAYOUT.serialize(record)
