"""Field helpers shared by every log format: timestamps, MACs, IPs, counts, text.

Each `parse_*` / `normalize_*` takes the text of one CSV column and returns the
typed value or raises `ParseError` with a short reason ("'x' is not a MAC
address"); `layout.Layout` prefixes it with the log type and column. This is
the ingest hot path, so the common cases avoid regexes and strptime, and the
values that repeat from line to line (timestamps, MACs, IPs) are memoised.
"""

import functools
import ipaddress
import re
from datetime import UTC, date, datetime, timedelta, timezone

from logformats.errors import ParseError

# Asia/Tokyo has had no DST since 1951: a fixed offset is exact and much faster
# than ZoneInfo.
JST = timezone(timedelta(hours=9))
_NINE_HOURS = timedelta(hours=9)

GATEWAY_ID_MAX = 64
# SPEC §9: gateway IDs are this, nothing else (they end up in file names and
# URLs); registration and the record parsers share it.
GATEWAY_ID_PATTERN = r"[A-Za-z0-9._-]{1,64}"
_GATEWAY_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
# Caps that protect the database (the model columns have the same lengths).
TEXT_MAX = 255
CODE_MAX = 16
COUNT_MAX = 2**63 - 1  # PostgreSQL bigint
_HEX = "0123456789abcdef"
_CACHE_MAX = 8192

_fromisoformat = datetime.fromisoformat
# Dotted-quad IPv4, each part 0-255 without leading zeros (ASCII digits only:
# [0-9], not \d). One C match is about 4x faster than checking the parts.
IPV4_CANONICAL_PATTERN = (r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                          r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")
_IPV4_CANONICAL = re.compile(IPV4_CANONICAL_PATTERN).fullmatch
# "HH:MM:" for every minute of the day and "SS" for every second: formatting a
# timestamp from these is several times faster than strftime or an f-string.
_HH_MM = tuple(f"{h:02}:{m:02}:" for h in range(24) for m in range(60))
_SS = tuple(f"{s:02}" for s in range(60))
_days: dict[int, str] = {}  # proleptic ordinal -> "YYYY/MM/DD "


def show(text: str) -> str:
    """Quote a value for an error message, cut if long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def column_error(log_type: str, number: int, header: str, reason: object) -> ParseError:
    """The uniform message: "auth: column 7 start time: '…' is not a valid date"."""
    return ParseError(f"{log_type}: column {number} {header}: {reason}")


@functools.lru_cache(maxsize=_CACHE_MAX)
def parse_timestamp(text: str) -> datetime:
    """Parse a record timestamp into an aware UTC datetime.

    Accepts `YYYY/MM/DD HH:MM:SS` and `YYYY-MM-DD HH:MM:SS` (both JST) and ISO
    8601 with an explicit offset (`…T10:00:00+09:00`, `…Z`, fractions kept).
    Remembered, since log lines repeat timestamps (start = end, bursts).
    """
    if len(text) == 19 and text[10] == " " and text[4] == text[7]:
        # fromisoformat is C and checks digits and ranges; "+00:00" then minus
        # nine hours is cheaper than building a JST datetime and converting it.
        try:
            return _fromisoformat(text.replace("/", "-", 2) + "+00:00") - _NINE_HOURS
        except ValueError:
            pass  # not a JST date-time after all: the ISO path below says why
        except OverflowError:
            raise ParseError(f"{show(text)} is out of range") from None
    if not text:
        raise ParseError("is required")
    if not text.isascii():
        raise ParseError(_timestamp_problem(text))
    try:
        dt = _fromisoformat(text)
    except ValueError as e:
        if "Invalid isoformat" in str(e):
            raise ParseError(_timestamp_problem(text)) from None
        raise ParseError(f"{show(text)} is not a valid date") from None  # e.g. month 13
    if dt.utcoffset() is None:
        raise ParseError(f"{show(text)} has no UTC offset")
    try:
        dt = dt.astimezone(UTC)
        dt + _NINE_HOURS  # must still be a date in JST, or it cannot be written back
    except OverflowError:
        raise ParseError(f"{show(text)} is out of range") from None
    return dt


def _timestamp_problem(text: str) -> str:
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    if (
        len(text) == 19
        and text[4] == text[7]
        and text[4] in "/-"
        and text[10] == " "
        and text[13] == text[16] == ":"
        and digits.isascii()
        and digits.isdigit()
    ):
        return f"{show(text)} is not a valid date"
    return f"{show(text)} is not a date-time (YYYY/MM/DD HH:MM:SS)"


def parse_optional_timestamp(text: str) -> datetime | None:
    return parse_timestamp(text) if text else None


def _jst_wall_clock(dt: datetime) -> datetime:
    """An aware time's JST wall clock (read its fields, not its tzinfo). UTC,
    what parse_timestamp and the database give, skips the general conversion."""
    if dt.tzinfo is UTC:
        return dt + _NINE_HOURS
    if dt.tzinfo is None:
        raise ValueError("a JST time needs an aware datetime")
    return dt.astimezone(JST)


def jst_date(dt: datetime) -> date:
    """The JST date of an aware time (a record's day, SPEC: days are JST)."""
    return _jst_wall_clock(dt).date()


# The day of a canonical record time text (`format_timestamp`'s YYYY/MM/DD
# HH:MM:SS, JST): its first ten characters, which order as the days do.
JST_DAY = slice(0, 10)


@functools.lru_cache(maxsize=4096)
def jst_day_date(text: str) -> date:
    """The date of a canonical JST day text, YYYY/MM/DD (a time text's JST_DAY)."""
    return date(int(text[:4]), int(text[5:7]), int(text[8:10]))


def format_timestamp(dt: datetime | None) -> str:
    """`YYYY/MM/DD HH:MM:SS` in JST (seconds only: fractions are dropped); None -> ""."""
    if dt is None:
        return ""
    j = _jst_wall_clock(dt)
    day = _days.get(j.toordinal())
    if day is None:
        if len(_days) >= _CACHE_MAX:
            _days.clear()
        day = _days[j.toordinal()] = f"{j.year:04}/{j.month:02}/{j.day:02} "
    return day + _HH_MM[j.hour * 60 + j.minute] + _SS[j.second]


@functools.lru_cache(maxsize=_CACHE_MAX)
def normalize_mac(text: str) -> str:
    """`aa:bb:cc:dd:ee:ff` from any of `AA:BB:…`, `AA-BB-…`, `aabb.ccdd.eeff`, `aabbccddeeff`."""
    low = text.lower()
    n = len(low)
    if n == 17 and low[2::3] in (":::::", "-----"):
        hexes = low[0::3] + low[1::3]  # the first and the second digit of each pair
        canonical = low.replace("-", ":")
    else:
        if n == 14 and low[4] == low[9] == ".":
            hexes = low.replace(".", "")
        else:
            hexes = low if n == 12 else ""
        canonical = ":".join((hexes[0:2], hexes[2:4], hexes[4:6], hexes[6:8], hexes[8:10],
                              hexes[10:12]))
    if len(hexes) != 12 or not text.isascii() or hexes.strip(_HEX):
        raise ParseError(f"{show(text)} is not a MAC address" if text else "is required")
    return canonical


def format_mac(value: str) -> str:
    """MACs are stored lower case (one spelling to search and dedupe by) and
    written upper case, as the gateways send them (SPEC §3 downloads)."""
    return value.upper()


def parse_optional_mac(text: str) -> str:
    return normalize_mac(text) if text else ""


@functools.lru_cache(maxsize=_CACHE_MAX)
def normalize_ip(text: str) -> str:
    """The canonical (compressed) text of an IPv4 or IPv6 address."""
    # Dotted-quad IPv4 without leading zeros is already canonical: checking it
    # here is several times faster than ipaddress, and it is nearly every row.
    if _IPV4_CANONICAL(text):
        return text
    # A zone index ("fe80::1%eth0") means nothing off the gateway and
    # PostgreSQL's inet rejects it.
    if "%" not in text:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            pass
    raise ParseError(f"{show(text)} is not an IP address")


@functools.lru_cache(maxsize=_CACHE_MAX)
def parse_optional_ip(text: str) -> str | None:
    return normalize_ip(text) if text else None


def parse_count(text: str) -> int:
    """A non-negative whole number (counts, seconds, bps, yen) that fits a bigint."""
    if text.isdigit() and text.isascii():
        if len(text) < 19:  # below 10**18, so it fits: the usual case
            return int(text)
        # Never hand int() a long string: past 4,300 digits it raises ValueError.
        digits = text.lstrip("0") or "0"
        if len(digits) <= 19 and int(digits) <= COUNT_MAX:
            return int(digits)
        raise ParseError(f"{show(text)} is too large")
    raise ParseError(f"{show(text)} is not a whole number" if text else "is required")


def parse_optional_count(text: str) -> int | None:
    return parse_count(text) if text else None


def format_optional(value: object) -> str:
    """None -> "", anything else -> its text (ints, IP strings)."""
    return "" if value is None else f"{value}"


@functools.lru_cache(maxsize=_CACHE_MAX)
def parse_gateway_id(text: str) -> str:
    """Required; GATEWAY_ID_PATTERN: 1-64 of A-Z a-z 0-9 . _ -"""
    if 0 < len(text) <= GATEWAY_ID_MAX and _GATEWAY_ID_CHARS.issuperset(text):
        return text
    if not text:
        raise ParseError("is required")
    if len(text) > GATEWAY_ID_MAX:
        raise ParseError(f"is longer than {GATEWAY_ID_MAX} characters")
    raise ParseError(f"{show(text)} is not a gateway ID ({GATEWAY_ID_PATTERN})")


def parse_code(text: str) -> str:
    """A code (auth method, control or mail kind): kept raw, at most CODE_MAX characters."""
    if len(text) <= CODE_MAX:
        return text
    raise ParseError(f"{show(text)} is longer than {CODE_MAX} characters")


def parse_text(text: str) -> str:
    """Free text is kept as it is, up to TEXT_MAX characters."""
    if len(text) > TEXT_MAX:
        raise ParseError(f"is longer than {TEXT_MAX} characters")
    return text
