"""The SQLite write path's value conversions (`ingest.sqlite_insert`), pure."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from ingest.sqlite_insert import datetime_value


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9)),
                                               timezone(timedelta(hours=-5, minutes=-30))])))
def test_a_stored_time_is_naive_utc_as_str_writes_it(value):
    """What Django's SQLite backend stores for an aware datetime, with or
    without microseconds, whatever the offset (the UTC shortcut included)."""
    assert datetime_value(value) == str(value.astimezone(UTC).replace(tzinfo=None))


def test_no_time_stays_null():
    assert datetime_value(None) is None
