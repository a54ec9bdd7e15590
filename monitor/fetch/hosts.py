"""Which hosts we must leave alone, and until when.

A firewall block (jRCT's CloudFront WAF) or an outage belongs to the host, not to the
trial being checked: retrying, or asking for the next trial on the same host, only
prolongs the block and turns one cause into many per-trial failures. So the first
request that meets it pauses the host; later requests fail at once without touching
the network, until the pause is over; then a single request probes the host. A probe
that meets the block again doubles the pause (up to a cap); any ordinary answer ends
the episode. The state is plain data so the core can store it and a CLI run respects a
block the daemon saw.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

from monitor.errors import HostBlockedError, HostUnavailableError, HostUnreachableError

log = logging.getLogger(__name__)

HostKind = Literal["blocked", "unreachable"]
EventKind = Literal["blocked", "unblocked", "unreachable", "reachable"]
_ENDS: dict[HostKind, EventKind] = {"blocked": "unblocked", "unreachable": "reachable"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url_or_host: str) -> str:
    """The name a host's lane, pace and pause are kept under: lower-case host name, with
    the port only when it is not the scheme's default ("jrct.mhlw.go.jp",
    "127.0.0.1:8080"). Accepts a URL or a bare host."""
    text = url_or_host.strip()
    parts = urlsplit(text if "://" in text else f"//{text}")
    name = (parts.hostname or "").lower()
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()) or (
            not parts.scheme and port in (80, 443)):
        return name
    return f"{name}:{port}"


@dataclass(frozen=True)
class HostState:
    """A host in an episode of refusal or outage. Times are epoch seconds (UTC)."""

    host: str
    kind: HostKind
    since: float  # when the episode began
    until: float  # no request before this; then one probe
    cooldown: float  # the current pause in seconds (doubles while the episode lasts)
    last_reason: str  # what the host last did, one line
    count: int = 1  # blocks or failures met in this episode


@dataclass(frozen=True)
class HostEvent:
    """An episode beginning (blocked, unreachable) or ending (unblocked, reachable)."""

    host: str
    kind: EventKind
    at: float
    state: HostState


def utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class HostGate:
    """The pause state of every host, shared by all threads of one fetcher."""

    def __init__(self, *, block_cooldown: float = 900.0, unreachable_cooldown: float = 300.0,
                 max_cooldown: float = 86400.0, clock: Callable[[], float] = time.time,
                 on_event: Callable[[HostEvent], None] | None = None) -> None:
        self.block_cooldown = block_cooldown
        self.unreachable_cooldown = unreachable_cooldown
        self.max_cooldown = max_cooldown
        self.clock = clock
        self.on_event = on_event
        self._states: dict[str, HostState] = {}
        self._probing: set[str] = set()
        self._guard = threading.Lock()

    # --- before a request ---------------------------------------------------------------

    def check(self, host: str) -> None:
        """Raise at once if ``host`` is paused (or its one probe is already out)."""
        with self._guard:
            self._refuse_if_paused(host)

    def admit(self, host: str) -> bool:
        """Let a request to ``host`` through: False for an ordinary one, True when it is
        the probe of a pause that has run out (call ``release`` when it ends)."""
        with self._guard:
            self._refuse_if_paused(host)
            if host not in self._states:
                return False
            self._probing.add(host)
            return True

    def release(self, host: str) -> None:
        with self._guard:
            self._probing.discard(host)

    def _refuse_if_paused(self, host: str) -> None:
        state = self._states.get(host)
        if state is None:
            return
        if self.clock() < state.until or host in self._probing:
            raise deferred_error(state)

    # --- after a request ----------------------------------------------------------------

    def answered(self, host: str) -> None:
        """The host answered in an ordinary way: any episode is over."""
        with self._guard:
            state = self._states.pop(host, None)
        if state is not None:
            self._emit(HostEvent(host, _ENDS[state.kind], self.clock(), state))

    def blocked(self, host: str, reason: str, *, at_least: float = 0.0) -> HostState:
        """The host refused us; ``at_least`` is a pause it asked for itself."""
        events: list[HostEvent] = []
        with self._guard:
            now = self.clock()
            old = self._states.get(host)
            if old is not None and old.kind == "unreachable":
                events.append(HostEvent(host, "reachable", now, old))  # it answered, after all
                old = None
            if old is None:
                cooldown, since, count = self.block_cooldown, now, 1
            else:
                cooldown = min(old.cooldown * 2, self.max_cooldown)
                since, count = old.since, old.count + 1
            pause = max(cooldown, min(at_least, self.max_cooldown))
            state = HostState(host, "blocked", since, now + pause, cooldown, reason, count)
            if old is None:
                events.append(HostEvent(host, "blocked", now, state))
            self._states[host] = state
        for event in events:
            self._emit(event)
        return state

    def unreachable(self, host: str, reason: str) -> HostState:
        """Connecting to the host failed, retries included. During a block the episode
        stays a block (we never saw it lift), only longer."""
        event: HostEvent | None = None
        with self._guard:
            now = self.clock()
            old = self._states.get(host)
            if old is None:
                cooldown = self.unreachable_cooldown
                state = HostState(host, "unreachable", now, now + cooldown, cooldown, reason, 1)
                event = HostEvent(host, "unreachable", now, state)
            else:
                cooldown = min(old.cooldown * 2, self.max_cooldown)
                state = replace(old, until=now + cooldown, cooldown=cooldown,
                                last_reason=reason, count=old.count + 1)
            self._states[host] = state
        if event is not None:
            self._emit(event)
        return state

    def inconclusive(self, host: str) -> None:
        """A probe that proved nothing either way (a timeout): wait another cooldown,
        without doubling it, before the next one."""
        with self._guard:
            state = self._states.get(host)
            if state is not None:
                self._states[host] = replace(state, until=self.clock() + state.cooldown)

    # --- state for the core -------------------------------------------------------------

    def states(self) -> dict[str, HostState]:
        with self._guard:
            return dict(self._states)

    def restore(self, states: Iterable[HostState]) -> None:
        """Take over episodes seen by another process (no events: they were reported
        there). An episode whose pause is over is kept: the next request probes."""
        with self._guard:
            for state in states:
                self._states[state.host] = state

    def _emit(self, event: HostEvent) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # a broken listener must not break fetching
            log.exception("host event listener failed on %s %s", event.kind, event.host)


def deferred_error(state: HostState) -> HostUnavailableError:
    """The error for a request not sent because its host is paused."""
    if state.kind == "blocked":
        return HostBlockedError(
            f"{state.host} has been refusing us since {utc(state.since)} ({state.last_reason}); "
            f"not asking again before {utc(state.until)}", host=state.host, until=state.until,
            deferred=True)
    return HostUnreachableError(
        f"cannot reach {state.host} since {utc(state.since)} ({state.last_reason}); "
        f"next try after {utc(state.until)}: check the network", host=state.host,
        until=state.until, deferred=True)
