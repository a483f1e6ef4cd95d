"""Mail log (§8.7, 7 columns)."""

from datetime import UTC, datetime

import pytest

from logformats.errors import ParseError
from logformats.mail import MailRecord, parse_mail, serialize_mail

LINE = "2024/02/01 10:05:00,0,10.0.0.1,a@example.jp,b@example.com,250 2.0.0 Ok,PCGOLD001"


def test_it_parses_a_canonical_line():
    assert parse_mail(LINE) == MailRecord(
        at=datetime(2024, 2, 1, 1, 5, tzinfo=UTC),
        kind="0",
        ip="10.0.0.1",
        mail_from="a@example.jp",
        mail_to="b@example.com",
        smtp_status="250 2.0.0 Ok",
        gateway_id="PCGOLD001",
    )


def test_it_writes_a_canonical_line_back_unchanged():
    assert serialize_mail(parse_mail(LINE)) == LINE


def test_it_reads_quoted_fields_with_commas():
    line = '2024/02/01 10:05:00,0,,"x, y <x@example.jp>",b@example.com,"550 5.7.1 no, sorry",GW'
    rec = parse_mail(line)
    assert rec.mail_from == "x, y <x@example.jp>"
    assert rec.smtp_status == "550 5.7.1 no, sorry"
    assert rec.ip is None
    assert serialize_mail(rec) == line


def test_it_keeps_japanese_text():
    line = "2024/02/01 10:05:00,0,,山田 <yamada@example.jp>,b@example.com,250 受付,GW"
    assert serialize_mail(parse_mail(line)) == line


def test_it_rejects_a_wrong_column_count():
    with pytest.raises(ParseError) as e:
        parse_mail("2024/02/01 10:05:00,0,10.0.0.1,a@example.jp,b@example.com,250 2.0.0 Ok")
    assert str(e.value) == "mail: expected 7 columns, got 6"
