"""One CSV layout per log type: the columns in manual order and how each maps to a field.

`Layout.parse` and `Layout.serialize` are the whole of every `parse_<type>` and
`serialize_<type>`, so splitting, column counts, error messages and quoting
behave the same for every type.
"""

import csv
import operator
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from logformats.errors import ParseError
from logformats.fields import TEXT_MAX, column_error, parse_text

R = TypeVar("R")

LINE_MAX = 65536
_new = object.__new__


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: its English header, the record field, and the converters.

    `attr` None is an "(unused)" column: ignored on input, empty on output.
    `parse` None is free text kept as it is (length-capped); `format` turns the
    field value into its CSV text and is needed for every value that is not a str.
    """

    header: str
    attr: str | None = None
    parse: Callable[[str], Any] | None = None
    format: Callable[[Any], str] | None = None


UNUSED = Column("(unused)")


def _quote(text: str) -> str:
    """RFC 4180 quoting, only where needed."""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


class Layout(Generic[R]):
    """Parses CSV lines into `record_class` and writes them back, column by column."""

    def __init__(self, name: str, record_class: type[R], columns: tuple[Column, ...]) -> None:
        fields_ = [c for c in columns if c.attr]
        attrs = [c.attr for c in fields_]
        if attrs != [f.name for f in fields(record_class)]:
            raise TypeError(f"{name}: columns do not match the fields of {record_class.__name__}")
        self.name = name
        self.record_class = record_class
        self.columns = columns
        self.headers = tuple(c.header for c in columns)
        self.column_count = len(columns)
        # Frozen dataclasses assign every field through object.__setattr__ in
        # __init__, which costs about twice a direct slot store; on the ingest
        # hot path we store into the slots directly instead.
        setters = {a: getattr(record_class, a).__set__ for a in attrs}
        self._text_plan = tuple(
            (i, setters[c.attr]) for i, c in enumerate(columns) if c.attr and not c.parse
        )
        self._typed_plan = tuple(
            (i, c.parse, setters[c.attr]) for i, c in enumerate(columns) if c.attr and c.parse
        )
        # Only a line longer than TEXT_MAX can hold a text column that is too long.
        self._checked_plan = tuple(
            (i, c.parse or parse_text, setters[c.attr]) for i, c in enumerate(columns) if c.attr
        )
        # serialize: the field values in one attrgetter call, the few that are
        # not str run through their formatter, then one itemgetter call puts
        # them in column order with "" (the last item) for the unused columns.
        self._get_values = operator.attrgetter(*attrs)
        self._formatters = tuple((k, c.format) for k, c in enumerate(fields_) if c.format)
        self._in_column_order = operator.itemgetter(
            *(attrs.index(c.attr) if c.attr else len(attrs) for c in columns)
        )

    def split(self, line: str) -> list[str]:
        """The columns of one line: BOM and line ending dropped, RFC 4180 quotes undone."""
        if line[:1] == "\ufeff":
            line = line[1:]
        line = line.rstrip("\r\n")
        if len(line) > LINE_MAX:
            raise ParseError(f"{self.name}: line is longer than {LINE_MAX} characters")
        if "\x00" in line:
            raise ParseError(f"{self.name}: line contains a NUL character")
        if not line.isascii():
            try:
                line.encode()
            except UnicodeEncodeError:
                raise ParseError(f"{self.name}: line is not valid Unicode text") from None
        if '"' in line:
            try:
                return next(csv.reader((line,), strict=True), [])
            except csv.Error as e:
                raise ParseError(f"{self.name}: bad CSV quoting ({e})") from None
        if "\n" in line or "\r" in line:
            raise ParseError(f"{self.name}: line break outside quotes")
        return line.split(",")

    def parse(self, line: str) -> R:
        """One record from one CSV line, or ParseError naming the first bad column."""
        cols = self.split(line)
        if len(cols) != self.column_count:
            raise ParseError(f"{self.name}: expected {self.column_count} columns, got {len(cols)}")
        record = _new(self.record_class)
        if len(line) <= TEXT_MAX:
            for i, set_value in self._text_plan:
                set_value(record, cols[i])
            plan = self._typed_plan
        else:
            plan = self._checked_plan
        try:
            for i, parse, set_value in plan:
                set_value(record, parse(cols[i]))
        except ParseError as e:
            raise column_error(self.name, i + 1, self.headers[i], e) from None
        return record

    def serialize(self, record: R) -> str:
        """The canonical CSV line (no line ending) for one record."""
        row = [*self._get_values(record), ""]
        for k, fmt in self._formatters:
            row[k] = fmt(row[k])
        return self.join_canonical(self._in_column_order(row))

    def join_canonical(self, cols) -> str:
        """The canonical line of column texts in column order ("" for unused ones)."""
        line = ",".join(cols)
        # Fast path: no column needs quoting when the commas are exactly the
        # separators and there is no quote or line break anywhere.
        if (
            line.count(",") == self.column_count - 1
            and '"' not in line
            and "\n" not in line
            and "\r" not in line
        ):
            return line
        return ",".join(map(_quote, cols))
