"""Syslog envelopes (RFC 5424 and RFC 3164) as real clients send them.

Pure functions, no Django: `parse_envelope` turns one framed message into an
`Envelope`, and `log_type_for` names the POPCHAT log type it carries. The
quirks handled here come from captures of util-linux `logger`, rsyslog and
syslog-ng forwarding, and Python's `logging.handlers.SysLogHandler`.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat

from logformats import LOG_TYPES  # the one registry (logformats/registry.py)

BOM = "\ufeff"

_PRI = re.compile(rb"\s*<(\d{1,3})>")
# RFC 5424 VERSION is 1-3 digits without a leading zero, then a space.
_VERSION = re.compile(r"[1-9]\d{0,2} ")
_BSD_TIMESTAMP = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2}"
    r"(?: \d{4})? \d{2}:\d{2}:\d{2}(?:\.\d{1,6})? ?"
)
# rsyslog's RSYSLOG_ForwardFormat puts an RFC 3339 timestamp in a legacy header.
_ISO_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\S+) ?")
# A TAG is the program name, an optional [pid], and usually a colon.
_TAG = re.compile(r"([^\s\[\]:]{1,128})(?:\[([^\]\s]*)\])?(:)?")
_TAG_START = re.compile(r"[^\s\[\]:]{1,128}(?:\[[^\]\s]*\]|:)")
_IPV6ISH = re.compile(r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")

# The fast lane (`quick_envelope`, issue 9): one match for the messages
# gateways really send. Each pattern accepts only text that the reference
# grammar above reads the same way, so it may decline but never disagree.
# PRI 0-191 (leading zeros allowed, as `_PRI` and the range check read it).
_QUICK_PRI = r"<(?:[0-9]{1,2}|0[0-9]{2}|1[0-8][0-9]|19[01])>"
# RFC 5424: VERSION 1 and the five header fields one space apart (what
# `re.split(" +")` reads the same; more spaces are left to it), then a nil
# STRUCTURED-DATA (group 4) or whatever `_skip_structured_data` accepts.
_QUICK_5424 = re.compile(rf"{_QUICK_PRI}1 ([^ ]+) [^ ]+ ([^ ]+) [^ ]+ ([^ ]+) (-)?")
# RFC 3164: optional timestamp (atomic: taken exactly when `_parse_3164`
# takes it), optional HOSTNAME (one that cannot look like a TAG), then a TAG
# with its colon; possessive parts stop backtracking into other readings.
_QUICK_3164 = re.compile(
    rf"{_QUICK_PRI}(?!{_VERSION.pattern}) *+"
    rf"(?>{_BSD_TIMESTAMP.pattern}|(?P<iso>{_ISO_TIMESTAMP.pattern})|)"
    r"(?:[^\s\[\]:]++ )?(?P<tag>[^\s\[\]:]{1,128})(?:\[[^\]\s]*\])?:"
)
_APP_TYPES = {f"popchat-{name}": name for name in LOG_TYPES}
# Senders stamp many messages with one timestamp (and rsyslog's fractions
# still repeat within a batch), so valid ones are remembered, a bounded few.
_VALID_TIMESTAMPS: set[str] = set()
_VALID_TIMESTAMPS_MAX = 4096
# What senders leave after a MSG (`_clean_msg`): line ends, SysLogHandler's NUL.
_MSG_END = "\r\n\x00"


class EnvelopeError(ValueError):
    """The message has no syslog envelope we can read; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Envelope:
    """The parts of a syslog message the portal uses; `-` (nil) fields are None."""

    app_name: str | None
    msgid: str | None
    hostname: str | None
    timestamp: datetime | None  # aware, or None when absent or zone-less (BSD)
    msg: str


def parse_envelope(data: bytes) -> Envelope:
    """Parse one RFC 5424 or RFC 3164 message (already framed)."""
    m = _PRI.match(data)
    if m is None:
        raise EnvelopeError("no syslog <PRI> header at the start of the message")
    if int(m.group(1)) > 191:
        raise EnvelopeError(f"syslog PRI <{m.group(1).decode()}> is out of range 0-191")
    try:
        rest = data[m.end() :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EnvelopeError(f"message is not valid UTF-8 (at byte {m.end() + exc.start})") from None
    if _VERSION.match(rest):
        return _parse_5424(rest)
    return _parse_3164(rest)


def quick_envelope(text: str) -> tuple[str, str] | None:
    """(log type, MSG) of a common well-formed message, exactly as
    `parse_envelope` and `log_type_for` read it from `text` (the whole frame,
    decoded); None whenever only they can tell, errors included."""
    if m := _QUICK_5424.match(text):
        return _quick_5424(m, text)
    if m := _QUICK_3164.match(text):
        return _quick_3164(m, text)
    return None


def quick_envelopes(texts: list[str]) -> tuple[list[str], list[str]] | None:
    """`quick_envelope` of every message of one read, column by column (issue
    9): one C-level pass per step instead of Python statements per message.
    (log types, MSGs) when each message is the common shape, RFC 5424 with
    nil STRUCTURED-DATA, an APP-NAME popchat-<type> and a MSG that does not
    start with a BOM, and so reads as `quick_envelope` reads it; else None,
    and each message is for `quick_envelope` (one sender sends one shape)."""
    matches = list(map(_QUICK_5424.match, texts))
    if None in matches:
        return None
    stamps, apps, _msgids, nil_sds = zip(*map(re.Match.groups, matches), strict=True)
    log_types = list(map(_APP_TYPES.get, map(str.lower, apps)))
    if None in log_types or None in nil_sds:
        return None
    if not all(map(_valid_timestamp, set(stamps) - {"-"})):
        return None
    msgs = list(map(str.rstrip, map(str.lstrip, map(operator.getitem, texts, map(
        slice, map(re.Match.end, matches), repeat(None))), repeat(" ")), repeat(_MSG_END)))
    if any(map(str.startswith, msgs, repeat(BOM))):
        return None  # _clean_msg drops it
    return log_types, msgs


def _quick_5424(m: re.Match, text: str) -> tuple[str, str] | None:
    ts, app, msgid, nil_sd = m.groups()
    if ts != "-" and not _valid_timestamp(ts):
        return None
    app = app.lower()
    log_type = _APP_TYPES.get(app)
    if log_type is None and app == "popchat" and msgid.lower() in LOG_TYPES:
        log_type = msgid.lower()
    if log_type is None:
        return None
    if nil_sd:
        return log_type, _clean_msg(text[m.end() :])
    try:
        return log_type, _clean_msg(_skip_structured_data(text[m.end() :]))
    except EnvelopeError:
        return None


def _quick_3164(m: re.Match, text: str) -> tuple[str, str] | None:
    iso, log_type = m["iso"], _APP_TYPES.get(m["tag"].lower())
    if log_type is None or (iso and not _valid_timestamp(iso.rstrip(" "))):
        return None
    return log_type, _clean_msg(text[m.end() :])


def _valid_timestamp(ts: str) -> bool:
    # The set is looked at first: this is once per message at line rate.
    if ts in _VALID_TIMESTAMPS:
        return True
    try:
        datetime.fromisoformat(ts)
    except ValueError:
        return False
    if len(_VALID_TIMESTAMPS) >= _VALID_TIMESTAMPS_MAX:
        _VALID_TIMESTAMPS.clear()
    _VALID_TIMESTAMPS.add(ts)
    return True


def log_type_for(env: Envelope) -> str | None:
    """The POPCHAT log type named by APP-NAME/TAG (or `popchat` + MSGID), else None."""
    app = (env.app_name or "").lower()
    if app.startswith("popchat-") and app[len("popchat-") :] in LOG_TYPES:
        return app[len("popchat-") :]
    if app == "popchat" and env.msgid and env.msgid.lower() in LOG_TYPES:
        return env.msgid.lower()
    return None


def _clean_msg(msg: str) -> str:
    # rsyslog's %msg% of a legacy message keeps the space after the TAG's
    # colon, and templates add another; no POPCHAT record starts with a space.
    msg = msg.lstrip(" ")
    if msg.startswith(BOM):
        msg = msg[1:]
    # RSYSLOG_SyslogProtocol23Format ends with LF even inside an octet-counted
    # frame; SysLogHandler appends NUL.
    return msg.rstrip(_MSG_END)


def _nil(value: str) -> str | None:
    return None if value == "-" else value


def _parse_5424(rest: str) -> Envelope:
    parts = re.split(" +", rest, maxsplit=6)
    if len(parts) < 6:
        raise EnvelopeError("RFC 5424 header is incomplete (need VERSION TIMESTAMP HOSTNAME "
                            "APP-NAME PROCID MSGID)")
    _version, ts, hostname, app_name, _procid, msgid = parts[:6]
    after = parts[6] if len(parts) > 6 else ""
    timestamp = None
    if ts != "-":
        try:
            timestamp = datetime.fromisoformat(ts)
        except ValueError:
            raise EnvelopeError(f"RFC 5424 timestamp {ts[:40]!r} is not valid") from None
        if timestamp.tzinfo is None:
            timestamp = None  # RFC 5424 requires an offset; don't guess the zone.
    msg = _skip_structured_data(after)
    return Envelope(
        app_name=_nil(app_name),
        msgid=_nil(msgid),
        hostname=_nil(hostname),
        timestamp=timestamp,
        msg=_clean_msg(msg),
    )


def _skip_structured_data(s: str) -> str:
    """Return what follows STRUCTURED-DATA: `-` or `[id k="v"]...` with escapes."""
    if s == "" or s.startswith("-"):
        return s[1:]
    if not s.startswith("["):
        raise EnvelopeError("RFC 5424 structured data must be '-' or start with '['")
    i, n = 0, len(s)
    while i < n and s[i] == "[":
        i += 1
        quoted = False
        while True:
            if i >= n:
                raise EnvelopeError("RFC 5424 structured data is not terminated by ']'")
            c = s[i]
            if quoted and c == "\\":
                i += 2  # \" \\ \] inside a PARAM-VALUE
                continue
            if c == '"':
                quoted = not quoted
            elif c == "]" and not quoted:
                i += 1
                break
            i += 1
    return s[i:]


def _parse_3164(rest: str) -> Envelope:
    rest = rest.lstrip(" ")
    timestamp = None
    has_timestamp = False
    if m := _BSD_TIMESTAMP.match(rest):
        # A BSD timestamp has neither year nor zone, so it is not interpreted.
        has_timestamp, rest = True, rest[m.end() :]
    elif m := _ISO_TIMESTAMP.match(rest):
        try:
            timestamp = datetime.fromisoformat(m.group(1))
        except ValueError:
            raise EnvelopeError(f"timestamp {m.group(1)[:40]!r} is not valid") from None
        if timestamp.tzinfo is None:
            timestamp = None
        has_timestamp, rest = True, rest[m.end() :]

    hostname = None
    first, _, after_first = rest.partition(" ")
    if first and not _looks_like_tag(first):
        second = after_first.partition(" ")[0]
        # After a timestamp the HOSTNAME comes next (RFC 3164 4.1.2); without
        # one, only take the first word as a host when a TAG clearly follows.
        if has_timestamp or _looks_like_tag(second):
            hostname, rest = first, after_first

    app_name = None
    if m := _TAG.match(rest):
        app_name, rest = m.group(1), rest[m.end() :]
    return Envelope(
        app_name=app_name, msgid=None, hostname=hostname, timestamp=timestamp,
        msg=_clean_msg(rest),
    )


def _looks_like_tag(token: str) -> bool:
    """`name:`, `name[pid]` or `name[pid]:` (maybe glued to the MSG), not an IPv6 host."""
    return bool(_TAG_START.match(token)) and not _IPV6ISH.fullmatch(token)
