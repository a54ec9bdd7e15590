"""Real servers on 127.0.0.1 for tests: a registry stand-in, a webhook receiver, SMTP."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import CASSETTES

from monitor.fetch import load_cassette


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RegistryServer(_Server):
    """Serves cassette pages at their real paths (UMIN-CTR and jRCT alike)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RegistryHandler)
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, str]] = []

    def load(self, cassette: str) -> None:
        for item in load_cassette(CASSETTES / cassette):
            path = "/" + item.url.split("/", 3)[3]
            self.pages[path] = (item.status, item.headers, item.body)

    def set(self, path: str, status: int, body: bytes = b"",
            headers: dict[str, str] | None = None) -> None:
        self.pages[path] = (status, headers or {"content-type": "text/html"}, body)


class _RegistryHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server: RegistryServer = self.server  # type: ignore[assignment]
        server.requests.append((self.path, self.headers.get("User-Agent", "")))
        status, headers, body = server.pages.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self):
        return json.loads(self.body)


class WebhookReceiver(_Server):
    """Records every POST; answers with the queued statuses, then 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.statuses: list[int] = []
        self.received: list[Received] = []

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        server: WebhookReceiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = server.statuses.pop(0) if server.statuses else 200
        server.received.append(Received(self.path, dict(self.headers.items()), body, status))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(server: _Server) -> Iterator[_Server]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that accepts one login and keeps every message."""

    username: str
    password: str
    port: int = 0
    messages: list = field(default_factory=list)
    logins: list = field(default_factory=list)


@contextmanager
def smtp_server(username: str, password: str) -> Iterator[SmtpSink]:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    sink = SmtpSink(username, password, port=free_port())  # aiosmtpd refuses port 0

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == username
              and auth_data.password.decode() == password)
        sink.logins.append(ok)
        return AuthResult(success=ok)

    controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port,
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
