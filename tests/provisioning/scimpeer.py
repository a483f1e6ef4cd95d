"""A real SCIM 2.0 peer for the provisioning tests: the scim2-server command
(in-memory, RFC 7643 schemas) on a free loopback port. One process serves the
whole session with --dynamic-tenants; each test gets its own tenant (its own
empty user and group store) under a fresh path, so tests do not share state
and do not pay the server's start-up each time."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import httpx2

from tests.conftest import Process, free_port, require_tool, wait_until

TOKEN = "scim-test-token-5b8f2c"
SCIM_SERVER = str(Path(sys.executable).with_name("scim2-server"))
_tenants = itertools.count(1)


class ScimProcess:
    """A running scim2-server process."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.proc = Process(
            [require_tool(SCIM_SERVER), "--port", str(self.port), "--bearer-token", TOKEN,
             "--dynamic-tenants"],
            {"PATH": str(Path(sys.executable).parent), "PYTHONUNBUFFERED": "1"},
            log_dir / "scim2-server.log",
        )
        wait_until(lambda: ScimTenant(self, "probe").answers(), timeout=60,
                   message="scim2-server did not start")

    def stop(self) -> None:
        self.proc.stop()


class ScimTenant:
    """One tenant of the server: the base URL a service is registered with,
    and direct reads for the tests' assertions."""

    def __init__(self, process: ScimProcess, name: str | None = None) -> None:
        self.process = process
        self.port = process.port
        self.tenant = name or f"t{next(_tenants)}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.tenant}"

    def answers(self) -> bool:
        try:
            return self.get("/ServiceProviderConfig").status_code == 200
        except httpx2.HTTPError:
            return False

    def get(self, path: str) -> httpx2.Response:
        return httpx2.get(self.url + path, timeout=5,
                          headers={"Authorization": f"Bearer {TOKEN}"})

    def post(self, path: str, payload: dict) -> httpx2.Response:
        return httpx2.post(self.url + path, json=payload, timeout=5,
                           headers={"Authorization": f"Bearer {TOKEN}"})

    def users(self) -> list[dict]:
        return self.get("/Users").json().get("Resources", [])

    def groups(self) -> list[dict]:
        return self.get("/Groups").json().get("Resources", [])

    def user_named(self, user_name: str) -> dict | None:
        return next((u for u in self.users() if u["userName"] == user_name), None)


def down_url() -> str:
    """A loopback URL nothing listens on: a service that is down."""
    return f"http://127.0.0.1:{free_port()}/scim/v2"


def register(account, url: str, *, name: str = "Directory", token: str = TOKEN, **kwargs):
    from provisioning.services import service_create

    return service_create(account=account, actor=None, name=name, base_url=url, token=token,
                          **kwargs)
