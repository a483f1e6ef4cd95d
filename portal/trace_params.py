"""The terminal lookup's query string (SPEC §7), shared by the screen, its
CSV and the API: `ip` + `at`, or `mac` + `from` + `to`. Every failure is a
`ParamError` naming the parameter (answered with 400)."""
from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from django.http import QueryDict
from django.utils.translation import gettext as _

from logformats.errors import ParseError
from logformats.fields import normalize_ip, normalize_mac, parse_timestamp

from .scope import ParamError
from .trace import MAX_PERIOD_DAYS

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
# Far enough from datetime's limits that the 24 h window and the period's
# end-of-day arithmetic never overflow.
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)


class IpQuery(NamedTuple):
    ip: str
    at: datetime  # aware


class MacQuery(NamedTuple):
    mac: str  # canonical lower case aa:bb:cc:dd:ee:ff
    day_from: date
    day_to: date


def trace_query(params: QueryDict) -> IpQuery | MacQuery:
    """The lookup asked for: `ip` + `at`, or `mac` + `from` + `to` (`ip`
    and `mac` together is an error naming `mac`)."""
    ip_text, mac_text = params.get("ip", "").strip(), params.get("mac", "").strip()
    if ip_text and mac_text:
        raise ParamError("mac", _("give either ip (with at) or mac (with from and to), not both"))
    if ip_text:
        return IpQuery(_ip(ip_text), _moment(params.get("at", "").strip()))
    if mac_text:
        day_from = _day(params, "from")
        day_to = _day(params, "to")
        if day_to < day_from:
            raise ParamError("to", _("to must not be before from"))
        if (day_to - day_from).days > MAX_PERIOD_DAYS:
            raise ParamError("to", _("the period may be at most %(days)s days long")
                             % {"days": MAX_PERIOD_DAYS})
        return MacQuery(_mac(mac_text), day_from, day_to)
    raise ParamError("ip", _("give ip and at, or mac, from and to"))


def _ip(text: str) -> str:
    try:
        return normalize_ip(text)
    except ParseError:
        raise ParamError("ip", _("ip must be an IPv4 or IPv6 address")) from None


def _mac(text: str) -> str:
    try:
        return normalize_mac(text)
    except ParseError:
        raise ParamError("mac", _("mac must be a MAC address such as AA:BB:CC:DD:EE:FF")) from None


def _moment(text: str) -> datetime:
    message = _("at must be YYYY/MM/DD HH:MM:SS (JST) or ISO 8601 with an offset")
    if not text:
        raise ParamError("at", message)
    try:
        at = parse_timestamp(text)
    except (ParseError, ValueError, OverflowError):
        raise ParamError("at", message) from None
    if not EARLIEST <= at.date() <= LATEST:
        raise ParamError("at", message)
    return at


def _day(params: QueryDict, name: str) -> date:
    text = params.get(name, "").strip()
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if EARLIEST <= day <= LATEST:
            return day
    raise ParamError(name, _("%(name)s must be a date YYYY-MM-DD") % {"name": name})
