"""POPCHAT log record formats (SPEC §3, manual §8): parse and write one CSV line.

Pure Python, no Django. `parse(log_type, line)` returns a frozen record or
raises `ParseError`; `serialize` writes the canonical line (JST timestamps,
lower-case MACs, empty "(unused)" columns), and `record_digest` hashes it so
the same record spelled differently is recognised as the same.
"""

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from logformats import active, activeuser, auth, codes, control, dhcp, mail, session, traffic
from logformats.errors import ParseError

__all__ = [
    "FORMATS", "LOG_TYPES", "Format", "ParseError",
    "codes", "get_format", "parse", "record_digest", "serialize",
]

LOG_TYPES = ("auth", "active", "control", "dhcp", "session", "traffic", "mail", "activeuser")


@dataclass(frozen=True, slots=True)
class Format:
    """One log type: its record class, parser, writer and English column headers."""

    name: str
    record_class: type
    parse: Callable[[str], Any]
    serialize: Callable[[Any], str]
    columns: tuple[str, ...]
    column_count: int


def _format(module: Any) -> Format:
    # The layout's own methods, not the parse_<type> wrappers: one call less
    # per line on the ingest path.
    layout = module.LAYOUT
    return Format(layout.name, layout.record_class, layout.parse, layout.serialize,
                  layout.headers, layout.column_count)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in map(_format, (auth, active, control, dhcp, session, traffic, mail, activeuser))
}
assert tuple(FORMATS) == LOG_TYPES


def get_format(log_type: str) -> Format:
    """The Format of `log_type`, or ParseError for a type that does not exist."""
    try:
        return FORMATS[log_type]
    except KeyError:
        raise ParseError(f"unknown log type {log_type!r}") from None


def parse(log_type: str, line: str) -> Any:
    """Parse one CSV line of `log_type` into its record."""
    return get_format(log_type).parse(line)


def serialize(log_type: str, record: Any) -> str:
    """The canonical CSV line of a record of `log_type`."""
    return get_format(log_type).serialize(record)


def record_digest(log_type: str, record: Any) -> bytes:
    """16-byte BLAKE2b of the type and canonical line: equal for the same record."""
    text = f"{log_type}\n{get_format(log_type).serialize(record)}"
    return blake2b(text.encode(), digest_size=16).digest()
