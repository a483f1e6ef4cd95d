"""Properties of every log type, checked with Hypothesis.

- Any valid record survives serialize -> parse unchanged.
- Any accepted spelling of a record (JST or ISO timestamps, MAC case and
  separators, junk in unused columns, BOM, CRLF, extra quoting) parses to the
  same record and the same digest.
- No text at all makes `parse` raise anything but ParseError.
"""

import csv
import io
import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logformats import FORMATS, LOG_TYPES, ParseError, parse, record_digest, serialize
from logformats.active import ActiveRecord
from logformats.activeuser import ActiveUserRecord
from logformats.auth import AuthRecord
from logformats.control import ControlRecord
from logformats.dhcp import DHCP_MESSAGE_TYPES, DhcpRecord
from logformats.mail import MailRecord
from logformats.session import SessionRecord
from logformats.traffic import TrafficRecord

# What a gateway ID may hold (SPEC §9).
gateway_ids = st.from_regex(r"\A[A-Za-z0-9._-]{1,64}\Z")
# Any text PostgreSQL can store (no NUL), commas, quotes and line breaks included.
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=255)
codes = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=16)
# Every whole second whose JST date is still a datetime (years 1-9999).
timestamps = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 14, 59, 59),
    timezones=st.just(UTC),
).map(lambda dt: dt.replace(microsecond=0))
macs = st.binary(min_size=6, max_size=6).map(lambda b: b.hex(":"))
ips = st.ip_addresses().map(str)
counts = st.integers(min_value=0, max_value=2**63 - 1)

RECORDS = {
    "auth": st.builds(
        AuthRecord,
        gateway_id=gateway_ids, port=texts, port_label=texts, ip=st.none() | ips, mac=macs,
        start=timestamps, end=st.none() | timestamps, auth_method=codes, access_id=texts,
        area_code=texts, postal_code=texts, language=texts, country=texts,
        charge=st.none() | counts, auth_domain_id=texts, openid_provider=texts, gender=texts,
        age_band=texts, device_type=texts, device_os=texts, device_app=texts,
    ),
    "active": st.builds(
        ActiveRecord,
        gateway_id=gateway_ids, port=texts, port_label=texts, ip=st.none() | ips, mac=macs,
        start=timestamps, end=st.none() | timestamps,
        status=st.text("0123456789", min_size=2, max_size=2), usage_seconds=counts,
    ),
    "control": st.builds(
        ControlRecord,
        at=timestamps, kind=codes, mac=st.just("") | macs, ip=st.none() | ips, value=texts,
        gateway_id=gateway_ids,
    ),
    "dhcp": st.builds(
        DhcpRecord,
        at=timestamps, message_type=st.sampled_from(sorted(DHCP_MESSAGE_TYPES)),
        mac=st.just("") | macs, ip=st.none() | ips, gateway_id=gateway_ids,
    ),
    "session": st.builds(SessionRecord, at=timestamps, gateway_id=gateway_ids, sessions=counts),
    "traffic": st.builds(
        TrafficRecord, at=timestamps, gateway_id=gateway_ids, rx_bps=counts, tx_bps=counts
    ),
    "mail": st.builds(
        MailRecord,
        at=timestamps, kind=codes, ip=st.none() | ips, mail_from=texts, mail_to=texts,
        smtp_status=texts, gateway_id=gateway_ids,
    ),
    "activeuser": st.builds(ActiveUserRecord, at=timestamps, gateway_id=gateway_ids, users=counts),
}
assert set(RECORDS) == set(LOG_TYPES)

# No deadline: CI machines are shared and a slow example is not a failure here.
FAST = settings(
    max_examples=int(os.environ.get("LOGFORMATS_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_every_record_survives_a_round_trip(log_type, data):
    record = data.draw(RECORDS[log_type])
    line = serialize(log_type, record)
    assert parse(log_type, line) == record
    assert serialize(log_type, parse(log_type, line)) == line


def _write_row(cols: list[str], quote_all: bool) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
               lineterminator="\r\n").writerow(cols)
    return buf.getvalue()[:-2]


def _respell_timestamp(text: str, draw) -> str:
    if not text:
        return text
    how = draw(st.sampled_from(["slash", "dash", "iso"]))
    if how == "slash":
        return text
    if how == "dash":
        return text.replace("/", "-", 2)
    dt = datetime.fromisoformat(text.replace("/", "-", 2) + "+09:00")
    offset = timezone(timedelta(minutes=draw(st.integers(-12 * 60, 14 * 60))))
    try:
        return dt.astimezone(offset).isoformat()
    except OverflowError:  # the instant has no date in that zone
        return text


def _respell_mac(text: str, draw) -> str:
    if not text:
        return text
    hexes = text.replace(":", "")
    hexes = draw(st.sampled_from([hexes, hexes.upper()]))
    return draw(st.sampled_from([
        ":".join(hexes[i:i + 2] for i in range(0, 12, 2)),
        "-".join(hexes[i:i + 2] for i in range(0, 12, 2)),
        ".".join(hexes[i:i + 4] for i in range(0, 12, 4)),
        hexes,
    ]))


def respelled_line(log_type: str, record, draw) -> str:
    """Another spelling of the record's line that every reader must take as the
    same record: timestamps and MACs respelled, junk in unused columns,
    quoting, a BOM and line ends."""
    cols = next(csv.reader([serialize(log_type, record)], strict=True))
    for i, header in enumerate(FORMATS[log_type].columns):
        if header in ("start time", "end time", "time"):
            cols[i] = _respell_timestamp(cols[i], draw)
        elif header == "MAC address":
            cols[i] = _respell_mac(cols[i], draw)
        elif header == "(unused)":
            cols[i] = draw(st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                                   max_size=20))
    line = _write_row(cols, quote_all=draw(st.booleans()))
    return (draw(st.sampled_from(["", "\ufeff"])) + line
            + draw(st.sampled_from(["", "\n", "\r\n"])))


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_every_accepted_spelling_is_the_same_record(log_type, data):
    draw = data.draw
    record = draw(RECORDS[log_type])
    respelled = parse(log_type, respelled_line(log_type, record, draw))
    assert respelled == record
    assert record_digest(log_type, respelled) == record_digest(log_type, record)


def _only_parse_errors(log_type: str, line: str) -> None:
    try:
        parse(log_type, line)
    except ParseError:
        pass


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(line=st.text())
def test_no_text_raises_anything_but_parse_error(log_type, line):
    _only_parse_errors(log_type, line)


# Text shaped like the values the columns expect, to get past the first checks.
near_values = st.one_of(
    st.text(max_size=30),
    st.text("0123456789", max_size=25),
    st.from_regex(r"\A-?[0-9]{1,22}\Z"),
    st.from_regex(r"\A[0-9]{4}[/-][0-9]{2}[/-][0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"
                  r"(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?\Z"),
    st.from_regex(r"\A[0-9a-fA-F:.\-]{10,20}\Z"),
    st.from_regex(r"\A[0-9.:a-f%]{2,40}\Z"),
    st.sampled_from(["", " ", '"', '""', "\ufeff", "\r", "\n", "\x00", "\udcff", ",", "dhcpack",
                     "0001/01/01 00:00:00", "9999/12/31 23:59:59", "9999-12-31T23:59:59-14:00",
                     "0001-01-01T00:00:00+14:00", "9" * 5000, "0" * 5000]),
)


def near_valid_columns(log_type: str, draw) -> list[str]:
    """The columns of a record's line with one to three of them replaced by
    near-valid values: lines a parser must refuse cleanly, or read right."""
    cols = next(csv.reader([serialize(log_type, draw(RECORDS[log_type]))], strict=True))
    for _ in range(draw(st.integers(1, 3))):
        cols[draw(st.integers(0, len(cols) - 1))] = draw(near_values)
    return cols


@pytest.mark.parametrize("log_type", LOG_TYPES)
@FAST
@given(data=st.data())
def test_no_near_valid_line_raises_anything_but_parse_error(log_type, data):
    draw = data.draw
    cols = near_valid_columns(log_type, draw)
    if draw(st.booleans()):
        del cols[draw(st.integers(0, len(cols) - 1))]
    line = _write_row(cols, quote_all=False) if draw(st.booleans()) else ",".join(cols)
    _only_parse_errors(log_type, line)
