"""Active user log (§8.8, 3 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.activeuser import ActiveUserRecord, parse_activeuser, serialize_activeuser
from logformats.errors import ParseError

LINE = "2024/02/01 10:05:00,PCGOLD001,7"


def test_it_parses_a_canonical_line():
    assert parse_activeuser(LINE) == ActiveUserRecord(
        at=datetime(2024, 2, 1, 1, 5, tzinfo=UTC), gateway_id="PCGOLD001", users=7
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_activeuser(parse_activeuser(LINE)) == LINE


def test_it_rejects_a_negative_count():
    with pytest.raises(ParseError) as e:
        parse_activeuser("2024/02/01 10:05:00,PCGOLD001,-7")
    assert str(e.value) == "activeuser: column 3 active users: '-7' is not a whole number"


def test_it_rejects_a_gateway_with_spaces():
    with pytest.raises(ParseError) as e:
        parse_activeuser("2024/02/01 10:05:00,PC GOLD,7")
    assert str(e.value) == (
        "activeuser: column 2 gateway ID: 'PC GOLD' is not a gateway ID ([A-Za-z0-9._-]{1,64})"
    )
