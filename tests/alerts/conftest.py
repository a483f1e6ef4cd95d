"""Real peers of the alert tests: an SMTP server (aiosmtpd) and an HTTP
webhook receiver that checks the signature, both on loopback ports; eager
tasks and short back-off."""
from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's SMTP backend is pointed at it."""
    box = Mailbox()
    box.port = port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield box
    controller.stop()


class Receiver:
    """A webhook endpoint: answers with the scripted statuses in turn (then
    200) and records each body with whether its signature verified."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.script: list[int] = []
        self.calls: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body,
                                                hashlib.sha256).hexdigest()
                status = receiver.script.pop(0) if receiver.script else 200
                receiver.calls.append({
                    "payload": json.loads(body), "status": status,
                    "signed": hmac.compare_digest(
                        self.headers.get("X-Syslogcloud-Signature", ""), expected)})
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"boom" if status >= 500 else b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> list[dict]:
        return [c for c in self.calls if c["status"] < 300]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture(autouse=True)
def alert_settings(settings):
    """Loopback receivers are allowed; back-off is short so retries take ms."""
    settings.ALLOW_PRIVATE_OUTBOUND = True
    settings.ALERTS_WEBHOOK_BACKOFF_SECONDS = 0.05
    settings.ALERTS_WEBHOOK_TIMEOUT = 2.0
    settings.ALERTS_SMTP_TIMEOUT = 2.0


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Notices go out in-process, except in the tests that run the real worker."""
    from syslogcloud.celery import app

    if "celery_worker_process" in request.fixturenames:
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
