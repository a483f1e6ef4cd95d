"""Helpers for the login-method tests: the login history as the API serves it."""
from datetime import datetime

import pytest

from audit.search import JST


def api_rows(client, kind: str = "login") -> list[dict]:
    """Today's rows of /api/v1/history/<kind>, newest first, as a script sees them."""
    today = datetime.now(JST).date().isoformat()
    response = client.get(f"/api/v1/history/{kind}", {"from": today, "to": today})
    assert response.status_code == 200, response.content
    return response.json()["rows"]


@pytest.fixture(scope="module")
def proxy(live_server, tmp_path_factory):
    """nginx on loopback in front of the live server, TLS with optional
    client certificates (tests/loginmethods/tlsproxy.py); its https URL."""
    from tests.loginmethods.tlsproxy import nginx_proxy

    port = int(live_server.url.rsplit(":", 1)[1])
    with nginx_proxy(tmp_path_factory.mktemp("nginx"), port) as url:
        yield url


@pytest.fixture
def alice_reader(alice):
    """A separate client signed in as account A's admin (alice), for reading
    histories and reviewing applications beside the user's own client."""
    from django.test import Client

    c = Client()
    c.force_login(alice)
    return c


from tests.accounts.conftest import totp_for  # noqa: E402,F401  (shared fixture)
