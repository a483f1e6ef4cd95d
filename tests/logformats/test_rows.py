"""`logformats.parse_row`, the ingest hot path, against the reference path
(`parse`, `record_digest`, the record's field values).

The digest must equal `record_digest` of the parsed record for every record
of every type in every accepted spelling: rows stored before the fast path
existed must dedupe against rows stored after it. The COPY text must decode
(as PostgreSQL reads COPY text) to the record's own field values, and a line
the parser refuses must be refused with the very same reason.
"""
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logformats import (
    FORMATS,
    LOG_TYPES,
    ParseError,
    Row,
    parse,
    parse_row,
    record_digest,
    serialize,
)
from logformats.fields import parse_optional_timestamp, parse_timestamp
from logformats.rows import COPY_NULL, _jst_days_valid, copy_text
from tests.logformats.samples import LINES
from tests.logformats.test_properties import (
    FAST,
    RECORDS,
    _write_row,
    near_valid_columns,
    respelled_line,
)

_UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def copy_fields(copy: str) -> list[str | None]:
    """Split one COPY text row (without the gateway column) back into values."""
    out: list[str | None] = []
    for field in copy.split("\t"):
        if field == COPY_NULL:
            out.append(None)
            continue
        text, i = [], 0
        while i < len(field):
            pair = field[i:i + 2]
            if pair in _UNESCAPE:
                text.append(_UNESCAPE[pair])
                i += 2
            else:
                assert field[i] != "\\", f"unknown escape in {field!r}"
                text.append(field[i])
                i += 1
        out.append("".join(text))
    return out


def as_stored(text: str | None, like: object) -> object:
    """A COPY field's text read as PostgreSQL reads it into the column's type."""
    if text is None:
        return None
    if isinstance(like, datetime):
        # Both spellings the fast path writes: JST "YYYY/MM/DD HH:MM:SS+09" and ISO.
        iso = text.replace("/", "-", 2)
        if iso.endswith("+09"):
            iso += ":00"
        return datetime.fromisoformat(iso).astimezone(UTC)
    if isinstance(like, int):
        return int(text)
    return text


def assert_row_matches_record(log_type: str, line: str) -> None:
    record = parse(log_type, line)
    row = parse_row(log_type, line)
    plan = FORMATS[log_type].rows
    assert row.digest == record_digest(log_type, record)
    assert row.gateway_id == record.gateway_id
    assert row.at == getattr(record, FORMATS[log_type].time_field)
    fields = copy_fields(row.copy)
    assert len(fields) == len(plan.copy_columns)
    for name, text in zip(plan.copy_columns, fields, strict=True):
        value = getattr(record, name)
        assert as_stored(text, value) == value, name


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_the_fast_row_has_the_old_digest_and_the_records_values(log_type, data):
    record = data.draw(RECORDS[log_type])
    assert_row_matches_record(log_type, serialize(log_type, record))


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_every_spelling_gives_the_same_row_digest(log_type, data):
    record = data.draw(RECORDS[log_type])
    line = respelled_line(log_type, record, data.draw)
    assert parse_row(log_type, line).digest == record_digest(log_type, record)
    assert_row_matches_record(log_type, line)


def _outcome(fn, log_type: str, line: str):
    try:
        fn(log_type, line)
    except ParseError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_a_refused_line_is_refused_with_the_parsers_reason(log_type, data):
    draw = data.draw
    cols = near_valid_columns(log_type, draw)
    line = _write_row(cols, quote_all=False) if draw(st.booleans()) else ",".join(cols)
    reason = _outcome(parse, log_type, line)
    assert _outcome(parse_row, log_type, line) == reason
    if reason is None:
        assert_row_matches_record(log_type, line)


def test_copy_text_escapes_what_copy_would_misread():
    assert copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_text(None) == "\\N"
    assert copy_text("\\N") == "\\\\N"  # the text, not NULL
    assert copy_text(7) == "7"


def test_a_field_holding_copy_specials_round_trips():
    line = ("2024/02/01 10:00:00,kind,,,"
            '"back\\slash\ttab ""quoted"", comma\nline",GW-1')
    assert_row_matches_record("control", line)
    value_at = FORMATS["control"].rows.copy_columns.index("value")
    assert copy_fields(parse_row("control", line).copy)[value_at] == (
        'back\\slash\ttab "quoted", comma\nline')


@pytest.mark.parametrize("log_type", LOG_TYPES)
def test_an_over_long_text_in_any_column_is_refused_like_the_parser_does(log_type):
    fmt = FORMATS[log_type]
    line = LINES[log_type].split(",")
    text_columns = [i for i, c in enumerate(fmt.layout.columns) if c.attr and not c.parse]
    for i in text_columns:
        cols = list(line)
        cols[i] = "x" * 256
        long_line = ",".join(cols)
        reason = _outcome(parse, log_type, long_line)
        assert reason is not None and "longer than 255" in reason
        assert _outcome(parse_row, log_type, long_line) == reason
        cols[i] = "x" * 255  # the longest allowed
        assert_row_matches_record(log_type, ",".join(cols))


# The lane (tier 1 of logformats.rows): the tests above go through parse_row,
# which takes the lane wherever it can; these make sure it is actually taken
# for what gateways send and that it never gives anything tier 3 would not.

def _reference_row(log_type: str, line: str):
    plan = FORMATS[log_type].rows
    return plan.row_of_record(parse(log_type, line))


def assert_same_row(log_type: str, row, line: str) -> None:
    """`row` is the reference's Row for `line`, up to how a time is spelled
    in COPY text (JST or ISO: the same instant to PostgreSQL)."""
    assert row is not None
    expected = _reference_row(log_type, line)
    assert row[:3] == expected[:3]  # gateway ID, time, digest
    record = parse(log_type, line)
    names = FORMATS[log_type].rows.copy_columns
    for name, got, want in zip(names, copy_fields(row.copy), copy_fields(expected.copy),
                               strict=True):
        value = getattr(record, name)
        assert as_stored(got, value) == as_stored(want, value) == value, name


def _column_set(log_type: str, header: str, text: str) -> str:
    cols = LINES[log_type].split(",")
    cols[FORMATS[log_type].columns.index(header)] = text
    return ",".join(cols)


@pytest.mark.parametrize("log_type", LOG_TYPES)
def test_the_lane_takes_every_types_canonical_line(log_type):
    line = serialize(log_type, parse(log_type, LINES[log_type]))
    assert_same_row(log_type, FORMATS[log_type].rows.lane_row(line), line)


@pytest.mark.parametrize("spelling", [
    # upper- and lower-case MACs are both canonical enough: the digest hashes
    # the upper-case line, the COPY text stores lower case
    "PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0a,2024/02/01 10:00:00,,102,,,,ja,JP,,,,,,,00,0,"
    "1,iPhone,iOS 17.5,Safari,,",
    "PCGOLD001,10,,,,02:00:00:00:00:0A,2024/02/01 10:00:00,2024/02/01 10:00:00,102,,,,ja,JP,"
    ",,0,,,,00,0,1,iPhone,iOS 17.5,Safari,,",
])
def test_the_lane_gives_the_reference_row(spelling):
    assert_same_row("auth", FORMATS["auth"].rows.lane_row(spelling), spelling)


@pytest.mark.parametrize(("log_type", "line"), [
    ("auth", LINES["auth"].replace("2024/02/01 10:00:00", "2024-02-01T10:00:00+09:00", 1)),
    ("auth", LINES["auth"].replace("10.0.0.1", "2001:db8::1")),
    ("auth", _column_set("auth", "charge", "0007")),  # a leading zero
    ("auth", "\ufeff" + LINES["auth"]),
    ("auth", _column_set("auth", "(unused)", "junk")),
    ("dhcp", LINES["dhcp"].replace("DHCPACK", "dhcpack")),
    ("session", LINES["session"].replace("2024/02/01 10:05:00", "2024-02-01T10:05:00.5+09:00")),
    ("control", '2024/02/01 10:05:00,0,02:00:00:00:00:0A,10.0.0.1,"200",PCGOLD001'),
    ("control", "2024/02/01 10:05:00,0,02:00:00:00:00:0A,10.0.0.1,a\\b,PCGOLD001"),
])
def test_other_spellings_leave_the_lane_and_still_give_the_reference_row(log_type, line):
    assert FORMATS[log_type].rows.lane_row(line) is None
    assert_same_row(log_type, parse_row(log_type, line), line)


@pytest.mark.parametrize(("log_type", "line"), [
    ("session", "2024/02/30 10:05:00,PCGOLD001,42"),  # the pattern admits it, the date does not
    ("session", "2024/02/01 10:05:00,PCGOLD001,1000000000000000000"),  # 19 digits
    ("traffic", "2024/02/01 10:05:00,PCGOLD001,1200000," + "9" * 20),
    ("mail", "2024/02/01 10:05:00,0,10.0.0.1,\ud800,b@example.jp,250,PCGOLD001"),
])
def test_a_line_the_lane_cannot_vouch_for_is_judged_by_the_parser(log_type, line):
    assert FORMATS[log_type].rows.lane_row(line) is None
    assert _outcome(parse_row, log_type, line) == _outcome(parse, log_type, line)


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_whatever_the_lane_takes_it_reads_like_the_parser(log_type, data):
    record = data.draw(RECORDS[log_type])
    lines = [serialize(log_type, record), respelled_line(log_type, record, data.draw),
             ",".join(near_valid_columns(log_type, data.draw))]
    for line in lines:
        row = FORMATS[log_type].rows.lane_row(line)
        if row is not None:
            assert_same_row(log_type, row, line)


def _lane_rows_as_rows(log_type: str, lines: list[str]) -> list:
    """`RowPlan.lane_rows` of the lines, one entry per line: the Row it gives
    (the time read back from its JST text), or None for a line it left."""
    got = FORMATS[log_type].rows.lane_rows(lines)
    rows = iter(zip(got.gateway_ids, got.times, got.digests, got.copies, strict=True))
    out = []
    for taken in got.taken:
        if not taken:
            out.append(None)
            continue
        gateway_id, at, digest, copy = next(rows)
        out.append(Row(gateway_id, parse_timestamp(at), digest, copy))
    assert next(rows, None) is None
    return out


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_a_batch_of_lines_on_the_lane_gives_each_lines_lane_row(log_type, data):
    lines = []
    for _ in range(data.draw(st.integers(1, 4))):
        record = data.draw(RECORDS[log_type])
        lines += [serialize(log_type, record), respelled_line(log_type, record, data.draw),
                  ",".join(near_valid_columns(log_type, data.draw))]
    one_by_one = [FORMATS[log_type].rows.lane_row(line) for line in lines]
    assert _lane_rows_as_rows(log_type, lines) == one_by_one


def test_a_batch_hashes_each_lines_canonical_spelling():
    # lower-case MACs: the digest hashes the line with them upper-cased
    lower = ("PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0a,2024/02/01 10:00:00,,102,,,,ja,JP,,,,,,,"
             "00,0,1,iPhone,iOS 17.5,Safari,,")
    lines = [lower, lower.replace(":0a", ":0B"), lower.replace(":0a", ":0c"), LINES["auth"]]
    rows = _lane_rows_as_rows("auth", lines)
    assert None not in rows
    assert rows == [FORMATS["auth"].rows.lane_row(line) for line in lines]
    for row, line in zip(rows, lines, strict=True):
        assert_same_row("auth", row, line)


def test_a_batch_leaves_only_its_impossible_day_and_its_bad_line():
    line = LINES["session"]
    impossible = "2024/02/30 10:05:00,PCGOLD001,42"
    lines = [line, impossible, line.replace("PCGOLD001", "PC GOLD"), line]
    rows = _lane_rows_as_rows("session", lines)
    assert [row is not None for row in rows] == [True, False, False, True]
    assert rows[0] == rows[3] == FORMATS["session"].rows.lane_row(line)


def test_a_batch_leaves_only_its_line_that_is_not_text():
    lines = [LINES["mail"], "2024/02/01 10:05:00,0,10.0.0.1,\ud800,b@example.jp,250,PCGOLD001"]
    assert _lane_rows_as_rows("mail", lines) == [FORMATS["mail"].rows.lane_row(lines[0]), None]


_JST_TEXT = st.builds("{:04}/{:02}/{:02} {:02}:{:02}:{:02}".format, st.integers(1000, 9999),
                      st.integers(1, 12), st.integers(1, 31), st.integers(0, 23),
                      st.integers(0, 59), st.integers(0, 59))


@FAST
@given(texts=st.lists(_JST_TEXT | st.just(""), min_size=1, max_size=5))
def test_a_time_column_is_accepted_by_its_days_exactly_when_each_time_parses(texts):
    def parses(text):
        try:
            parse_optional_timestamp(text)
        except ParseError:
            return False
        return True

    assert _jst_days_valid(texts) == all(map(parses, texts))


def test_a_batch_with_an_impossible_day_and_a_line_that_is_not_text_leaves_both():
    good = LINES["session"]
    lines = [good, "2024/02/30 10:05:00,PCGOLD001,42", good.replace("42", "\ud800"),
             good.replace("10:05:00", "10:05:01")]
    assert _lane_rows_as_rows("session", lines) == [
        FORMATS["session"].rows.lane_row(line) for line in lines]
    assert [row is None for row in _lane_rows_as_rows("session", lines)] == [
        False, True, True, False]
