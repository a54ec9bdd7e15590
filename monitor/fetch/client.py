"""The one place that talks HTTP: a shared, polite, bounded, retrying httpx client.

The registries are small public services and one sits behind a firewall that blocks
eager clients, so politeness is the default: one request at a time per host, each host
at its own pace (retries included), a User-Agent naming the product and a contact,
backing off on 429/5xx with ``Retry-After`` honoured, and a block or outage pausing the
whole host instead of being retried. Every call ends by its deadline and reads at most
``max_page_bytes``, whatever the server does. The transport is injectable: tests and
``--replay`` swap it for recorded responses, ``--record`` wraps the real one.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from monitor.errors import (
    Cancelled,
    FetchError,
    HostBlockedError,
    HostUnreachableError,
    NotFoundError,
)
from monitor.fetch.body import ACCEPT_ENCODING, raw_chunks, read_decoded, too_large
from monitor.fetch.cassette import CassetteError
from monitor.fetch.deadline import Exchange, bounded, install_deadline
from monitor.fetch.decode import decode_html
from monitor.fetch.hosts import HostEvent, HostGate, HostState, host_key, utc
from monitor.fetch.markup import check_markup
from monitor.fetch.pacing import HostPacer
from monitor.fetch.refusals import BLOCK_PAGE_MAX, block_marker, retry_after_seconds
from monitor.fetch.settings import DEFAULT_USER_AGENT, HttpSettings

__all__ = ["DEFAULT_USER_AGENT", "Cancelled", "Download", "Fetcher", "HostPacer",
           "HttpSettings", "Page", "retry_after_seconds"]

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 10
T = TypeVar("T")


@dataclass
class Page:
    """A fetched page: the final URL, status, decoded bytes, text, and timing."""

    url: str
    status_code: int
    content: bytes
    content_type: str
    text: str
    elapsed_ms: int
    attempts: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Download:
    """A conditional download: 200 (``path`` replaced) or 304 (``path`` untouched)."""

    status: int
    etag: str | None
    last_modified: str | None
    path: Path
    size: int


@dataclass
class _Answer:
    """What one attempt got: status, headers and a body small or capped enough to hold."""

    status: int
    phrase: str
    headers: httpx.Headers
    url: str
    body: bytes = b""
    size: int = 0


class _RetryableStatus(Exception):
    def __init__(self, answer: _Answer) -> None:
        super().__init__(f"HTTP {answer.status}")
        self.answer = answer


class _Blocked(Exception):
    def __init__(self, answer: _Answer, reason: str, pause: float) -> None:
        super().__init__(reason)
        self.answer, self.reason, self.pause = answer, reason, pause


class _OutOfTime(stop_base):
    """Stop when the wait before the next attempt would reach the deadline."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.exchange.remaining() <= retry_state.upcoming_sleep


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' if count != 1 else ''}"


def _is_retryable(error: BaseException) -> bool:
    if isinstance(error, httpx.ConnectError) and "cannot resolve" in str(error):
        return False  # the resolver has answered: no such name here (no network, a typo)
    return isinstance(error, (_RetryableStatus, httpx.TimeoutException, httpx.TransportError))


def _is_connect_failure(error: BaseException) -> bool:
    return isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))


class Fetcher:
    """Fetch registry pages politely; raise FetchError with a one-line reason."""

    def __init__(self, settings: HttpSettings | None = None, *,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time,
                 host_intervals: Mapping[str, float] | None = None,
                 on_host_event: Callable[[HostEvent], None] | None = None) -> None:
        self.settings = settings or HttpSettings()
        self.cancel_event = threading.Event()
        # Sleeps (pacing, backoff) wake as soon as the fetcher is cancelled.
        self._sleep = sleep or self._interruptible_sleep
        self._clock = clock
        self.pacer = HostPacer(self.settings.min_interval, clock=clock, sleep=self._sleep,
                               intervals=host_intervals)
        self.gate = HostGate(block_cooldown=self.settings.block_cooldown,
                             unreachable_cooldown=self.settings.unreachable_cooldown,
                             max_cooldown=self.settings.max_cooldown, clock=wall_clock,
                             on_event=on_host_event)
        self.requests_made = 0
        self._count_guard = threading.Lock()
        self._exchanges: set[Exchange] = set()
        self.client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent,
                     "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                     "Accept-Language": "ja,en;q=0.8",
                     "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(self.settings.timeout),
            transport=transport,
        )
        if transport is None and not install_deadline(self.client):
            raise RuntimeError("cannot bound httpx's connections by a deadline: "
                               "check the httpx/httpcore pins")

    def close(self) -> None:
        self.client.close()

    def cancel(self) -> None:
        """Stop: no new request starts, sleeps end now, reads in flight are cut off, and
        the check in flight is dropped (Cancelled)."""
        self.cancel_event.set()
        for exchange in list(self._exchanges):
            exchange.abort()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- hosts ---------------------------------------------------------------------------

    def set_host_interval(self, host: str, seconds: float | None) -> None:
        """Change a host's minimum interval now (None: back to ``min_interval``)."""
        self.pacer.set_interval(host, seconds)

    def host_states(self) -> dict[str, HostState]:
        """Hosts in a block or outage episode, by host name."""
        return self.gate.states()

    def restore_host_states(self, states: Iterable[HostState]) -> None:
        """Respect episodes another process saw (stored by the core)."""
        self.gate.restore(states)

    # --- requests ------------------------------------------------------------------------

    def get_html(self, url: str) -> Page:
        """GET ``url`` and decode it as an HTML page.

        Retries timeouts, connection faults, 429 and 5xx with exponential backoff and
        jitter (or the server's short ``Retry-After``); any other 4xx is final. A block
        or an outage pauses the host (HostBlockedError / HostUnreachableError). Ends by
        ``settings.deadline`` counted from the first attempt. A FetchError carries how
        many attempts were made.
        """
        started = self._clock()
        limit = self.settings.max_page_bytes

        def read(response: httpx.Response, exchange: Exchange) -> _Answer:
            body = read_decoded(response, limit, url, check=self._checker(exchange, url))
            return _Answer(response.status_code, response.reason_phrase, response.headers,
                           str(response.url), body, len(body))

        answer, attempts = self._call(url, read, deadline=self.settings.deadline)
        try:
            if answer.status >= 400:
                raise self._status_error(url, answer, attempts)
            content_type = answer.headers.get("content-type", "")
            text = decode_html(answer.body, content_type, answer.url)
            check_markup(text, answer.url)
        except FetchError as error:
            error.attempts = error.attempts or attempts
            raise
        return Page(
            url=answer.url, status_code=answer.status, content=answer.body,
            content_type=content_type, text=text,
            elapsed_ms=int((self._clock() - started) * 1000), attempts=attempts,
            headers=dict(answer.headers),
        )

    def download(self, url: str, dest: Path, *, etag: str | None = None,
                 last_modified: str | None = None, max_bytes: int,
                 deadline: float) -> Download:
        """A conditional GET of bulk data, streamed to a temporary file beside ``dest``
        and renamed over it only when complete: never held in memory, never half
        written. The bytes are stored exactly as served (a ``.gz`` stays gzip). Paced,
        retried and block-aware like any request to its host; ``deadline`` bounds the
        whole call and ``max_bytes`` the file (FetchError ``too_large``)."""
        dest = Path(dest)
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        parts: list[Path] = []

        def read(response: httpx.Response, exchange: Exchange) -> _Answer:
            answer = _Answer(response.status_code, response.reason_phrase, response.headers,
                             str(response.url))
            if response.status_code != 200:  # an error page or a 304: small, in memory
                answer.body = read_decoded(response, BLOCK_PAGE_MAX * 4, url,
                                           check=self._checker(exchange, url))
                return answer
            check = self._checker(exchange, url)
            try:
                with tempfile.NamedTemporaryFile(dir=dest.parent, prefix=f".{dest.name}.",
                                                 suffix=".part", delete=False) as out:
                    parts.append(Path(out.name))
                    for chunk in raw_chunks(response):
                        check()
                        answer.size += len(chunk)
                        if answer.size > max_bytes:
                            raise too_large(url, max_bytes)
                        out.write(chunk)
                if answer.size <= BLOCK_PAGE_MAX:
                    answer.body = parts[-1].read_bytes()
            except OSError as error:
                raise FetchError(f"cannot write the download of {url} beside {dest}: "
                                 f"{error.strerror or error}", reason="local_io") from None
            return answer

        try:
            answer, attempts = self._call(url, read, deadline=deadline, headers=headers)
            if answer.status == 304:
                size = dest.stat().st_size if dest.exists() else 0
                return Download(304, answer.headers.get("etag", etag),
                                answer.headers.get("last-modified", last_modified), dest, size)
            if answer.status != 200:
                raise self._status_error(url, answer, attempts)
            parts[-1].replace(dest)
            return Download(200, answer.headers.get("etag"), answer.headers.get("last-modified"),
                            dest, answer.size)
        finally:
            for part in parts:
                part.unlink(missing_ok=True)

    # --- the exchange --------------------------------------------------------------------

    def _call(self, url: str, read: Callable[[httpx.Response, Exchange], _Answer], *,
              deadline: float, headers: Mapping[str, str] | None = None
              ) -> tuple[_Answer, int]:
        """Wait for the host's lane and turn, then attempt the request until it succeeds,
        fails for good, or the deadline passes. Returns the answer and attempt count."""
        host = host_key(url)
        self._raise_if_cancelled(url)
        self.gate.check(host)
        with self._lane(host, url):
            probe = self.gate.admit(host)
            try:
                self.pacer.wait_turn(host)  # our own politeness: not counted in the deadline
                self._raise_if_cancelled(url)
                exchange = Exchange(deadline, clock=self._clock, cancel=self.cancel_event)
                with self._tracked(exchange):
                    return self._attempts(url, host, read, exchange, headers, probe)
            finally:
                if probe:
                    self.gate.release(host)

    def _attempts(self, url: str, host: str,
                  read: Callable[[httpx.Response, Exchange], _Answer], exchange: Exchange,
                  headers: Mapping[str, str] | None, probe: bool) -> tuple[_Answer, int]:
        attempts = 0
        answered = False

        def attempt() -> _Answer:
            nonlocal attempts, answered
            attempts += 1
            answered = False
            if attempts > 1:
                self.pacer.wait_turn(host)
            self._raise_if_cancelled(url)
            exchange.limit(None, httpx.ReadTimeout, url)
            began = self.pacer.now()
            try:
                with bounded(exchange), self._response(url, headers) as response:
                    answered = True
                    answer = read(response, exchange)
            except BaseException:
                self._count()
                self.pacer.done(host, started=began)
                raise
            self._count()
            verdict, pause, reason = self._verdict(answer)
            self.pacer.done(host, pause if verdict == "retry" else 0.0,
                            refused=answer.status in RETRYABLE_STATUS, started=began)
            if verdict == "block":
                raise _Blocked(answer, reason, pause)
            if verdict == "retry":
                raise _RetryableStatus(answer)
            return answer

        retrying = Retrying(
            stop=stop_any(stop_after_attempt(1 if probe else self.settings.max_retries + 1),
                          _OutOfTime(exchange)),
            retry=retry_if_exception(_is_retryable),
            wait=self._waiter(host),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            answer = retrying(attempt)
            self._raise_if_cancelled(url)
        except Cancelled:
            raise
        except _Blocked as blocked:
            state = self.gate.blocked(host, blocked.reason, at_least=blocked.pause)
            raise HostBlockedError(
                f"{host} is refusing us ({blocked.reason}) at {url}; paused until "
                f"{utc(state.until)}: raise this host's interval if it persists",
                host=host, until=state.until, status_code=blocked.answer.status,
                attempts=attempts) from None
        except Exception as error:
            self._raise_if_cancelled(url)
            if _is_connect_failure(error):
                state = self.gate.unreachable(host, _short(error))
                raise HostUnreachableError(
                    f"cannot reach {host} ({_short(error)}) after {_attempts(attempts)}: check "
                    f"the network or the registry's base_url; next try after "
                    f"{utc(state.until)}", host=host, until=state.until,
                    attempts=attempts) from None
            if answered or isinstance(error, (_RetryableStatus, httpx.TooManyRedirects)):
                self.gate.answered(host)
            else:
                self.gate.inconclusive(host)
            raise self._final_error(url, error, attempts, exchange) from None
        self.gate.answered(host)
        return answer, attempts

    @contextmanager
    def _response(self, url: str, headers: Mapping[str, str] | None
                  ) -> Iterator[httpx.Response]:
        """The final response after redirects, its body unread. Redirects are followed
        here, not by httpx, because httpx reads each redirect's whole body into memory
        (decoded, uncapped) before following it."""
        request = self.client.build_request("GET", url, headers=headers)
        for _ in range(MAX_REDIRECTS + 1):
            response = self.client.send(request, stream=True, follow_redirects=False)
            if response.next_request is None:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()  # unread: the connection is dropped, never drained
            request = response.next_request
        raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=request)

    def _verdict(self, answer: _Answer) -> tuple[str, float, str]:
        """("ok" | "retry" | "block", pause asked for, why) for one answer."""
        code = answer.status
        marker = block_marker(answer.body)
        if marker is not None:
            return "block", 0.0, f"HTTP {code}, a block page: {marker!r}"
        if code == 403:
            return "block", 0.0, "HTTP 403 Forbidden"
        if code not in RETRYABLE_STATUS:
            return "ok", 0.0, ""
        asked = retry_after_seconds(answer.headers.get("retry-after"))
        if code == 429 and asked is None:
            return "block", 0.0, "HTTP 429 without Retry-After"
        if asked is not None and asked > self.settings.max_wait:
            return "block", asked, f"HTTP {code} asking for {asked:.0f} s"
        return "retry", asked or 0.0, ""

    def _waiter(self, host: str) -> Callable[[RetryCallState], float]:
        backoff = wait_exponential_jitter(multiplier=self.settings.backoff,
                                          max=self.settings.max_wait,
                                          jitter=self.settings.backoff)

        def wait(state: RetryCallState) -> float:
            """The server's Retry-After if it sent one (the pacer holds it), else
            exponential backoff with jitter; never sooner than the host's pace."""
            error = state.outcome.exception() if state.outcome else None
            turn = self.pacer.delay(host)
            if isinstance(error, _RetryableStatus) and \
                    retry_after_seconds(error.answer.headers.get("retry-after")) is not None:
                return turn
            if error is not None and _is_connect_failure(error):
                return max(min(backoff(state), 1.0), turn)  # a host that is down is soon known
            return max(backoff(state), turn)

        return wait

    def _final_error(self, url: str, error: BaseException, attempts: int,
                     exchange: Exchange) -> BaseException:
        if isinstance(error, _RetryableStatus):
            return self._status_error(url, error.answer, attempts)
        if isinstance(error, FetchError | CassetteError):
            if isinstance(error, FetchError):
                error.attempts = error.attempts or attempts
            return error
        if isinstance(error, httpx.TooManyRedirects):
            return FetchError(f"{url} redirects without end ({_short(error)})",
                              reason="too_many_redirects", attempts=attempts)
        if isinstance(error, httpx.TimeoutException):
            if exchange.expired:
                return FetchError(f"{url} timed out: no complete answer within the "
                                  f"{exchange.seconds:g} s deadline ({attempts} attempts)",
                                  reason="timeout", attempts=attempts)
            return FetchError(f"{url} timed out after {self.settings.timeout:g} s "
                              f"({attempts} attempts)", reason="timeout", attempts=attempts)
        if isinstance(error, httpx.HTTPError):
            return FetchError(f"{url}: {type(error).__name__} ({_short(error)})",
                              reason="network", attempts=attempts)
        return error

    @staticmethod
    def _status_error(url: str, answer: _Answer, attempts: int) -> FetchError:
        code = answer.status
        phrase = answer.phrase or ""
        if code in (404, 410):
            return NotFoundError(f"{url} answered {code} {phrase}".rstrip(), status_code=code)
        if code == 429:
            return FetchError(f"{url} is rate-limiting us (429) after {_attempts(attempts)}; "
                              "raise [http] min_interval", reason="rate_limited",
                              status_code=code, attempts=attempts)
        if code >= 500:
            return FetchError(f"{url} answered {code} {phrase} after {_attempts(attempts)}",
                              reason="server_error", status_code=code, attempts=attempts)
        return FetchError(f"{url} answered {code} {phrase}".rstrip(), reason=f"http_{code}",
                          status_code=code, attempts=attempts)

    # --- plumbing ------------------------------------------------------------------------

    def _interruptible_sleep(self, seconds: float) -> None:
        self.cancel_event.wait(seconds)

    def _raise_if_cancelled(self, url: str) -> None:
        if self.cancel_event.is_set():
            raise Cancelled(url)

    def _checker(self, exchange: Exchange, url: str) -> Callable[[], None]:
        """Between body chunks: stop on cancel, and at the deadline even when the
        transport is not ours (a mock, a cassette) and so not bounded underneath."""
        def check() -> None:
            self._raise_if_cancelled(url)
            exchange.limit(None, httpx.ReadTimeout, url)
        return check

    @contextmanager
    def _lane(self, host: str, url: str) -> Iterator[None]:
        lock = self.pacer.lock(host)
        while not lock.acquire(timeout=0.1):
            self._raise_if_cancelled(url)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _tracked(self, exchange: Exchange) -> Iterator[None]:
        with self._count_guard:
            self._exchanges.add(exchange)
        try:
            yield
        finally:
            with self._count_guard:
                self._exchanges.discard(exchange)

    def _count(self) -> None:
        with self._count_guard:
            self.requests_made += 1


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:160]
