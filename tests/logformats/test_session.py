"""Session log (§8.5, 3 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.errors import ParseError
from logformats.session import SessionRecord, parse_session, serialize_session

LINE = "2024/02/01 10:05:00,PCGOLD001,42"


def test_it_parses_a_canonical_line():
    assert parse_session(LINE) == SessionRecord(
        at=datetime(2024, 2, 1, 1, 5, tzinfo=UTC), gateway_id="PCGOLD001", sessions=42
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_session(parse_session(LINE)) == LINE


def test_it_requires_the_count():
    with pytest.raises(ParseError) as e:
        parse_session("2024/02/01 10:05:00,PCGOLD001,")
    assert str(e.value) == "session: column 3 sessions: is required"


def test_it_rejects_a_fractional_count():
    with pytest.raises(ParseError) as e:
        parse_session("2024/02/01 10:05:00,PCGOLD001,4.2")
    assert str(e.value) == "session: column 3 sessions: '4.2' is not a whole number"


def test_it_rejects_a_wrong_column_count():
    with pytest.raises(ParseError) as e:
        parse_session("2024/02/01 10:05:00,PCGOLD001")
    assert str(e.value) == "session: expected 3 columns, got 2"
