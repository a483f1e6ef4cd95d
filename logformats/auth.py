"""Authentication log (認証ログ, manual §8.1): one record per terminal login, 28 columns."""

from dataclasses import dataclass
from datetime import datetime

from logformats.fields import (
    format_optional,
    parse_code,
    parse_optional_count,
)
from logformats.layout import UNUSED, Column, Layout
from logformats.terminal import TERMINAL_COLUMNS


@dataclass(frozen=True, slots=True)
class AuthRecord:
    """A terminal's login; codes are kept raw (see `codes.label`)."""

    gateway_id: str
    port: str
    port_label: str
    ip: str | None
    mac: str
    start: datetime
    end: datetime | None
    auth_method: str
    access_id: str
    area_code: str
    postal_code: str
    language: str
    country: str
    charge: int | None
    auth_domain_id: str
    openid_provider: str
    gender: str
    age_band: str
    device_type: str
    device_os: str
    device_app: str


LAYOUT = Layout("auth", AuthRecord, (
    *TERMINAL_COLUMNS,
    Column("auth method", "auth_method", parse_code),
    Column("access ID", "access_id"),
    Column("area code", "area_code"),
    Column("postal code", "postal_code"),
    Column("language", "language"),
    Column("country", "country"),
    UNUSED,
    UNUSED,
    Column("charge", "charge", parse_optional_count, format_optional),
    UNUSED,
    UNUSED,
    Column("auth domain ID", "auth_domain_id"),
    Column("OpenID provider", "openid_provider"),
    Column("gender", "gender"),
    Column("age band", "age_band"),
    Column("device type", "device_type"),
    Column("device OS", "device_os"),
    Column("device app", "device_app"),
    UNUSED,
    UNUSED,
))


def parse_auth(line: str) -> AuthRecord:
    """One auth record from one CSV line; ParseError names the first bad column."""
    return LAYOUT.parse(line)


def serialize_auth(record: AuthRecord) -> str:
    """The canonical CSV line of an auth record."""
    return LAYOUT.serialize(record)
