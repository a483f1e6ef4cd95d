"""Log lines for terminal lookup tests, stored through the real storage service."""
from __future__ import annotations

from tests.portal.builders import store


def auth(gw: str, ip: str, mac: str, start: str, end: str, *, port: str = "10",
         port_label: str = "Lobby AP", method: str = "103") -> str:
    cols = [gw, port, port_label, ip, "", mac, start, end, method, "", "", "", "ja", "JP",
            "", "", "", "", "", "", "", "1", "2", "iPhone", "iOS 17.5", "Safari", "", ""]
    return ",".join(cols)


def active(gw: str, ip: str, mac: str, start: str, end: str, *, status: str = "01",
           secs: int = 1800, port: str = "10", port_label: str = "Lobby AP") -> str:
    return ",".join([gw, port, port_label, ip, "", mac, start, end, status, str(secs), ""])


def dhcp(gw: str, at: str, ip: str, mac: str, message_type: str = "DHCPACK") -> str:
    return ",".join([at, message_type, mac, ip, gw])


def control(gw: str, at: str, ip: str, mac: str, kind: str = "1", value: str = "50") -> str:
    return ",".join([at, kind, mac, ip, value, gw])


def store_all(**lines: list[str]) -> None:
    for log_type, items in lines.items():
        if items:
            store(log_type, *items)
