"""Misbehaving servers on real sockets: every call ends by its deadline, reads no more
than the cap, and leaves the host's lane free."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.errors import FetchError, HostBlockedError, HostUnreachableError
from monitor.fetch import Fetcher, HttpSettings
from monitor.fetch.client import Cancelled
from monitor.fetch.hosts import host_key

PAGE = b"<html><head><title>ok</title></head><body><p>fine</p></body></html>"
DEADLINE = 0.4
MARGIN = 0.4

Route = Callable[[socket.socket, str, dict[str, str]], None]


class RawServer:
    """A server on 127.0.0.1 that hands each connection to the route for its path and
    can misbehave in ways http.server cannot (dripping, stalling, lying)."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.paths: list[str] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                path = head[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip()
                           for k, _, v in (line.partition(":") for line in head[1:])}
                self.paths.append(path)
                route = self.routes[path.split("?")[0]]
                route(conn, path, headers)
            except OSError:
                pass  # the client hung up: the usual end of a drip

    def drip(self, conn: socket.socket, pieces: Iterator[bytes], every: float) -> None:
        for piece in pieces:
            if self.stopped.wait(every):
                return
            conn.sendall(piece)

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def respond(conn: socket.socket, status: str, body: bytes = PAGE, **headers: str) -> None:
    lines = [f"HTTP/1.1 {status}", "Connection: close", f"Content-Length: {len(body)}",
             *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    if not any(k.lower() == "content_type" for k in headers):
        lines.append("Content-Type: text/html; charset=UTF-8")
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def forever(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


@pytest.fixture
def server() -> Iterator[RawServer]:
    routes: dict[str, Route] = {}
    srv = RawServer(routes)

    def header_drip(conn, path, headers):
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        srv.drip(conn, (f"X-Drip-{n}: 1\r\n".encode() for n in range(10**9)), 0.05)

    def body_drip(conn, path, headers):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                     b"Content-Length: 500000\r\n\r\n<html>")
        srv.drip(conn, forever(b"x"), 0.05)

    def silent(conn, path, headers):
        srv.stopped.wait(30)

    def redirect_fast(conn, path, headers):
        respond(conn, "302 Found", b"", Location=f"/redirect-fast?{len(srv.paths)}")

    def redirect_slow(conn, path, headers):
        srv.stopped.wait(0.15)
        respond(conn, "302 Found", b"", Location=f"/redirect-slow?{len(srv.paths)}")

    def redirect_endless_body(conn, path, headers):
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: /redirect-endless-body?"
                     f"{len(srv.paths)}\r\nContent-Length: 10000000000\r\n\r\n".encode())
        srv.drip(conn, forever(b"z" * 65536), 0)

    def gzip_bomb(conn, path, headers):
        respond(conn, "200 OK", BOMB, Content_Encoding="gzip")

    def too_long(conn, path, headers):
        respond(conn, "200 OK", b"<html>" + b"x" * 3000)

    def chunked_endless(conn, path, headers):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        srv.drip(conn, forever(b"1000\r\n" + b"y" * 4096 + b"\r\n"), 0)

    routes.update({
        "/ok": lambda conn, path, headers: respond(conn, "200 OK"),
        "/header-drip": header_drip, "/body-drip": body_drip, "/silent": silent,
        "/redirect-fast": redirect_fast, "/redirect-slow": redirect_slow,
        "/redirect-endless-body": redirect_endless_body, "/gzip-bomb": gzip_bomb,
        "/too-long": too_long, "/chunked-endless": chunked_endless,
    })
    yield srv
    srv.close()


def _bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    return b"".join([*(packer.compress(block) for _ in range(size >> 20)), packer.flush()])


BOMB = _bomb(32 << 20)  # 32 MB of zeros in 32 KB of gzip


def make(**overrides) -> Fetcher:
    options = dict(timeout=5, deadline=DEADLINE, min_interval=0, max_retries=2, backoff=0.05,
                   max_page_bytes=1 << 20)
    options.update(overrides)
    return Fetcher(HttpSettings(**options))


@pytest.mark.parametrize("path", ["/header-drip", "/body-drip", "/silent", "/redirect-slow"])
def test_a_stalling_server_ends_at_the_deadline_and_frees_the_lane(server, path):
    with make() as fetcher:
        began = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetcher.get_html(server.base_url + path)
        took = time.monotonic() - began
        assert caught.value.reason == "timeout", caught.value
        assert "deadline" in str(caught.value)
        assert DEADLINE - 0.05 <= took < DEADLINE + MARGIN
        host = host_key(server.base_url)
        assert not fetcher.pacer.lock(host).locked()
        began = time.monotonic()
        assert fetcher.get_html(server.base_url + "/ok").text.endswith("</html>")
        assert time.monotonic() - began < 0.3
        assert fetcher.host_states() == {}  # a slow answer is no block and no outage


def test_an_endless_redirect_chain_stops(server):
    with make(deadline=5) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get_html(server.base_url + "/redirect-fast")
    assert caught.value.reason == "too_many_redirects"
    assert len(server.paths) == 11  # the first request and ten redirects, no retries


def test_redirect_bodies_are_never_read(server):
    """httpx would read each redirect's whole (here endless) body before following."""
    with make(deadline=5) as fetcher, pytest.raises(FetchError) as caught:
        began = time.monotonic()
        fetcher.get_html(server.base_url + "/redirect-endless-body")
    assert caught.value.reason == "too_many_redirects"
    assert time.monotonic() - began < 2


def test_gzip_bomb_stops_at_the_cap_counting_decoded_bytes(server):
    tracemalloc.start()
    try:
        with make(deadline=5) as fetcher, pytest.raises(FetchError) as caught:
            fetcher.get_html(server.base_url + "/gzip-bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "too_large" and "1,048,576 bytes" in str(caught.value)
    assert peak < 8 << 20  # inflating it all would take 32 MB


@pytest.mark.parametrize("path", ["/too-long", "/chunked-endless"])
def test_a_body_over_the_cap_is_refused(server, path):
    with make(deadline=5, max_page_bytes=2048) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get_html(server.base_url + path)
    assert caught.value.reason == "too_large"


def test_cancel_cuts_off_a_read_in_flight(server):
    with make(deadline=30) as fetcher:
        caught: list[BaseException] = []

        def fetch() -> None:
            try:
                fetcher.get_html(server.base_url + "/silent")
            except BaseException as error:  # noqa: BLE001 (the test inspects it)
                caught.append(error)

        worker = threading.Thread(target=fetch)
        worker.start()
        time.sleep(0.2)
        began = time.monotonic()
        fetcher.cancel()
        worker.join(5)
        assert time.monotonic() - began < 0.5
        assert len(caught) == 1 and isinstance(caught[0], Cancelled)


def test_a_resolver_that_never_answers_ends_at_the_deadline(monkeypatch):
    real = socket.getaddrinfo

    def stuck(host, *args, **kwargs):
        if host == "registry.invalid":
            time.sleep(3)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    with make(max_retries=0) as fetcher:
        began = time.monotonic()
        with pytest.raises(HostUnreachableError) as caught:
            fetcher.get_html("http://registry.invalid/page")
        assert time.monotonic() - began < DEADLINE + MARGIN
        assert caught.value.host == "registry.invalid" and not caught.value.deferred


def test_refused_connections_make_the_host_unreachable_then_defer_at_once():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed on leaving: connecting is refused
    url = f"http://127.0.0.1:{port}/page"
    with make(max_retries=1) as fetcher:
        with pytest.raises(HostUnreachableError) as first:
            fetcher.get_html(url)
        assert first.value.reason == "unreachable" and first.value.attempts == 2
        began = time.monotonic()
        with pytest.raises(HostUnreachableError) as second:
            fetcher.get_html(url.replace("/page", "/other"))
        assert second.value.deferred and time.monotonic() - began < 0.05
        assert fetcher.host_states()[f"127.0.0.1:{port}"].kind == "unreachable"


def test_a_slow_host_never_delays_another(server):
    other = RawServer({"/ok": lambda conn, path, headers: respond(conn, "200 OK")})
    try:
        with make(deadline=0.5) as fetcher:
            stuck = threading.Thread(target=lambda: pytest.raises(
                FetchError, fetcher.get_html, server.base_url + "/silent"))
            stuck.start()
            time.sleep(0.1)
            began = time.monotonic()
            fetcher.get_html(other.base_url + "/ok")
            assert time.monotonic() - began < 0.3
            stuck.join()
    finally:
        other.close()


# --- downloads -------------------------------------------------------------------------

ARCHIVE = gzip.compress(b'{"trials": []}\n' * 1000)


@pytest.fixture
def files() -> Iterator[RawServer]:
    def archive(conn, path, headers):
        if headers.get("if-none-match") == '"v1"':
            conn.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nConnection: close\r\n\r\n')
            return
        # A classic misconfiguration: a .gz served with Content-Encoding: gzip.
        respond(conn, "200 OK", ARCHIVE, Content_Type="application/gzip",
                Content_Encoding="gzip", ETag='"v1"',
                Last_Modified="Wed, 01 Jan 2025 00:00:00 GMT")

    def blocked(conn, path, headers):
        respond(conn, "403 Forbidden", b"<html>Request blocked.</html>")

    def dripping(conn, path, headers):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        srv.drip(conn, forever(b"d"), 0.05)

    srv = RawServer({"/data.json.gz": archive, "/blocked.gz": blocked,
                     "/dripping.gz": dripping})
    yield srv
    srv.close()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_download_keeps_gzip_bytes_and_is_conditional(files, tmp_path):
    dest = tmp_path / "data.json.gz"
    with make(deadline=5) as fetcher:
        got = fetcher.download(files.base_url + "/data.json.gz", dest, max_bytes=1 << 20,
                               deadline=5)
        assert (got.status, got.etag, got.size) == (200, '"v1"', len(ARCHIVE))
        assert got.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
        assert dest.read_bytes() == ARCHIVE  # as served, not inflated
        again = fetcher.download(files.base_url + "/data.json.gz", dest, etag=got.etag,
                                 last_modified=got.last_modified, max_bytes=1 << 20,
                                 deadline=5)
    assert (again.status, again.path, again.size) == (304, dest, len(ARCHIVE))
    assert dest.read_bytes() == ARCHIVE and _leftovers(tmp_path) == []


def test_download_over_its_cap_leaves_the_old_file(files, tmp_path):
    dest = tmp_path / "data.json.gz"
    dest.write_bytes(b"previous")
    with make() as fetcher, pytest.raises(FetchError) as caught:
        fetcher.download(files.base_url + "/data.json.gz", dest, max_bytes=len(ARCHIVE) - 1,
                         deadline=5)
    assert caught.value.reason == "too_large"
    assert dest.read_bytes() == b"previous" and _leftovers(tmp_path) == []


def test_download_has_its_own_deadline(files, tmp_path):
    with make(deadline=30) as fetcher, pytest.raises(FetchError) as caught:
        began = time.monotonic()
        fetcher.download(files.base_url + "/dripping.gz", tmp_path / "x.gz",
                         max_bytes=1 << 30, deadline=DEADLINE)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - began < DEADLINE + MARGIN
    assert list(tmp_path.iterdir()) == []


def test_download_is_block_aware(files, tmp_path):
    with make() as fetcher:
        with pytest.raises(HostBlockedError):
            fetcher.download(files.base_url + "/blocked.gz", tmp_path / "x.gz",
                             max_bytes=1 << 20, deadline=5)
        with pytest.raises(HostBlockedError) as deferred:
            fetcher.download(files.base_url + "/data.json.gz", tmp_path / "y.gz",
                             max_bytes=1 << 20, deadline=5)
    assert deferred.value.deferred
    assert files.paths == ["/blocked.gz"] and list(tmp_path.iterdir()) == []
