"""The package API: LOG_TYPES, FORMATS, parse, serialize and record_digest."""

import dataclasses
import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path

import pytest

import logformats
from logformats import FORMATS, LOG_TYPES, ParseError, parse, record_digest, serialize
from logformats.auth import AuthRecord

AUTH = (
    "PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:00:00,2024/02/01 10:00:00,"
    "102,,,,ja,JP,,,,,,,00,0,1,iPhone,iOS 17.5,Safari,,"
)
CANONICAL = {
    "auth": AUTH,
    "active": "PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:00:00,,01,1800,",
    "control": "2024/02/01 10:05:00,0,02:00:00:00:00:0A,10.0.0.1,200,PCGOLD001",
    "dhcp": "2024/02/01 10:05:00,DHCPACK,02:00:00:00:00:0A,10.0.0.20,PCGOLD001",
    "session": "2024/02/01 10:05:00,PCGOLD001,42",
    "traffic": "2024/02/01 10:05:00,PCGOLD001,1000,2000",
    "mail": "2024/02/01 10:05:00,0,10.0.0.1,a@example.jp,b@example.com,250 Ok,PCGOLD001",
    "activeuser": "2024/02/01 10:05:00,PCGOLD001,7",
}


def test_it_lists_the_eight_types_in_spec_order():
    assert LOG_TYPES == (
        "auth", "active", "control", "dhcp", "session", "traffic", "mail", "activeuser",
    )
    assert tuple(FORMATS) == LOG_TYPES


@pytest.mark.parametrize("log_type", LOG_TYPES)
def test_each_format_describes_itself(log_type):
    fmt = FORMATS[log_type]
    assert fmt.name == log_type
    assert len(fmt.columns) == fmt.column_count == len(CANONICAL[log_type].split(","))
    assert dataclasses.is_dataclass(fmt.record_class)
    record = fmt.parse(CANONICAL[log_type])
    assert isinstance(record, fmt.record_class)
    assert fmt.serialize(record) == CANONICAL[log_type]


def test_the_column_counts_are_the_manuals():
    counts = {name: fmt.column_count for name, fmt in FORMATS.items()}
    assert counts == {
        "auth": 28, "active": 11, "control": 6, "dhcp": 5,
        "session": 3, "traffic": 4, "mail": 7, "activeuser": 3,
    }


def test_the_auth_headers_are_in_manual_order():
    columns = FORMATS["auth"].columns
    assert columns[0] == "gateway ID"
    assert columns[6] == "start time"
    assert columns[4] == columns[14] == columns[27] == "(unused)"


@pytest.mark.parametrize("log_type", LOG_TYPES)
def test_canonical_lines_round_trip(log_type):
    assert serialize(log_type, parse(log_type, CANONICAL[log_type])) == CANONICAL[log_type]


def test_records_are_frozen():
    record = parse("auth", AUTH)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.mac = "x"  # type: ignore[misc]


def test_records_compare_and_hash_by_value():
    assert parse("auth", AUTH) == parse("auth", AUTH)
    assert hash(parse("auth", AUTH)) == hash(parse("auth", AUTH))


def test_it_rejects_an_unknown_type():
    with pytest.raises(ParseError) as e:
        parse("syslog", "x")
    assert str(e.value) == "unknown log type 'syslog'"
    with pytest.raises(ParseError):
        record_digest("syslog", object())


def test_parse_error_is_a_value_error():
    assert issubclass(ParseError, ValueError)
    assert logformats.ParseError is logformats.errors.ParseError


def test_the_digest_is_16_bytes():
    assert len(record_digest("auth", parse("auth", AUTH))) == 16


@pytest.mark.parametrize("spelling", [
    "2024/02/01 10:00:00",
    "2024-02-01 10:00:00",
    "2024-02-01T10:00:00+09:00",
    "2024-02-01T01:00:00Z",
])
def test_every_timestamp_spelling_gives_the_same_digest(spelling):
    line = AUTH.replace("2024/02/01 10:00:00", spelling)
    assert record_digest("auth", parse("auth", line)) == record_digest("auth", parse("auth", AUTH))


def test_mac_case_unused_junk_and_bom_do_not_change_the_digest():
    cols = AUTH.split(",")
    cols[5] = "02-00-00-00-00-0A"
    cols[4] = cols[14] = cols[27] = "junk"
    line = "\ufeff" + ",".join(cols) + "\r\n"
    assert record_digest("auth", parse("auth", line)) == record_digest("auth", parse("auth", AUTH))


def test_a_different_record_has_a_different_digest():
    other = parse("auth", AUTH.replace("iPhone", "iPad"))
    assert record_digest("auth", other) != record_digest("auth", parse("auth", AUTH))


def test_the_type_is_part_of_the_digest():
    session = parse("session", "2024/02/01 10:05:00,PCGOLD001,7")
    activeuser = parse("activeuser", "2024/02/01 10:05:00,PCGOLD001,7")
    assert serialize("session", session) == serialize("activeuser", activeuser)
    assert record_digest("session", session) != record_digest("activeuser", activeuser)


def test_the_digest_survives_a_database_round_trip_of_the_datetime():
    record = parse("auth", AUTH)
    jst = timezone(timedelta(hours=9))
    reloaded = dataclasses.replace(record, start=record.start.astimezone(jst))
    assert isinstance(reloaded, AuthRecord)
    assert record_digest("auth", reloaded) == record_digest("auth", record)


def test_it_never_imports_django():
    code = (
        "import sys, logformats, logformats.codes;"
        "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    )
    root = Path(logformats.__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
