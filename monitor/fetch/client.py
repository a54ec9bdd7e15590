"""The one place that talks HTTP: a shared, polite, retrying httpx client.

The registries are small public services, so politeness is the default: one request
at a time per host, ``min_interval`` seconds apart (retries included), a User-Agent
naming the product and a contact, and backing off on 429/5xx with ``Retry-After``
honoured. The transport is injectable: tests and ``--replay`` swap it for recorded
responses, ``--record`` wraps the real one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from monitor import __version__
from monitor.errors import FetchError, NotFoundError
from monitor.fetch.cassette import CassetteError
from monitor.fetch.decode import decode_html

DEFAULT_USER_AGENT = (
    f"ctr-monitor/{__version__} (clinical-trial registry change monitor; "
    "+https://pypi.org/project/ctr-monitor/)"
)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0
    min_interval: float = 5.0
    max_retries: int = 3
    backoff: float = 2.0  # first retry waits about this long, doubling each time
    max_wait: float = 60.0  # longest Retry-After / backoff we sit through in one check
    deadline: float = 90.0
    block_cooldown: float = 900.0
    max_page_bytes: int = 2_000_000


@dataclass
class Page:
    """A fetched page: the final URL, status, raw bytes, decoded text, and timing."""

    url: str
    status_code: int
    content: bytes
    content_type: str
    text: str
    elapsed_ms: int
    attempts: int
    headers: dict[str, str] = field(default_factory=dict)


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _is_retryable(error: BaseException) -> bool:
    if isinstance(error, CassetteError | Cancelled):
        return False
    return isinstance(error, (_RetryableStatus, httpx.TimeoutException, httpx.TransportError))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HostPacer:
    """One request at a time per host, at least ``interval`` seconds apart.

    A lock per host serializes requests; the next allowed start time moves forward
    after each request, and further still when the host asks us to wait. A host that
    answers 403, 429 or 5xx is slowed down (its interval doubles, up to ``MAX_SLOWDOWN``
    times) and sped up again gradually as it answers normally.
    """

    MAX_SLOWDOWN = 16.0
    RECOVERY = 0.75  # each good answer takes the slowdown this much back toward 1

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self._clock, self._sleep = clock, sleep
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, float] = {}
        self._slowdown: dict[str, float] = {}
        self._guard = threading.Lock()

    def lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def wait_turn(self, host: str) -> None:
        """Sleep until ``host`` may be asked again (call with its lock held)."""
        delay = self._next.get(host, 0.0) - self._clock()
        if delay > 0:
            self._sleep(delay)

    def done(self, host: str, extra_wait: float = 0.0, *, refused: bool = False,
             started: float | None = None) -> None:
        """A request to ``host`` that began at ``started`` has ended; ``refused`` when it
        answered 403/429/5xx. The next may start ``interval`` after this one started
        (so the pace is the configured one, whatever the latency), never before this
        one ended, and never before the host's Retry-After."""
        factor = self._slowdown.get(host, 1.0)
        if refused:
            factor = min(factor * 2, self.MAX_SLOWDOWN)
        else:
            factor = max(1.0, 1.0 + (factor - 1.0) * self.RECOVERY)
        self._slowdown[host] = factor
        now = self._clock()
        begin = now if started is None else started
        self._next[host] = max(begin + self.interval * factor, now + extra_wait)

    def now(self) -> float:
        return self._clock()

    def slowdown(self, host: str) -> float:
        return self._slowdown.get(host, 1.0)

    def blocked_for(self, host: str) -> float:
        return max(0.0, self._next.get(host, 0.0) - self._clock())


class Cancelled(Exception):
    """The fetcher was cancelled (the daemon is stopping): abandon the check unrecorded."""


class Fetcher:
    """Fetch registry pages politely; raise FetchError with a one-line reason."""

    MAX_BYTES = 20 * 1024 * 1024  # no registry page is near this; anything bigger is not one

    def __init__(self, settings: HttpSettings | None = None, *,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 host_intervals: dict[str, float] | None = None,
                 on_host_event: Callable[..., None] | None = None) -> None:
        self.settings = settings or HttpSettings()
        self.cancel_event = threading.Event()
        # Sleeps (pacing, backoff) wake as soon as the fetcher is cancelled.
        self._sleep = sleep or self.cancel_event.wait
        self.pacer = HostPacer(self.settings.min_interval, clock=clock, sleep=self._sleep)
        self.requests_made = 0
        self.client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent,
                     "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                     "Accept-Language": "ja,en;q=0.8"},
            timeout=httpx.Timeout(self.settings.timeout),
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def cancel(self) -> None:
        """Stop: no new request starts, sleeps end now, the check in flight is dropped."""
        self.cancel_event.set()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_html(self, url: str) -> Page:
        """GET ``url`` and decode it as an HTML page.

        Retries timeouts, connection faults, 429 and 5xx with exponential backoff and
        jitter (or the server's ``Retry-After``); any other 4xx is final. A FetchError
        carries how many attempts were made.
        """
        tries = [0]
        try:
            return self._get_html(url, tries)
        except FetchError as error:
            error.attempts = error.attempts or tries[0]
            raise

    def _get_html(self, url: str, tries: list[int]) -> Page:
        host = urlsplit(url).netloc.lower()
        started = time.monotonic()
        attempts = 0

        def attempt() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            tries[0] = attempts
            with self.pacer.lock(host):
                waiting = self.pacer.blocked_for(host)
                if waiting > self.settings.max_wait:
                    raise FetchError(
                        f"{host} asked us to wait {waiting:.0f} s before asking again; "
                        "try later", reason="rate_limited")
                self.pacer.wait_turn(host)
                if self.cancel_event.is_set():
                    raise Cancelled(url)
                began = self.pacer.now()
                try:
                    response = self._get(url)
                    self.requests_made += 1
                except httpx.HTTPError:
                    self.requests_made += 1
                    self.pacer.done(host, started=began)
                    raise
                pause = 0.0
                if response.status_code in RETRYABLE_STATUS:
                    pause = retry_after_seconds(response.headers.get("retry-after")) or 0.0
                refused = response.status_code in RETRYABLE_STATUS or response.status_code == 403
                self.pacer.done(host, pause, refused=refused, started=began)
            if response.status_code in RETRYABLE_STATUS:
                raise _RetryableStatus(response)
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            retry=retry_if_exception(_is_retryable),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response = retrying(attempt)
            if self.cancel_event.is_set():
                raise Cancelled(url)
        except _RetryableStatus as error:
            raise self._status_error(url, error.response, attempts) from None
        except CassetteError:
            raise
        except httpx.TimeoutException:
            raise FetchError(f"{url} timed out after {self.settings.timeout:g} s "
                             f"({attempts} attempts)", reason="timeout") from None
        except httpx.ConnectError as error:
            raise FetchError(f"cannot reach {host} ({_short(error)}): check the network "
                             "or the registry's base_url in the config",
                             reason="unreachable") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{url}: {type(error).__name__} ({_short(error)})",
                             reason="network") from None
        if response.status_code >= 400:
            raise self._status_error(url, response, attempts)
        content = response.content
        content_type = response.headers.get("content-type", "")
        text = decode_html(content, content_type, str(response.url))
        return Page(
            url=str(response.url), status_code=response.status_code, content=content,
            content_type=content_type, text=text,
            elapsed_ms=int((time.monotonic() - started) * 1000), attempts=attempts,
            headers=dict(response.headers),
        )

    def _get(self, url: str) -> httpx.Response:
        """GET with a hard deadline on the whole exchange: httpx's timeouts are per
        phase, so a server dripping a byte at a time could hold a check for ever."""
        deadline = time.monotonic() + self.settings.timeout * 2
        with self.client.stream("GET", url) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"no complete answer within "
                                            f"{self.settings.timeout * 2:g} s")
                if size > self.MAX_BYTES:
                    raise httpx.ReadError(f"body larger than {self.MAX_BYTES} bytes")
            return httpx.Response(response.status_code, headers=response.headers,
                                  content=b"".join(chunks), request=response.request,
                                  extensions={"http_version": response.http_version.encode()})

    def _wait(self, state: RetryCallState) -> float:
        """Wait before the next attempt: the server's Retry-After if it sent one, else
        exponential backoff with jitter; never beyond ``max_wait``."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableStatus):
            asked = retry_after_seconds(error.response.headers.get("retry-after"))
            if asked is not None:
                # The pacer already holds the host back that long (and the next attempt
                # gives up at once if that is beyond max_wait): no double wait.
                return 0.0
        backoff = wait_exponential_jitter(multiplier=self.settings.backoff,
                                          max=self.settings.max_wait,
                                          jitter=self.settings.backoff)
        return backoff(state)

    @staticmethod
    def _status_error(url: str, response: httpx.Response, attempts: int) -> FetchError:
        code = response.status_code
        phrase = response.reason_phrase or ""
        if code in (404, 410):
            return NotFoundError(f"{url} answered {code} {phrase}".rstrip(), status_code=code)
        if code == 429:
            return FetchError(f"{url} is rate-limiting us (429) after {attempts} attempts; "
                              "raise [http] min_interval", reason="rate_limited",
                              status_code=code)
        if code >= 500:
            return FetchError(f"{url} answered {code} {phrase} after {attempts} attempts",
                              reason="server_error", status_code=code)
        if code == 403:
            return FetchError(f"{url} answered 403 Forbidden: the registry refused us; "
                              "raise [http] min_interval and check the User-Agent",
                              reason="forbidden", status_code=code)
        return FetchError(f"{url} answered {code} {phrase}".rstrip(), reason=f"http_{code}",
                          status_code=code)


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:160]
