"""Field helpers: timestamps, MACs, IPs, counts, gateway IDs."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logformats.errors import ParseError
from logformats.fields import (
    JST,
    JST_DAY,
    format_timestamp,
    jst_date,
    jst_day_date,
    normalize_ip,
    normalize_mac,
    parse_code,
    parse_count,
    parse_gateway_id,
    parse_optional_count,
    parse_optional_ip,
    parse_optional_mac,
    parse_optional_timestamp,
    parse_text,
    parse_timestamp,
)

FEB_1_10AM_JST = datetime(2024, 2, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "2024/02/01 10:00:00",
    "2024-02-01 10:00:00",
    "2024-02-01T10:00:00+09:00",
    "2024-02-01T01:00:00Z",
    "2024-02-01T01:00:00+00:00",
    "2024-01-31T20:00:00-05:00",
])
def test_it_reads_every_spelling_as_the_same_instant(text):
    dt = parse_timestamp(text)
    assert dt == FEB_1_10AM_JST
    assert dt.utcoffset() == timedelta(0)


def test_it_returns_utc_aware_datetimes():
    assert parse_timestamp("2024/02/01 10:00:00").tzinfo is UTC
    assert parse_timestamp("2024-02-01T10:00:00+09:00").tzinfo is UTC


def test_it_keeps_iso_fractions():
    dt = parse_timestamp("2024-02-01T10:00:00.123456+09:00")
    assert dt == FEB_1_10AM_JST.replace(microsecond=123456)


def test_it_crosses_the_date_line_to_utc():
    assert parse_timestamp("2024/02/01 08:59:59") == datetime(2024, 1, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(("text", "reason"), [
    ("2026/13/01 00:00:00", "'2026/13/01 00:00:00' is not a valid date"),
    ("2024/02/30 00:00:00", "'2024/02/30 00:00:00' is not a valid date"),
    ("2024/02/01 24:00:00", "'2024/02/01 24:00:00' is not a valid date"),
    ("2024-13-01T00:00:00+09:00", "'2024-13-01T00:00:00+09:00' is not a valid date"),
    ("2024/02/01", "'2024/02/01' is not a date-time (YYYY/MM/DD HH:MM:SS)"),
    ("2024/02-01 10:00:00", "'2024/02-01 10:00:00' is not a date-time (YYYY/MM/DD HH:MM:SS)"),
    ("２０２４/02/01 10:00:00",
     "'２０２４/02/01 10:00:00' is not a date-time (YYYY/MM/DD HH:MM:SS)"),
    ("yesterday", "'yesterday' is not a date-time (YYYY/MM/DD HH:MM:SS)"),
    ("2024-02-01T10:00:00", "'2024-02-01T10:00:00' has no UTC offset"),
    ("0001/01/01 08:00:00", "'0001/01/01 08:00:00' is out of range"),
    ("9999-12-31T23:00:00+00:00", "'9999-12-31T23:00:00+00:00' is out of range"),
    ("", "is required"),
])
def test_it_says_why_a_timestamp_is_bad(text, reason):
    with pytest.raises(ParseError) as e:
        parse_timestamp(text)
    assert str(e.value) == reason


def test_it_rejects_month_13():
    with pytest.raises(ParseError, match="is not a valid date"):
        parse_timestamp("2026/13/01 00:00:00")


def test_optional_timestamp_is_none_when_empty():
    assert parse_optional_timestamp("") is None
    assert parse_optional_timestamp("2024/02/01 10:00:00") == FEB_1_10AM_JST


def test_it_formats_in_jst():
    assert format_timestamp(FEB_1_10AM_JST) == "2024/02/01 10:00:00"
    assert format_timestamp(datetime(2024, 1, 31, 15, 0, 1, tzinfo=UTC)) == "2024/02/01 00:00:01"


def test_it_formats_any_timezone_and_drops_fractions():
    eastern = timezone(timedelta(hours=-5))
    dt = datetime(2024, 1, 31, 20, 0, 0, 999999, tzinfo=eastern)
    assert format_timestamp(dt) == "2024/02/01 10:00:00"


def test_it_formats_none_as_empty():
    assert format_timestamp(None) == ""


def test_it_refuses_to_format_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        format_timestamp(datetime(2024, 2, 1, 10, 0))


def test_a_record_day_is_the_jst_day_on_both_sides_of_midnight():
    assert jst_date(datetime(2024, 2, 1, 14, 59, 59, tzinfo=UTC)) == date(2024, 2, 1)
    assert jst_date(datetime(2024, 2, 1, 15, 0, tzinfo=UTC)) == date(2024, 2, 2)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                    timezones=st.sampled_from([UTC, JST, timezone(timedelta(hours=-5))])))
def test_the_jst_day_of_any_offset_is_its_general_conversion(value):
    """The UTC shortcut gives exactly what astimezone(JST) gives."""
    assert jst_date(value) == value.astimezone(JST).date()


def test_format_and_parse_are_inverse():
    for text in ("2024/02/01 10:00:00", "0001/01/01 09:00:00", "9999/12/31 23:59:59"):
        assert format_timestamp(parse_timestamp(text)) == text


@pytest.mark.parametrize("text", [
    "aa:bb:cc:dd:ee:ff",
    "AA:BB:CC:DD:EE:FF",
    "AA-BB-CC-DD-EE-FF",
    "aabb.ccdd.eeff",
    "AABB.CCDD.EEFF",
    "aabbccddeeff",
    "AaBbCcDdEeFf",
])
def test_it_normalizes_mac_spellings(text):
    assert normalize_mac(text) == "aa:bb:cc:dd:ee:ff"


@pytest.mark.parametrize("text", [
    "aa:bb:cc:dd:ee",
    "aa:bb:cc:dd:ee:fg",
    "aa:bb-cc:dd:ee:ff",
    "aa:bb:cc:dd:ee:f-",
    "aabbccddeef",
    "aab.bccd.deef",
    "aa bb cc dd ee ff",
    "+abbccddeeff",
    "ａａbbccddeeff",
])
def test_it_rejects_bad_macs(text):
    with pytest.raises(ParseError, match="is not a MAC address"):
        normalize_mac(text)


def test_mac_is_required_but_optional_mac_may_be_empty():
    with pytest.raises(ParseError, match="^is required$"):
        normalize_mac("")
    assert parse_optional_mac("") == ""
    assert parse_optional_mac("AA-BB-CC-DD-EE-FF") == "aa:bb:cc:dd:ee:ff"


@pytest.mark.parametrize(("text", "canonical"), [
    ("10.0.0.1", "10.0.0.1"),
    ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("::1", "::1"),
])
def test_it_canonicalizes_ips(text, canonical):
    assert normalize_ip(text) == canonical


@pytest.mark.parametrize(
    "text", ["10.0.0", "10.0.0.256", "010.0.0.1", "fe80::1%eth0", "host", " 10.0.0.1"]
)
def test_it_rejects_bad_ips(text):
    with pytest.raises(ParseError, match="is not an IP address"):
        normalize_ip(text)


def test_optional_ip_is_none_when_empty():
    assert parse_optional_ip("") is None


def test_it_parses_counts_up_to_bigint():
    assert parse_count("0") == 0
    assert parse_count("007") == 7
    assert parse_count(str(2**63 - 1)) == 2**63 - 1
    assert parse_count("0" * 5000 + "12") == 12


@pytest.mark.parametrize(("text", "reason"), [
    ("-1", "'-1' is not a whole number"),
    ("1.5", "'1.5' is not a whole number"),
    (" 1", "' 1' is not a whole number"),
    ("１", "'１' is not a whole number"),
    ("1_000", "'1_000' is not a whole number"),
    (str(2**63), f"'{2**63}' is too large"),
    ("9" * 5000, "is too large"),
    ("", "is required"),
])
def test_it_rejects_bad_counts(text, reason):
    with pytest.raises(ParseError) as e:
        parse_count(text)
    assert str(e.value).endswith(reason)


def test_optional_count_is_none_when_empty():
    assert parse_optional_count("") is None
    assert parse_optional_count("300") == 300


def test_it_accepts_gateway_ids_of_the_spec_alphabet():
    assert parse_gateway_id("PCGOLD001") == "PCGOLD001"
    assert parse_gateway_id("G" * 64) == "G" * 64
    assert parse_gateway_id("gw-1.a_B") == "gw-1.a_B"


@pytest.mark.parametrize(("text", "reason"), [
    ("", "is required"),
    ("G" * 65, "is longer than 64 characters"),
    ("PC GOLD", "'PC GOLD' is not a gateway ID ([A-Za-z0-9._-]{1,64})"),
    ("PC\tGOLD", "'PC\\tGOLD' is not a gateway ID ([A-Za-z0-9._-]{1,64})"),
    ("\ufeffPCGOLD", "'\\ufeffPCGOLD' is not a gateway ID ([A-Za-z0-9._-]{1,64})"),
    ("ゲートウェイ1", "'ゲートウェイ1' is not a gateway ID ([A-Za-z0-9._-]{1,64})"),
    ('GWA";filename*=x', "'GWA\";filename*=x' is not a gateway ID ([A-Za-z0-9._-]{1,64})"),
])
def test_it_rejects_bad_gateway_ids(text, reason):
    with pytest.raises(ParseError) as e:
        parse_gateway_id(text)
    assert str(e.value) == reason


def test_it_caps_text_and_codes():
    assert parse_text("x" * 255) == "x" * 255
    with pytest.raises(ParseError, match="is longer than 255 characters"):
        parse_text("x" * 256)
    assert parse_code("999") == "999"
    with pytest.raises(ParseError, match="is longer than 16 characters"):
        parse_code("1" * 17)


_ANY_TIME = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30),
                         timezones=st.sampled_from([UTC, JST, timezone(timedelta(hours=-5))]))


@given(_ANY_TIME, _ANY_TIME)
def test_a_time_texts_day_is_its_jst_date_and_texts_order_as_the_times_do(one, other):
    """What the column path (ingest.columns) reads instead of the times themselves."""
    assert jst_day_date(format_timestamp(one)[JST_DAY]) == jst_date(one)
    seconds = (one.replace(microsecond=0), other.replace(microsecond=0))
    assert (format_timestamp(one) < format_timestamp(other)) == (seconds[0] < seconds[1])
