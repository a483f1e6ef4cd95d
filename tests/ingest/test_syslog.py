"""Syslog envelopes: captures from real clients, then hand-written edge cases."""
from __future__ import annotations

import logging
import logging.handlers
import shutil
import socket
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.syslog import LOG_TYPES, Envelope, EnvelopeError, log_type_for, parse_envelope

needs_logger = pytest.mark.skipif(shutil.which("logger") is None, reason="util-linux logger")
RECORD = "GW001,2023/11/22 01:30:00,42"


def logger_udp(*args: str) -> bytes:
    """What util-linux `logger` really sends over UDP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        port = sock.getsockname()[1]
        subprocess.run(["logger", "--server", "127.0.0.1", "--port", str(port), "--udp", *args],
                       check=True, timeout=10)
        return sock.recv(70000)


def handler_udp(formatter: str, ident: str = "", message: str = RECORD) -> bytes:
    """What Python's logging.handlers.SysLogHandler really sends over UDP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        handler = logging.handlers.SysLogHandler(address=sock.getsockname())
        handler.setFormatter(logging.Formatter(formatter))
        handler.ident = ident
        log = logging.getLogger(f"test_syslog.{id(handler)}")
        log.propagate = False
        log.addHandler(handler)
        try:
            log.warning(message)
            return sock.recv(70000)
        finally:
            log.removeHandler(handler)
            handler.close()


# --- real clients -------------------------------------------------------------


@needs_logger
def test_it_parses_logger_rfc5424() -> None:
    data = logger_udp("--rfc5424", "-t", "popchat-auth", RECORD)
    env = parse_envelope(data)
    assert env.app_name == "popchat-auth"
    assert env.msg == RECORD
    assert env.hostname
    assert env.timestamp is not None and env.timestamp.tzinfo is not None
    assert abs(env.timestamp - datetime.now(UTC)) < timedelta(minutes=1)
    assert log_type_for(env) == "auth"


@needs_logger
def test_it_parses_logger_rfc5424_with_msgid_and_escaped_structured_data() -> None:
    data = logger_udp("--rfc5424", "-t", "popchat", "--msgid", "traffic", "--id=4242",
                      "--sd-id", "x@32473", "--sd-param", r'a="b\]c\"d"', RECORD)
    assert b'[x@32473 a="b\\]c\\"d"]' in data  # the escapes really are on the wire
    env = parse_envelope(data)
    assert (env.app_name, env.msgid, env.msg) == ("popchat", "traffic", RECORD)
    assert log_type_for(env) == "traffic"


@needs_logger
def test_it_parses_logger_rfc5424_without_timestamp() -> None:
    env = parse_envelope(logger_udp("--rfc5424=notq,notime", "-t", "popchat-dhcp", RECORD))
    assert env.timestamp is None
    assert (log_type_for(env), env.msg) == ("dhcp", RECORD)


@needs_logger
def test_it_parses_logger_rfc3164_with_pid() -> None:
    data = logger_udp("--rfc3164", "-t", "popchat-session", "--id=123", RECORD)
    assert b"popchat-session[123]: " in data
    env = parse_envelope(data)
    assert env.app_name == "popchat-session"
    assert env.hostname
    assert env.timestamp is None  # a BSD timestamp has no year and no zone
    assert env.msg == RECORD


@needs_logger
def test_it_keeps_utf8_text_from_logger() -> None:
    record = 'GW001,2023/11/22 01:30:00,"ホテル,1F"'
    env = parse_envelope(logger_udp("--rfc5424", "-t", "popchat-mail", record))
    assert env.msg == record


def test_it_parses_syslog_handler_with_tag_in_formatter() -> None:
    data = handler_udp("popchat-auth: %(message)s")
    assert data.endswith(b"\x00")
    env = parse_envelope(data)
    assert (env.app_name, env.hostname, env.timestamp, env.msg) == (
        "popchat-auth", None, None, RECORD)


def test_it_parses_syslog_handler_with_ident() -> None:
    env = parse_envelope(handler_udp("%(message)s", ident="popchat-activeuser: "))
    assert (log_type_for(env), env.msg) == ("activeuser", RECORD)


# --- hand-written edge cases ----------------------------------------------------


@pytest.mark.parametrize("data", [
    b"<13>1 2023-11-22T01:30:00+09:00 gw popchat-auth 99 - - \xef\xbb\xbfGW001,x",
    b"<13>1 2023-11-22T01:30:00+09:00 gw popchat-auth - - - GW001,x\n",  # Protocol23Format
    b"<13>1 2023-11-22T01:30:00+09:00 gw popchat-auth - - -  GW001,x\r\n",  # rsyslog's %msg%
    b'<13>1 2023-11-22T01:30:00+09:00 gw popchat-auth - - [a@1 k="[x]\\]"][b@2] GW001,x',
])
def test_it_cleans_rfc5424_msg(data: bytes) -> None:
    env = parse_envelope(data)
    assert env.msg == "GW001,x"
    assert env.timestamp == datetime(2023, 11, 22, 1, 30, tzinfo=timezone(timedelta(hours=9)))


def test_it_reads_rfc5424_nil_values_and_z_timestamps() -> None:
    env = parse_envelope(b"<165>1 2003-10-11T22:14:15.003Z - - - -")
    assert env == Envelope(app_name=None, msgid=None, hostname=None,
                           timestamp=datetime(2003, 10, 11, 22, 14, 15, 3000, tzinfo=UTC), msg="")


@pytest.mark.parametrize(("data", "host", "app", "msg"), [
    (b"<13>Nov 22 01:30:00 myhost popchat-auth[123]: m,1", "myhost", "popchat-auth", "m,1"),
    (b"<13>Nov  2 01:30:00 myhost popchat-auth: m", "myhost", "popchat-auth", "m"),
    (b"<13>Nov 22 01:30:00 myhost popchat-auth:m", "myhost", "popchat-auth", "m"),
    (b"<13>Nov 22 01:30:00 myhost popchat-auth[9]:m", "myhost", "popchat-auth", "m"),
    (b"<13>Nov 22 01:30:00 popchat-auth: m", None, "popchat-auth", "m"),  # no HOSTNAME
    (b"<13>Nov 22 01:30:00 popchat-auth:GW,1 2", None, "popchat-auth", "GW,1 2"),
    (b"<13>Nov 22 2023 01:30:00.123 myhost popchat-auth: m", "myhost", "popchat-auth", "m"),
    (b"<13>Nov 22 01:30:00 2001:db8::1 popchat-auth: m", "2001:db8::1", "popchat-auth", "m"),
    (b"<13>2023-11-22T01:30:00.5+09:00 myhost popchat-auth: m", "myhost", "popchat-auth", "m"),
    (b"<14>popchat-auth: m\x00", None, "popchat-auth", "m"),
    (b"<14>popchat-auth:m", None, "popchat-auth", "m"),
    (b"<14>myhost popchat-auth: m", "myhost", "popchat-auth", "m"),
    (b"<14>popchat-auth: \xef\xbb\xbfm\n", None, "popchat-auth", "m"),
    (b"<14> popchat-auth m", None, "popchat-auth", "m"),
])
def test_it_parses_rfc3164_variants(data: bytes, host: str | None, app: str, msg: str) -> None:
    env = parse_envelope(data)
    assert (env.hostname, env.app_name, env.msgid, env.msg) == (host, app, None, msg)


def test_it_keeps_the_offset_of_an_rsyslog_forward_format_timestamp() -> None:
    env = parse_envelope(b"<13>2023-11-22T01:30:00+09:00 h popchat-auth: m")
    assert env.timestamp == datetime(2023, 11, 21, 16, 30, tzinfo=UTC)


def test_it_reads_no_app_name_from_a_bare_message() -> None:
    env = parse_envelope(b"<13>Nov 22 01:30:00 myhost")
    assert (env.hostname, env.app_name, env.msg) == ("myhost", None, "")


@pytest.mark.parametrize(("data", "reason"), [
    (b"GW001,2023/11/22 01:30:00,42", "no syslog <PRI>"),
    (b"", "no syslog <PRI>"),
    (b"<192>popchat-auth: m", "out of range"),
    (b"<13>popchat-auth: \xff\xfe", "not valid UTF-8"),
    (b"<13>1 2023-11-22T01:30:00Z host", "incomplete"),
    (b"<13>1 2023-13-45T01:30:00Z h popchat-auth - - - m", "timestamp"),
    (b'<13>1 - h popchat-auth - - [a@1 k="v]', "not terminated"),
    (b"<13>1 - h popchat-auth - - x m", "structured data"),
])
def test_it_explains_what_is_wrong(data: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError) as info:
        parse_envelope(data)
    assert reason in info.value.reason


@pytest.mark.parametrize("log_type", LOG_TYPES)
def test_it_names_every_log_type(log_type: str) -> None:
    by_app = Envelope(f"popchat-{log_type}", None, None, None, "")
    by_msgid = Envelope("popchat", log_type, None, None, "")
    assert log_type_for(by_app) == log_type_for(by_msgid) == log_type


@pytest.mark.parametrize(("app", "msgid"), [
    (None, None), ("sshd", None), ("popchat", None), ("popchat", "nope"), ("popchat-nope", None),
    ("popchat-", None), ("xpopchat-auth", None), ("popchat-auth-x", None),
])
def test_it_names_no_type_for_other_apps(app: str | None, msgid: str | None) -> None:
    assert log_type_for(Envelope(app, msgid, None, None, "")) is None
