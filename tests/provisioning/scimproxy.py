"""A loopback HTTP proxy in front of the real scim2-server, to provoke what
a healthy server never does: 409 / 429 (+Retry-After) / 503 answers and
delays. Rules are set per test; requests no rule matches pass through."""
from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass
class Rule:
    """Answer `status` (or wait `delay` seconds, then pass through) for
    requests with this method whose path (under the tenant prefix) starts
    with `path` and whose body contains `body`, `times` times (None: always)."""

    method: str
    path: str
    status: int | None = None
    delay: float = 0.0
    body: str = ""
    times: int | None = None
    headers: dict | None = None
    scim_type: str | None = None
    detail: str = ""

    def matches(self, method: str, path: str, body: bytes) -> bool:
        return (
            (self.times is None or self.times > 0)
            and method == self.method
            and path.startswith(self.path)
            and self.body.encode() in body
        )


class ScimProxy:
    def __init__(self, upstream_port: int, prefix: str = "") -> None:
        self.upstream_port = upstream_port
        self.prefix = prefix
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str, int]] = []
        self.if_match: list[tuple[str, str, str]] = []  # (method, path, If-Match)
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.removeprefix(proxy.prefix)
                if self.headers.get("If-Match"):
                    proxy.if_match.append((self.command, path, self.headers["If-Match"]))
                rule = proxy._take(self.command, path, body)
                if rule and rule.delay:
                    time.sleep(rule.delay)
                try:
                    if rule and rule.status:
                        return self._answer(rule)
                    self._forward(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

            def _answer(self, rule: Rule) -> None:
                payload = json.dumps({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": str(rule.status),
                    **({"scimType": rule.scim_type} if rule.scim_type else {}),
                    "detail": rule.detail or f"proxy answered {rule.status}",
                }).encode()
                self.send_response(rule.status)
                self.send_header("Content-Type", "application/scim+json")
                for key, value in (rule.headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                proxy._log(self.command, self.path.removeprefix(proxy.prefix), rule.status)

            def _forward(self, body: bytes) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for key, value in resp.getheaders():
                    if key.lower() not in HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()
                proxy._log(self.command, self.path.removeprefix(proxy.prefix), resp.status)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _take(self, method: str, path: str, body: bytes) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path, body):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return None

    def _log(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.seen.append((method, path, status))

    def add(self, **kwargs) -> Rule:
        rule = Rule(**kwargs)
        with self.lock:
            self.rules.append(rule)
        return rule

    def start(self) -> ScimProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"
