"""Active connection log (アクティブ接続ログ, manual §8.2): 11 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.errors import ParseError
from logformats.fields import (
    parse_count,
    show,
)
from logformats.layout import UNUSED, Column, Layout
from logformats.rows import Lane, register_lane
from logformats.terminal import TERMINAL_COLUMNS


@dataclass(frozen=True, slots=True)
class ActiveRecord:
    """One stretch of a terminal's connection; `status` is start digit + end digit."""

    gateway_id: str
    port: str
    port_label: str
    ip: str | None
    mac: str
    start: datetime
    end: datetime | None
    status: str
    usage_seconds: int


def parse_status(text: str) -> str:
    """Exactly two digits; unknown digits are kept (only the shape is checked)."""
    if len(text) == 2 and text.isdigit() and text.isascii():
        return text
    raise ParseError(f"{show(text)} is not a 2-digit status code" if text else "is required")


register_lane(parse_status, None, Lane("[0-9]{2}"))

LAYOUT = Layout("active", ActiveRecord, (
    *TERMINAL_COLUMNS,
    Column("status", "status", parse_status),
    Column("usage seconds", "usage_seconds", parse_count, str),
    UNUSED,
))


def parse_active(line: str) -> ActiveRecord:
    """One active record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_active(record: ActiveRecord) -> str:
    """The canonical CSV line of an active record."""
    return LAYOUT.serialize(record)
