"""A hard deadline on one exchange, enforced at every socket operation.

httpx's timeouts bound each phase separately: a server that sends a header line every
0.3 s, or one body byte at a time, never trips any of them and holds the call (and the
host's lane) for ever. So the socket layer itself asks how much time the current call
has left: the DNS lookup, every connect, TLS handshake, read and write gets at most
that long, and fails at once when none is left. The call's limit travels in a context
variable (the I/O runs on the calling thread), so one shared connection pool serves
calls with different deadlines, and a pooled connection obeys whichever call uses it.

Installing the backend reaches into two private attributes (httpx's transport pool and
httpcore's ``_network_backend``), because httpx offers no public hook for it; the pins
in pyproject keep them stable, and ``install_deadline`` reports how many pools it
reached so a test fails loudly if an upgrade moves them.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpcore
import httpx

_current: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "ctr_monitor_exchange", default=None)


class Exchange:
    """One call's time limit and cancel flag, and the sockets working for it (so that
    cancelling can cut them off mid-read)."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic,
                 cancel: threading.Event | None = None) -> None:
        self.seconds = seconds
        self.clock = clock
        self.ends_at = clock() + seconds
        self.cancel = cancel or threading.Event()
        self._streams: weakref.WeakSet[DeadlineStream] = weakref.WeakSet()
        self._guard = threading.Lock()

    def remaining(self) -> float:
        return self.ends_at - self.clock()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def limit(self, timeout: float | None, error: type[Exception], what: str) -> float:
        """The timeout for one socket operation: the phase's own, cut to what is left."""
        if self.cancel.is_set():
            raise error(f"{what}: cancelled")
        left = self.remaining()
        if left <= 0:
            raise error(f"{what}: no complete answer within the {self.seconds:g} s deadline")
        return left if timeout is None else min(timeout, left)

    def attach(self, stream: DeadlineStream) -> None:
        with self._guard:
            self._streams.add(stream)

    def abort(self) -> None:
        """Shut down every socket this call uses: a blocked read returns at once."""
        with self._guard:
            streams = list(self._streams)
        for stream in streams:
            stream.shutdown()


def current() -> Exchange | None:
    return _current.get()


@contextmanager
def bounded(exchange: Exchange) -> Iterator[Exchange]:
    """Run the enclosed I/O under ``exchange``'s deadline."""
    token = _current.set(exchange)
    try:
        yield exchange
    finally:
        _current.reset(token)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation respects the current call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def _limit(self, timeout: float | None, error: type[Exception], what: str) -> float | None:
        exchange = _current.get()
        if exchange is None:
            return timeout
        exchange.attach(self)
        return exchange.limit(timeout, error, what)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._limit(timeout, httpcore.ReadTimeout, "read"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._limit(timeout, httpcore.WriteTimeout, "write"))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # CPython bounds the whole handshake by the socket timeout, not each record.
        limit = self._limit(timeout, httpcore.ConnectTimeout, "TLS handshake")
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, limit))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def shutdown(self) -> None:
        sock = self._inner.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            # The plain socket's shutdown, even on an SSL socket: it only wakes the
            # reader, and leaves the SSL object alone for the thread using it.
            with suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with name resolution and connects bounded by the
    current call's deadline, and streams that keep obeying it."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        exchange = _current.get()
        if exchange is None:
            return DeadlineStream(self._inner.connect_tcp(host, port, timeout, local_address,
                                                          socket_options))
        last: Exception | None = None
        for address in _resolve(host, port, exchange):
            limit = exchange.limit(timeout, httpcore.ConnectTimeout, f"connect to {host}")
            try:
                stream = self._inner.connect_tcp(address, port, limit, local_address,
                                                 socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last = error  # the next address, while time remains
                continue
            return DeadlineStream(stream)
        raise last or httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _resolve(host: str, port: int, exchange: Exchange) -> list[str]:
    """The host's addresses, looked up on a helper thread so that a resolver that never
    answers (a firewall dropping DNS) cannot outlast the deadline."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    found: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            found["error"] = error
        finally:
            done.set()

    threading.Thread(target=lookup, name=f"resolve {host}", daemon=True).start()
    while not done.wait(max(0.0, min(0.25, exchange.remaining()))):
        exchange.limit(None, httpcore.ConnectTimeout, f"resolving {host}")
    if "error" in found:
        raise httpcore.ConnectError(f"cannot resolve {host}: {found['error']}")
    addresses: list[str] = []
    for *_, sockaddr in found["infos"]:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


def _bound_pool(transport: object) -> bool:
    """Give ``transport``'s connection pool a DeadlineBackend; False if it has none."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, DeadlineBackend):
        return True
    if not isinstance(backend, httpcore.NetworkBackend):
        return False
    pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return True


def install_deadline(client: httpx.Client) -> int:
    """Put a DeadlineBackend under every connection pool ``client`` owns (its own
    transport and any proxy mounts from the environment); how many it reached."""
    transports = [client._transport, *client._mounts.values()]
    return sum(_bound_pool(transport) for transport in transports)


def deadline_transport() -> httpx.HTTPTransport:
    """A plain httpx transport whose connections obey the current call's deadline."""
    transport = httpx.HTTPTransport()
    if not _bound_pool(transport):
        raise RuntimeError("httpx's transport has no network backend to bound: "
                           "check the httpx/httpcore pins")
    return transport
