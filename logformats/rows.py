"""One CSV line straight to what storage writes: the record's key facts, its
digest and its PostgreSQL COPY text, in one pass over the columns.

The ingest hot path does not need the record object: it needs the gateway ID
(to find the gateway), the time (plausibility check, touched days), the digest
(dedupe) and the row in COPY text format. `RowPlan.row` builds all four from
the split columns, converting each distinct column value once (values repeat
from line to line) and hashing the canonical line it assembles, which is
exactly `Layout.serialize` of the record: the digest stays what
`logformats.record_digest` gives, so rows stored before dedupe against new ones.

Three tiers, fastest first, each giving exactly what the next would:
1. the LANE: one compiled regex matches the whole line when every column is
   already in its canonical spelling and needs no COPY escape (what gateways
   send: slashed JST times, dotted-quad IPv4, plain text). The regex engine
   then does the checks the converters would do in Python, and each column's
   COPY text is its own text or a cheap transform of it (`Lane`). About half
   the cost of tier 2 per line (issue 9). `lane_rows` reads a whole batch's
   lines this way column by column (the ingest hot path); `lane_row` is
   `lane_rows` of one line.
2. the split path: the columns converted one by one, each distinct value
   once (other spellings: ISO times, IPv6, lower-case DHCP types, …).
3. lines neither covers (text needing COPY escapes, over-long text, any
   error) go through `Layout.parse` and `Layout.serialize`, the reference
   that tests/logformats/test_rows.py checks the other two against; errors
   are therefore word for word those of `Layout.parse`. Pure Python, no Django.
"""
from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from hashlib import blake2b
from itertools import compress, repeat
from typing import Any, NamedTuple

from logformats.errors import ParseError
from logformats.fields import (
    CODE_MAX,
    GATEWAY_ID_PATTERN,
    IPV4_CANONICAL_PATTERN,
    JST_DAY,
    TEXT_MAX,
    format_mac,
    format_optional,
    format_timestamp,
    normalize_mac,
    parse_code,
    parse_count,
    parse_gateway_id,
    parse_optional_count,
    parse_optional_ip,
    parse_optional_mac,
    parse_optional_timestamp,
    parse_timestamp,
)
from logformats.layout import Layout

# COPY text format (PostgreSQL docs, "COPY … Text Format"): these must be
# backslash-escaped inside a value; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"


class Row(NamedTuple):
    """One record as storage needs it. `copy` holds the COPY text of every
    field but `gateway_id` (the storage side puts the gateway's key in its
    place), tab-separated, in `RowPlan.copy_columns` order."""

    gateway_id: str
    at: datetime
    digest: bytes
    copy: str


class LaneRows(NamedTuple):
    """The Rows of many lines by column (`RowPlan.lane_rows`): every list
    holds one entry per line taken, in line order. `times` are the time
    field's canonical JST text (YYYY/MM/DD HH:MM:SS), which orders as the
    times do; `copies` are `Row.copy`."""

    taken: list[bool]  # one per line given
    gateway_ids: list[str]
    times: list[str]
    digests: list[bytes]
    copies: list[str]


_GROUPS = re.Match.groups
_START = re.Match.start
_END = re.Match.end
_DIGEST16 = functools.partial(blake2b, digest_size=16)
_DIGEST = type(blake2b()).digest


def _accepted(check: Callable[[str], Any], text: str) -> bool:
    try:
        check(text)
    except ParseError:
        return False
    return True


def _each_accepted(check: Callable[[str], Any], texts: list[str]) -> bool:
    return all(_accepted(check, text) for text in texts)


def _encodes(text: str) -> bool:
    """Whether the text is valid Unicode (no lone surrogate), as UTF-8 needs."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _narrowed(taken: list[bool], keep: list[bool]) -> list[bool]:
    """`taken` with the taken lines that `keep` (one per taken line) refuses turned False."""
    keep_each = iter(keep)
    return [was and next(keep_each) for was in taken]


def copy_text(value: Any) -> str:
    """One field value in COPY text format (what psycopg's write_row sends)."""
    if value is None:
        return COPY_NULL
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int):
        return str(int(value))
    raise TypeError(f"no COPY text for {type(value).__name__}")


def _timestamp_cells(text: str) -> tuple[Any, str, str]:
    value = parse_timestamp(text)
    if len(text) == 19 and text[4] == "/" and value.microsecond == 0:
        # Already canonical (JST, slashes: what gateways send): the text is
        # its own CSV form, and with "+09" its own COPY form.
        return value, text, text + "+09"
    return value, format_timestamp(value), value.isoformat()


def _optional_timestamp_cells(text: str) -> tuple[Any, str, str]:
    return _timestamp_cells(text) if text else (None, "", COPY_NULL)


def _mac_cells(text: str) -> tuple[Any, str, str]:
    value = normalize_mac(text)
    return value, value.upper(), value  # format_mac; lower case is what is stored


def _optional_mac_cells(text: str) -> tuple[Any, str, str]:
    return _mac_cells(text) if text else ("", "", "")


def _optional_ip_cells(text: str) -> tuple[Any, str, str]:
    value = parse_optional_ip(text)
    return (value, value, value) if value is not None else (None, "", COPY_NULL)


def _gateway_cells(text: str) -> tuple[Any, str, str]:
    value = parse_gateway_id(text)
    return value, value, value  # GATEWAY_ID_PATTERN holds nothing COPY escapes


# The converters behind most columns, each with a shortcut that gives the same
# three texts as the generic `_cells` (tests/logformats/test_rows.py checks).
_SHORTCUTS: dict[tuple[Callable, Callable | None], Callable[[str], tuple[Any, str, str]]] = {
    (parse_timestamp, format_timestamp): _timestamp_cells,
    (parse_optional_timestamp, format_timestamp): _optional_timestamp_cells,
    (normalize_mac, format_mac): _mac_cells,
    (parse_optional_mac, format_mac): _optional_mac_cells,
    (parse_optional_ip, format_optional): _optional_ip_cells,
    (parse_gateway_id, None): _gateway_cells,
}


def _cells(parse: Callable[[str], Any], fmt: Callable[[Any], str] | None
           ) -> Callable[[str], tuple[Any, str, str]]:
    """text -> (value, canonical CSV text, COPY text) for one typed column."""
    shortcut = _SHORTCUTS.get((parse, fmt))
    if shortcut is not None:
        return shortcut

    def cells(text: str) -> tuple[Any, str, str]:
        value = parse(text)
        return value, (fmt(value) if fmt is not None else value), copy_text(value)

    return cells


class Lane(NamedTuple):
    """How one column kind rides the lane (tier 1). `pattern` matches only
    texts that are already canonical, or become so by `canonical`, and that
    hold nothing COPY escapes; `copy` turns such a text into its COPY text and
    `canonical` into its canonical CSV text (None: the text itself). `check`
    raises ParseError where the pattern is looser than the parser (2024/02/30)
    and returns the value. `check_all` tells, in fewer calls than one per
    text, whether `check` accepts every text of a column (`RowPlan.lane_rows`);
    None: `check` is called on each."""

    pattern: str
    copy: Callable[[str], str] | None = None
    canonical: Callable[[str], str] | None = None
    check: Callable[[str], Any] | None = None
    check_all: Callable[[list[str]], bool] | None = None


def _null_if_empty(text: str) -> str:
    return text or COPY_NULL


def _jst_copy(text: str) -> str:
    return text + "+09"  # the canonical JST time is its own COPY text, with the zone


def _optional_jst_copy(text: str) -> str:
    return text + "+09" if text else COPY_NULL


# Free text without CSV quoting or COPY escapes (NUL: Layout.split refuses it).
_PLAIN = r'[^,"\\\t\n\r\x00]'
# A JST time whose every field is in range: parse_timestamp can then refuse
# only an impossible day (2024/02/30), never the time of day or the year (from
# 1000, so nine hours back stays in range), which is what lets `_jst_days_valid`
# check a column by its distinct days.
_JST = (r"[1-9][0-9]{3}/(?:0[1-9]|1[0-2])/(?:0[1-9]|[12][0-9]|3[01])"
        r" (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")


@functools.lru_cache(maxsize=4096)
def _day_valid(day: str) -> bool:
    try:
        parse_timestamp(day + " 00:00:00")
    except ParseError:
        return False
    return True


def _jst_days_valid(texts: list[str]) -> bool:
    """Whether parse_timestamp accepts every text (each matched `_JST` or is
    empty): one check per distinct day instead of one per record."""
    days = set(map(operator.getitem, texts, repeat(JST_DAY)))
    days.discard("")
    return all(map(_day_valid, days))
_MAC = r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"  # stored lower case, written upper case
_COUNT = r"0|[1-9][0-9]{0,17}"  # below 10**18, no leading zero: int() gives it back

# Column kinds, keyed like _SHORTCUTS; (None, None) is free text. A layout
# with a column of another kind has no lane (tier 2 serves it). Format
# modules add their own kinds with `register_lane`.
LANES: dict[tuple[Callable | None, Callable | None], Lane] = {
    # Possessive (`+`): a column's text never gives back a character (the
    # next one must be a comma the class excludes), so the engine keeps no
    # backtracking state for it: about 10 % of the match.
    (None, None): Lane(f"{_PLAIN}{{0,{TEXT_MAX}}}+"),
    (parse_gateway_id, None): Lane(GATEWAY_ID_PATTERN),
    (parse_code, None): Lane(f"{_PLAIN}{{0,{CODE_MAX}}}+"),
    (parse_count, str): Lane(_COUNT),
    (parse_optional_count, format_optional): Lane(f"(?:{_COUNT})?", _null_if_empty),
    (parse_timestamp, format_timestamp): Lane(_JST, _jst_copy, check=parse_timestamp,
                                              check_all=_jst_days_valid),
    (parse_optional_timestamp, format_timestamp): Lane(f"(?:{_JST})?", _optional_jst_copy,
                                                       check=parse_optional_timestamp,
                                                       check_all=_jst_days_valid),
    (normalize_mac, format_mac): Lane(_MAC, str.lower, str.upper),
    (parse_optional_mac, format_mac): Lane(f"(?:{_MAC})?", str.lower, str.upper),
    (parse_optional_ip, format_optional): Lane(f"(?:{IPV4_CANONICAL_PATTERN})?",
                                               _null_if_empty),
}


def register_lane(parse: Callable, fmt: Callable | None, lane: Lane) -> None:
    """Let a format module's own column kind ride the lane (before its RowPlan is built)."""
    LANES[(parse, fmt)] = lane


def _items(indexes: Iterable[int]) -> Callable[[list], tuple]:
    """`operator.itemgetter`, but a tuple for any number of indexes (itemgetter
    of one index returns the item itself)."""
    indexes = tuple(indexes)
    if len(indexes) == 1:
        (only,) = indexes
        return lambda seq: (seq[only],)
    return operator.itemgetter(*indexes) if indexes else (lambda seq: ())


class RowPlan:
    """How the columns of one layout become a `Row`, derived from its `Column`s."""

    def __init__(self, layout: Layout, time_field: str, gateway_field: str = "gateway_id") -> None:
        self.layout = layout
        self.prefix = f"{layout.name}\n"  # what record_digest hashes before the line
        columns = layout.columns
        attrs = [c.attr for c in columns if c.attr]
        self.copy_columns = tuple(a for a in attrs if a != gateway_field)
        self._text_columns = tuple(i for i, c in enumerate(columns) if c.attr and not c.parse)
        self._unused_columns = tuple(i for i, c in enumerate(columns) if not c.attr)
        # Typed columns in column order (so the first bad one is the one named).
        self._typed = tuple((i, _cells(c.parse, c.format))
                            for i, c in enumerate(columns) if c.attr and c.parse)
        typed_attrs = [columns[i].attr for i, _ in self._typed]
        self._gateway_at = typed_attrs.index(gateway_field)
        self._time_at = typed_attrs.index(time_field)
        # COPY fields: a text column's COPY text is its column text (the fast
        # path only takes lines with nothing to escape); a typed column's comes
        # after the columns, in typed order.
        n = len(columns)
        where = {c.attr: i for i, c in enumerate(columns) if c.attr and not c.parse}
        where.update((a, n + k) for k, a in enumerate(typed_attrs))
        self._copy_fields = _items([where[a] for a in self.copy_columns])
        self._text_values = _items(self._text_columns)
        self._gateway_field = gateway_field
        self._time_field = time_field
        self._lane_plan(columns, gateway_field, time_field)

    def _lane_plan(self, columns, gateway_field: str, time_field: str) -> None:
        """Tier 1 (module docstring). Consecutive stored columns that need
        nothing done share one regex group, whose COPY text is the group with
        its commas turned into tabs (the lane admits no comma inside a column);
        every other stored column has a group of its own; unused columns must
        be empty and have none. Fewer groups, fewer strings per line."""
        lanes = [LANES.get((c.parse, c.format)) if c.attr else Lane("") for c in columns]
        at = {c.attr: i for i, c in enumerate(columns) if c.attr}
        # The lane reports record times as canonical JST text: the time column must be one.
        if None in lanes or lanes[at[time_field]] is not LANES[(parse_timestamp,
                                                                  format_timestamp)]:
            self._lane_match = None
            return
        pieces: list[str] = []  # the regex of each column in turn, "(" and ")" included
        group_of: dict[int, int] = {}  # column index -> its group number (from 1)
        groups = 0
        run_open = False
        for i, (column, lane) in enumerate(zip(columns, lanes, strict=True)):
            pattern = f"(?:{lane.pattern})"  # an alternation stays within its column
            plain = (column.attr not in (None, gateway_field)
                     and lane.copy is lane.canonical is lane.check is None)
            if run_open and not plain:
                pieces[-1] += ")"
                run_open = False
            if not column.attr or (plain and run_open):
                pieces.append(pattern)
                continue
            groups += 1
            group_of[i] = groups
            pieces.append(f"({pattern}" + ("" if plain else ")"))
            run_open = plain
        if run_open:
            pieces[-1] += ")"
        # Layout.split drops a leading BOM, which a text column would keep.
        self._lane_match = re.compile("(?!\ufeff)" + ",".join(pieces)).fullmatch
        # Each checked column's group, its check, and that check for a whole column.
        self._lane_checks = tuple(
            (group_of[i] - 1, lane.check,
             lane.check_all or functools.partial(_each_accepted, lane.check))
            for i, lane in enumerate(lanes) if lane.check)
        # Right to left, so that a fix changing a length leaves the spans to fix valid.
        self._lane_canonical = tuple(sorted(((group_of[i], lane.canonical)
                                             for i, lane in enumerate(lanes) if lane.canonical),
                                            reverse=True))
        self._lane_copies = tuple((group_of[i] - 1, lane.copy)
                                  for i, lane in enumerate(lanes) if lane.copy)
        self._lane_gateway = group_of[at[gateway_field]] - 1
        self._lane_copy_fields = _items([g - 1 for g in sorted(group_of.values())
                                         if g != group_of[at[gateway_field]]])
        self._lane_time = group_of[at[time_field]] - 1

    def lane_row(self, line: str) -> Row | None:
        """Tier 1 for one line (`lane_rows` of it): its Row, else None."""
        got = self.lane_rows([line])
        if not got.taken[0]:
            return None
        return Row(got.gateway_ids[0], parse_timestamp(got.times[0]), got.digests[0],
                   got.copies[0])

    def lane_rows(self, lines: list[str]) -> LaneRows:
        """Tier 1 for a whole batch's lines at once, column by column: one
        C-level pass per column instead of Python statements per line (issue
        9). `taken` says which lines are in the columns; the others are for
        `row`, and a line is taken or not whatever lines come with it."""
        if self._lane_match is None or not lines:
            return LaneRows([False] * len(lines), [], [], [], [])
        matches = list(map(self._lane_match, lines))
        taken = list(map(operator.is_not, matches, repeat(None)))
        lines = list(compress(lines, taken))
        matches = list(compress(matches, taken))
        cols = [list(col) for col in zip(*map(_GROUPS, matches), strict=True)]
        # Rare: a line the checks refuse (2024/02/30), found one by one and
        # dropped from the columns.
        keeps = [[_accepted(check, text) for text in cols[k]]
                 for k, check, check_all in self._lane_checks if cols and not check_all(cols[k])]
        if keeps:
            keep = list(map(all, zip(*keeps, strict=True)))
            taken = _narrowed(taken, keep)
            lines, matches = list(compress(lines, keep)), list(compress(matches, keep))
            cols = [list(compress(col, keep)) for col in cols]
        if not lines:
            return LaneRows(taken, [], [], [], [])
        canonical = lines
        for group, fix in self._lane_canonical:
            texts = cols[group - 1]
            fixed = list(map(fix, texts))
            if fixed != texts:  # e.g. lower-case MACs: the canonical line differs
                heads = map(operator.getitem, canonical,
                            map(slice, repeat(None), map(_START, matches, repeat(group))))
                tails = map(operator.getitem, canonical,
                            map(slice, map(_END, matches, repeat(group)), repeat(None)))
                canonical = list(map(operator.add, map(operator.add, heads, fixed), tails))
        try:
            hashed = list(map(str.encode, map(operator.add, repeat(self.prefix), canonical)))
        except UnicodeEncodeError:
            # Rare: a line that is not text (a lone surrogate), dropped likewise.
            keep = list(map(_encodes, canonical))
            taken = _narrowed(taken, keep)
            matches, canonical, *cols = (list(compress(column, keep))
                                         for column in (matches, canonical, *cols))
            hashed = list(map(str.encode, map(operator.add, repeat(self.prefix), canonical)))
        if not hashed:
            return LaneRows(taken, [], [], [], [])
        digests = list(map(_DIGEST, map(_DIGEST16, hashed)))
        gateway_ids = cols[self._lane_gateway]
        times = cols[self._lane_time]
        for k, copy in self._lane_copies:
            cols[k] = list(map(copy, cols[k]))
        copies = map("\t".join, zip(*self._lane_copy_fields(cols), strict=True))
        # As in lane_row: the only commas left separate the columns of a shared group.
        copies = list(map(str.replace, copies, repeat(","), repeat("\t")))
        return LaneRows(taken, gateway_ids, times, digests, copies)

    def row(self, line: str) -> Row:
        """The Row of one CSV line, or ParseError exactly as `Layout.parse` raises it."""
        fast = self.lane_row(line)
        if fast is not None:
            return fast
        layout = self.layout
        cols = layout.split(line)
        if (len(cols) != layout.column_count or "\\" in line or "\t" in line
                or ('"' in line and ("\n" in line or "\r" in line))):
            return self.row_of_record(layout.parse(line))
        if len(line) > TEXT_MAX and max(map(len, self._text_values(cols)), default=0) > TEXT_MAX:
            return self.row_of_record(layout.parse(line))  # raises "is longer than …"
        values = []
        copies = []
        try:
            for i, convert in self._typed:
                value, cols[i], copied = convert(cols[i])
                values.append(value)
                copies.append(copied)
        except ParseError:
            return self.row_of_record(layout.parse(line))  # raises the reference error
        for i in self._unused_columns:
            cols[i] = ""
        canonical = layout.join_canonical(cols)
        cols += copies
        return Row(values[self._gateway_at], values[self._time_at],
                   blake2b((self.prefix + canonical).encode(), digest_size=16).digest(),
                   "\t".join(self._copy_fields(cols)))

    def row_of_record(self, record: Any) -> Row:
        """The reference: the Row of a parsed record (serialize, then escape each value)."""
        canonical = self.layout.serialize(record)
        attrs = self.copy_columns
        return Row(getattr(record, self._gateway_field), getattr(record, self._time_field),
                   blake2b((self.prefix + canonical).encode(), digest_size=16).digest(),
                   "\t".join(copy_text(getattr(record, a)) for a in attrs))
