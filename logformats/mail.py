"""Mail log (メールログ, manual §8.7): the gateway's SMTP sends, 7 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.fields import (
    format_optional,
    format_timestamp,
    parse_code,
    parse_gateway_id,
    parse_optional_ip,
    parse_timestamp,
)
from logformats.layout import Column, Layout


@dataclass(frozen=True, slots=True)
class MailRecord:
    """One mail sent through the gateway; `kind` is the raw mail kind code."""

    at: datetime
    kind: str
    ip: str | None
    mail_from: str
    mail_to: str
    smtp_status: str
    gateway_id: str


LAYOUT = Layout("mail", MailRecord, (
    Column("time", "at", parse_timestamp, format_timestamp),
    Column("mail kind", "kind", parse_code),
    Column("IP address", "ip", parse_optional_ip, format_optional),
    Column("From", "mail_from"),
    Column("To", "mail_to"),
    Column("SMTP status", "smtp_status"),
    Column("gateway ID", "gateway_id", parse_gateway_id),
))


def parse_mail(line: str) -> MailRecord:
    """One mail record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_mail(record: MailRecord) -> str:
    """The canonical CSV line of a mail record."""
    return LAYOUT.serialize(record)
