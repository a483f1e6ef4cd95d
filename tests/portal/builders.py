"""Builders for portal tests: log lines written through the real storage service."""
from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import REPO

WORKED = Path(
    __import__("os").environ.get("WORKED_MONTH_DIR", REPO.parent / "shared/examples/worked-month")
)


def store(log_type: str, *lines: str) -> None:
    """Store CSV lines through ingest.services.store_batch (the one write path)."""
    from ingest.services import store_batch

    result = store_batch(items=[[log_type, line, "test", "file", time.time(), None]
                                     for line in lines])
    assert result.quarantined == 0, f"{log_type} lines were quarantined"


def auth_line(gw: str, mac: str, start: str, *, port: str = "", method: str = "000",
              lang: str = "", country: str = "", openid: str = "", gender: str = "",
              age: str = "", device: str = "", os_: str = "", app: str = "") -> str:
    cols = [gw, port, "", "10.0.0.1", "", mac, start, start, method, "", "", "", lang, country,
            "", "", "", "", "", "", openid, gender, age, device, os_, app, "", ""]
    return ",".join(cols)


def active_line(gw: str, mac: str, start: str, end: str, status: str, secs: int,
                port: str = "") -> str:
    return ",".join([gw, port, "", "10.0.0.1", "", mac, start, end, status, str(secs), ""])


