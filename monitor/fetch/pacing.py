"""Politeness per host: one request at a time, each host at its own pace.

The registries are small public services and jRCT's firewall blocks clients that ask
too often, so every host has a lane (a lock: one request, with its retries, at a time)
and a minimum interval between request starts. Hosts never wait for one another.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from monitor.fetch.hosts import host_key


class HostPacer:
    """One request at a time per host, at least that host's interval apart.

    The next allowed start moves forward after each request, and further still when
    the host asks us to wait (Retry-After). A host that answers 429 or 5xx is slowed
    down (its interval doubles, up to ``MAX_SLOWDOWN`` times) and sped up again
    gradually as it answers normally.
    """

    MAX_SLOWDOWN = 16.0
    RECOVERY = 0.75  # each good answer takes the slowdown this much back toward 1

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 intervals: Mapping[str, float] | None = None) -> None:
        self.interval = interval
        self._clock, self._sleep = clock, sleep
        self._intervals = {host_key(host): float(seconds)
                           for host, seconds in (intervals or {}).items()}
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, float] = {}
        self._slowdown: dict[str, float] = {}
        self._guard = threading.Lock()

    def lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def interval_for(self, host: str) -> float:
        with self._guard:
            return self._intervals.get(host, self.interval)

    def set_interval(self, host: str, seconds: float | None) -> None:
        """Change one host's interval at run time; None returns it to the default."""
        key = host_key(host)
        with self._guard:
            if seconds is None:
                self._intervals.pop(key, None)
            else:
                self._intervals[key] = float(seconds)

    def delay(self, host: str) -> float:
        """Seconds until ``host`` may be asked again."""
        return max(0.0, self._next.get(host, 0.0) - self._clock())

    def wait_turn(self, host: str) -> None:
        """Sleep until ``host`` may be asked again (call with its lock held)."""
        delay = self.delay(host)
        if delay > 0:
            self._sleep(delay)

    def done(self, host: str, extra_wait: float = 0.0, *, refused: bool = False,
             started: float | None = None) -> None:
        """A request to ``host`` that began at ``started`` has ended; ``refused`` when it
        answered 429/5xx. The next may start the host's interval after this one started
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
        self._next[host] = max(begin + self.interval_for(host) * factor, now + extra_wait)

    def now(self) -> float:
        return self._clock()

    def slowdown(self, host: str) -> float:
        return self._slowdown.get(host, 1.0)

    def blocked_for(self, host: str) -> float:
        return self.delay(host)
