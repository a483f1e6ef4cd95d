"""What every log type shares: splitting, quoting, BOM, line endings, column counts."""

import dataclasses

import pytest

from logformats.control import ControlRecord, parse_control, serialize_control
from logformats.errors import ParseError
from logformats.fields import parse_timestamp
from logformats.layout import UNUSED, Column, Layout
from logformats.mail import parse_mail, serialize_mail

CONTROL = "2024/02/01 10:05:00,0,02:00:00:00:00:0a,10.0.0.1,200,PCGOLD001"


def test_it_ignores_a_leading_bom():
    assert parse_control("\ufeff" + CONTROL) == parse_control(CONTROL)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "\r\n\r\n"])
def test_it_ignores_the_line_ending(ending):
    assert parse_control(CONTROL + ending) == parse_control(CONTROL)


def test_it_undoes_rfc4180_quotes():
    line = '"2024/02/01 10:05:00","0",02:00:00:00:00:0a,10.0.0.1,"a, ""b""",PCGOLD001'
    assert parse_control(line).value == 'a, "b"'


def test_it_reads_line_breaks_inside_quotes():
    line = '2024/02/01 10:05:00,0,,,"two\r\nlines",PCGOLD001'
    assert parse_control(line).value == "two\r\nlines"


def test_it_quotes_only_where_needed():
    rec = parse_control(CONTROL)
    for value, written in [
        ("plain", "plain"),
        ("a,b", '"a,b"'),
        ('say "hi"', '"say ""hi"""'),
        ("two\nlines", '"two\nlines"'),
        ("cr\rhere", '"cr\rhere"'),
        (" spaced ", " spaced "),
    ]:
        line = serialize_control(dataclasses.replace(rec, value=value))
        assert line.split(",", 4)[4].rsplit(",", 1)[0] == written
        assert parse_control(line).value == value


@pytest.mark.parametrize(("line", "reason"), [
    ('2024/02/01 10:05:00,0,,,"open,GW', "control: bad CSV quoting (unexpected end of data)"),
    ('2024/02/01 10:05:00,0,,,"a"b,GW', "control: bad CSV quoting (',' expected after '\"')"),
    ("2024/02/01 10:05:00,0,,,a\nb,PCGOLD001", "control: line break outside quotes"),
    ("2024/02/01 10:05:00,0,,,a\x00b,PCGOLD001", "control: line contains a NUL character"),
    ("2024/02/01 10:05:00,0,,,\udcff,PCGOLD001", "control: line is not valid Unicode text"),
    ("", "control: expected 6 columns, got 1"),
    (CONTROL + ",", "control: expected 6 columns, got 7"),
    ("x" * 70000, "control: line is longer than 65536 characters"),
])
def test_it_rejects_malformed_lines(line, reason):
    with pytest.raises(ParseError) as e:
        parse_control(line)
    assert str(e.value) == reason


def test_it_caps_text_columns_in_long_lines():
    long_value = "v" * 256
    with pytest.raises(ParseError) as e:
        parse_control(f"2024/02/01 10:05:00,0,,,{long_value},PCGOLD001")
    assert str(e.value) == "control: column 5 value: is longer than 255 characters"


def test_it_keeps_text_of_exactly_the_cap():
    assert parse_control(f"2024/02/01 10:05:00,0,,,{'v' * 255},PCGOLD001").value == "v" * 255


def test_it_reports_the_first_bad_column():
    with pytest.raises(ParseError) as e:
        parse_control("2024/13/01 10:05:00,0,zz,10.0.0.1,200,")
    assert str(e.value) == "control: column 1 time: '2024/13/01 10:05:00' is not a valid date"


def test_it_cuts_long_values_in_messages():
    with pytest.raises(ParseError) as e:
        parse_mail("2024/02/01 10:05:00,0," + "9" * 100 + ",a,b,250,PCGOLD001")
    assert str(e.value) == f"mail: column 3 IP address: '{'9' * 40}…' is not an IP address"


def test_mail_fields_with_commas_round_trip():
    line = '2024/02/01 10:05:00,0,10.0.0.1,"Taro, Y <t@example.jp>",b@example.jp,"550 no, thx",GW'
    rec = parse_mail(line)
    assert rec.mail_from == "Taro, Y <t@example.jp>"
    assert rec.smtp_status == "550 no, thx"
    assert serialize_mail(rec) == line


def test_a_layout_must_match_its_record_fields():
    with pytest.raises(TypeError, match="do not match"):
        Layout("broken", ControlRecord, (
            Column("time", "at", parse_timestamp),
            UNUSED,
        ))
