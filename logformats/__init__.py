"""POPCHAT log record formats (SPEC §3, manual §8): parse and write one CSV line.

Pure Python, no Django. `parse(log_type, line)` returns a frozen record or
raises `ParseError`; `serialize` writes the canonical line (JST timestamps,
upper-case MACs, which are stored lower case, empty "(unused)" columns), and
`record_digest` hashes it so the same record spelled differently is
recognised as the same. `parse_row` is the ingest hot path: gateway ID, time,
digest and COPY text in one pass
(`logformats.rows`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from logformats import codes
from logformats.errors import ParseError
from logformats.registry import REGISTRY, LogType
from logformats.rows import Row, RowPlan

__all__ = [
    "FORMATS", "LOG_TYPES", "REGISTRY", "Format", "LogType", "ParseError",
    "Row", "codes", "get_format", "parse", "parse_row", "record_digest", "serialize",
]

# Every other list of log types (syslog APP-NAMEs, the Django model map, the
# screens' names) is derived from REGISTRY; tests/logformats/test_one_registry.py
# fails when one of them disagrees.
LOG_TYPES: tuple[str, ...] = tuple(t.name for t in REGISTRY)


@dataclass(frozen=True, slots=True)
class Format:
    """One log type: its record class, parser, writer and English column headers,
    plus what storage needs (time field, Django model name, syslog APP-NAME)."""

    name: str
    record_class: type
    parse: Callable[[str], Any]
    serialize: Callable[[Any], str]
    columns: tuple[str, ...]
    column_count: int
    layout: Any
    time_field: str
    model_name: str
    app_name: str
    rows: RowPlan


def _format(log_type: LogType) -> Format:
    # The layout's own methods, not the parse_<type> wrappers: one call less
    # per line on the ingest path.
    layout = log_type.module.LAYOUT
    if layout.name != log_type.name:
        raise TypeError(f"registry entry {log_type.name!r} points at layout {layout.name!r}")
    return Format(layout.name, layout.record_class, layout.parse, layout.serialize,
                  layout.headers, layout.column_count, layout, log_type.time_field,
                  log_type.model_name, log_type.app_name,
                  RowPlan(layout, log_type.time_field))


FORMATS: dict[str, Format] = {t.name: _format(t) for t in REGISTRY}


def get_format(log_type: str) -> Format:
    """The Format of `log_type`, or ParseError for a type that does not exist."""
    try:
        return FORMATS[log_type]
    except KeyError:
        raise ParseError(f"unknown log type {log_type!r}") from None


def parse(log_type: str, line: str) -> Any:
    """Parse one CSV line of `log_type` into its record."""
    return get_format(log_type).parse(line)


def parse_row(log_type: str, line: str) -> Row:
    """Parse one CSV line of `log_type` into its storage Row (digest and COPY text)."""
    return get_format(log_type).rows.row(line)


def serialize(log_type: str, record: Any) -> str:
    """The canonical CSV line of a record of `log_type`."""
    return get_format(log_type).serialize(record)


def record_digest(log_type: str, record: Any) -> bytes:
    """16-byte BLAKE2b of the type and canonical line: equal for the same record."""
    text = f"{log_type}\n{get_format(log_type).serialize(record)}"
    return blake2b(text.encode(), digest_size=16).digest()
