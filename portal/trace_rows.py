"""What the terminal lookup screen and its CSV show: one flat row per
session, lease or record, with labels in the user's language. The screen's
tables and the CSV are built from the same rows, so they always agree."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from audit.search import csv_time
from logformats.codes import label

from .labels import LOG_TYPE_NAMES
from .trace import MAC_TYPES, IpTrace, Lease, MacRecord, Session

TYPE_NAMES = {t: LOG_TYPE_NAMES[t] for t in MAC_TYPES}


class TraceRow(NamedTuple):
    """One line of the result tables (and of the CSV)."""

    section: str  # "session", "lease" or "record"
    type_name: str
    time: datetime  # start for auth/active
    end: datetime | None
    duration: str  # H:MM:SS of [start, end]; "" without an end
    gateway: str
    gateway_label: str
    port: str
    port_label: str
    mac: str
    ip: str
    detail: str  # auth method, status and usage, control kind, DHCP type


def duration_text(seconds: int | float | None) -> str:
    """1:05:09 for 3909 seconds; "" for an unknown duration."""
    if seconds is None or seconds < 0:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _span(start: datetime, end: datetime | None) -> str:
    return duration_text((end - start) / timedelta(seconds=1)) if end else ""


def _session_detail(log_type: str, auth_method: str, status: str, usage: int | None,
                    lang: str) -> str:
    if log_type == "auth":
        return label("auth_method", auth_method, lang)
    return _("%(status)s, used %(usage)s") % {
        "status": label("active_status", status, lang), "usage": duration_text(usage)}


def session_row(s: Session, lang: str) -> TraceRow:
    return TraceRow("session", str(TYPE_NAMES[s.type]), s.start, s.end, _span(s.start, s.end),
                    s.gateway.gateway_id, s.gateway.label, s.port, s.port_label, s.mac, s.ip,
                    _session_detail(s.type, s.auth_method, s.status, s.usage_seconds, lang))


def lease_row(lease: Lease) -> TraceRow:
    return TraceRow("lease", str(TYPE_NAMES["dhcp"]), lease.time, None, "",
                    lease.gateway.gateway_id, lease.gateway.label, "", "", lease.mac, lease.ip,
                    "DHCPACK")


def record_row(r: MacRecord, lang: str) -> TraceRow:
    f = r.fields
    if r.type in ("auth", "active"):
        detail = _session_detail(r.type, f.get("auth_method", ""), f.get("status", ""),
                                 f.get("usage_seconds"), lang)
        return TraceRow("record", str(TYPE_NAMES[r.type]), r.time, f["end"],
                        _span(r.time, f["end"]), r.gateway.gateway_id, r.gateway.label,
                        f["port"], f["port_label"], f["mac"], r.ip, detail)
    if r.type == "control":
        detail = label("control_kind", f["kind"], lang)
        if f["value"]:
            detail = f"{detail} ({f['value']})"
    else:
        detail = f["message_type"]
    return TraceRow("record", str(TYPE_NAMES[r.type]), r.time, None, "", r.gateway.gateway_id,
                    r.gateway.label, "", "", f["mac"], r.ip, detail)


def ip_rows(result: IpTrace) -> tuple[list[TraceRow], list[TraceRow]]:
    lang = get_language() or "ja"
    return ([session_row(s, lang) for s in result.sessions],
            [lease_row(le) for le in result.leases])


def mac_rows(records: list[MacRecord]) -> list[TraceRow]:
    lang = get_language() or "ja"
    return [record_row(r, lang) for r in records]


SECTION_NAMES = {
    "session": gettext_lazy("Session"),
    "lease": gettext_lazy("DHCP lease"),
    "record": gettext_lazy("Record"),
}


def csv_header() -> list[str]:
    return [_("Section"), _("Log type"), _("Date and time (start)"), _("End"), _("Duration"),
            _("Gateway ID"), _("Gateway label"), _("Port"), _("Port label"), _("MAC address"),
            _("IP address"), _("Detail")]


def csv_rows(rows: Iterable[TraceRow]) -> Iterable[list[object]]:
    """The CSV's values; the caller makes every cell formula-safe."""
    for r in rows:
        yield [str(SECTION_NAMES[r.section]), r.type_name, csv_time(r.time),
               csv_time(r.end) if r.end else "", r.duration, r.gateway, r.gateway_label,
               r.port, r.port_label, r.mac, r.ip, r.detail]
