"""``ctr-monitor run``: the daemon, a scheduling shell over the library core.

What it adds to a one-off check is time. Each linked group (a trial and its registry
twins) is one unit of work, checked once per interval however many of its members are
watched; the next check of each watch is kept in the database, so a restart neither
re-checks everything at once nor skips what is overdue. Checks run on a pool of workers
(the fetch layer keeps one request at a time per host); housekeeping — picking up new
watches, delivering alerts, the overdue watchdog, reading registry listings, pruning the
fetch log — runs on a pool of its own, so it never waits behind checks.
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.section import format_duration
from monitor.core import Monitor, ScheduledGroup
from monitor.errors import Cancelled, MonitorError
from monitor.times import timestamp

log = logging.getLogger("monitor.daemon")

STOP_GRACE = 5.0  # seconds a check in flight gets to finish once a stop is asked for
RESYNC_EVERY = 10.0  # seconds between looks for watches added or removed meanwhile
NEW_WATCH_DELAY = 5.0  # a watch never checked is checked within this (plus a resync)
LISTING_EVERY = 6 * 3600.0  # registry listings change daily; a conditional GET is cheap
PRUNE_EVERY = 3600.0  # looks hourly; prunes once a day
PAUSE_RETRY_SPREAD = 60.0  # checks held by a host pause start within this after it ends


class HeapTrimmer:
    """Hands memory the daemon freed back to the operating system (glibc only; a no-op
    elsewhere).

    A long-running, many-threaded Python process keeps what it once needed: glibc gives
    each thread that allocates its own malloc arena (up to eight per core), and freed
    blocks stay in them. The daemon's work comes in bursts — a pass reads pages and
    rows, then sleeps for hours — so without this its resident size is the high-water
    mark of every worker at once. Two arenas, and a trim after housekeeping, keep it
    near what it really holds.
    """

    ARENAS = 2
    _M_ARENA_MAX = -8  # glibc's mallopt parameter number

    def __init__(self) -> None:
        self._libc: Any = None
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(None)  # the process's own symbols: libc's among them
            except OSError:
                return
            if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt"):  # glibc
                self._libc = libc

    def limit_arenas(self) -> None:
        """Before the worker threads start: they share two arenas."""
        if self._libc is not None:
            self._libc.mallopt(self._M_ARENA_MAX, self.ARENAS)

    def trim(self) -> None:
        if self._libc is not None:
            self._libc.malloc_trim(0)


class DaemonLock:
    """One daemon per database: an exclusive lock on ``<database>.lock``, holding its pid.

    The kernel drops the lock when the process dies, ``kill -9`` included, so a crash
    never leaves a stale lock behind.
    """

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise MonitorError(f"cannot create the daemon's lock file {self.path}: "
                               f"{error.strerror or error} (is [storage] database in a "
                               "writable folder?)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = self.holder()
            raise MonitorError(
                f"another ctr-monitor daemon{f' (pid {pid})' if pid else ''} is already "
                f"running on {self.path.with_suffix('')}: stop it first, or give this one "
                "another [storage] database") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> int | None:
        """The pid of the running daemon, or None if none holds the lock."""
        if not self.path.exists():
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="ignore").strip()
            return int(text) if text.isdigit() else -1
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


class Daemon:
    """Schedules checks of every watched trial until told to stop."""

    def __init__(self, monitor: Monitor, *, clock: Callable[[], float] = time.time) -> None:
        self.monitor = monitor
        self.config = monitor.config
        self.clock = clock
        self.stop_event = threading.Event()
        self.lock = DaemonLock(self.config.database)
        self._running = 0
        self._idle = threading.Condition()
        self._started = clock()
        self._fingerprint: bytes | None = None
        self.heap = HeapTrimmer()
        # A restart spreads overdue checks over the jitter window: no "stuck?" alarm
        # before they have had their chance.
        self._grace = min(self.config.schedule.jitter, self.config.schedule.interval) + 60
        self.scheduler = BackgroundScheduler(
            executors={"checks": ThreadPoolExecutor(self.config.schedule.workers),
                       "housekeeping": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    # --- lifecycle ----------------------------------------------------------------------

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; 0 after a clean stop."""
        self.lock.acquire()
        self.heap.limit_arenas()
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.monitor.sync_config_watches()
            released = self.monitor.take_over_leases("daemon")
            if released:
                log.info("took over %d alert(s) a stopped daemon had claimed", released)
            self.monitor.restore_hosts()
            watches, groups = self._schedule_groups()  # counts: the rows are not kept
            self._add_housekeeping()
            self.scheduler.start()
            schedule = self.config.schedule
            log.info("daemon started (pid %d): %s in %s, every %s (jitter %s), %s, "
                     "database %s", os.getpid(), _count(watches, "watch", "watches"),
                     _count(groups, "linked group", "linked groups"),
                     format_duration(schedule.interval), format_duration(schedule.jitter),
                     _count(schedule.workers, "worker", "workers"), self.config.database)
            code = 0
            while not self.stop_event.wait(1.0):
                if not self.scheduler.running:  # never sit here quietly doing nothing
                    log.critical("the scheduler stopped unexpectedly: exiting so that the "
                                 "service manager restarts the daemon")
                    code = 1
                    break
            self._shutdown()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.lock.release()
        log.info("daemon stopped")
        return code

    def _on_signal(self, signum: int, frame: Any) -> None:
        if not self.stop_event.is_set():
            log.info("%s received: stopping after the check in flight",
                     signal.Signals(signum).name)
        self.stop_event.set()

    def _shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self._idle:
            self._idle.wait_for(lambda: self._running == 0, timeout=STOP_GRACE)
            if self._running:
                log.info("abandoning %d check(s) still waiting on a registry", self._running)
                self.monitor.fetcher.cancel()  # nothing half-written: one transaction each
                self._idle.wait_for(lambda: self._running == 0, timeout=STOP_GRACE)
        self.monitor.close()

    # --- scheduling ---------------------------------------------------------------------

    def _add_housekeeping(self) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        every = max(1.0, min(60.0, self.config.schedule.interval / 2))
        jobs: list[tuple[Callable[[], None], float, str, datetime | None]] = [
            (self._resync, RESYNC_EVERY, "resync", None),
            (self._deliver, max(1.0, min(30.0, self.config.alerts.retry_base)), "deliver",
             now),
            (self._watchdog, every, "watchdog", None),
            (self._prune, PRUNE_EVERY, "prune", now),
        ]
        if any(registry.bulk is not None and getattr(registry.settings, "use_csv", False)
               for registry in self.monitor.registries.values()):
            jobs.append((self._listings, min(LISTING_EVERY, self.config.schedule.interval),
                         "listings", now))
        for job, seconds, name, first in jobs:
            self.scheduler.add_job(self._guarded, IntervalTrigger(seconds=seconds),
                                   args=[job], id=name, executor="housekeeping",
                                   next_run_time=first or now)

    def _schedule_groups(self) -> tuple[int, int]:
        """Schedule every linked group; how many watches and groups there are."""
        self._fingerprint = self.monitor.store.trials.watch_fingerprint()
        groups = self.monitor.schedule_groups()
        now = self.clock()
        # pages of a trial never checked must be fetched: no faster than its registry's
        # host serves them anyway (registries' hosts work side by side); an overdue check
        # mostly asks nothing (the CSV says unchanged): 10 ms apart
        new = Counter(group.watched[0].registry for group in groups if group.never_checked)
        new_spread = {name: self._spread(count, max(0.01, self._pace(name)))
                      for name, count in new.items()}
        overdue = sum(not group.never_checked and (
            not group.next_check_at or timestamp(group.next_check_at) <= now)
            for group in groups)
        for group in groups:
            self._add_job(group, now,
                          new_spread=new_spread.get(group.watched[0].registry, NEW_WATCH_DELAY),
                          overdue_spread=self._spread(overdue, 0.01))
        return sum(len(group.watched) for group in groups), len(groups)

    def _pace(self, registry: str) -> float:
        found = self.monitor.registries.get(registry)
        return found.settings.min_interval if found is not None else 0.0

    def _spread(self, count: int, pace: float) -> float:
        """Seconds over which ``count`` checks due now start: a few within seconds, many
        one per ``pace``, never beyond the interval. Thousands of checks made due at one
        moment would only wait in the workers' queue, holding memory while they wait."""
        return max(NEW_WATCH_DELAY, min(self.config.schedule.interval, count * pace))

    def _add_job(self, group: ScheduledGroup, now: float, *,
                 new_spread: float = NEW_WATCH_DELAY, overdue_spread: float = 0.0) -> None:
        """Schedule a group from its stored next-check time: a future one is kept; a
        group never checked runs within seconds (a batch of them spread over
        ``new_spread``); an overdue one runs soon, spread over the jitter window (or
        ``overdue_spread``, if longer) so that a restart does not send every check at
        once."""
        window = max(min(self.config.schedule.jitter, group.interval), overdue_spread)
        due = timestamp(group.next_check_at) if group.next_check_at else None
        if due and due > now:
            first = due
        elif group.never_checked:
            first = now + random.uniform(0, new_spread)
        else:
            first = now + random.uniform(0, window)
        self.scheduler.add_job(
            self._check_job, IntervalTrigger(seconds=group.interval,
                                             jitter=self.config.schedule.jitter or None),
            args=[group.key, group.members], id=group.key, replace_existing=True, executor="checks",
            next_run_time=datetime.fromtimestamp(first, UTC),
            name=", ".join(row.label for row in group.watched))
        self.monitor.set_next_check([row.id for row in group.watched], first)

    def _resync(self) -> None:
        """Pick up watches added or removed with the CLI, and links found meanwhile.
        Most looks find nothing new: a digest of the watched ids and the links says so
        without building every watched trial's row."""
        self.monitor.sync_config_watches()
        fingerprint = self.monitor.store.trials.watch_fingerprint()
        if fingerprint == self._fingerprint:
            return
        groups = {group.key: group for group in self.monitor.schedule_groups()}
        scheduled = {job.id for job in self.scheduler.get_jobs()
                     if job.id.startswith("group-")}
        for key in scheduled - set(groups):
            self.scheduler.remove_job(key)
        now = self.clock()
        for key in set(groups) - scheduled:
            self._add_job(groups[key], now)
            log.info("now checking %s", ", ".join(row.label for row in groups[key].watched))
        self._fingerprint = fingerprint  # only now: a resync that failed is tried again
        del groups
        self.heap.trim()

    # --- jobs ---------------------------------------------------------------------------

    def _guarded(self, job: Callable[[], None]) -> None:
        """Run a housekeeping job; an exception is logged and the daemon goes on."""
        if self.stop_event.is_set():
            return
        try:
            job()
        except Exception:
            log.exception("%s failed; it will run again as scheduled",
                          getattr(job, "__name__", "a job"))

    def _check_job(self, key: str, members: list[int]) -> None:
        if self.stop_event.is_set():
            return
        with self._idle:
            self._running += 1
        job = self.scheduler.get_job(key)
        names = job.name if job is not None else key
        try:
            self._check(key, members)
        except Cancelled:
            log.info("check of %s abandoned: stopping", names)
        except Exception:  # never let one check take the daemon down
            log.exception("check of %s crashed; the next one will run as scheduled", names)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _check(self, key: str, members: list[int]) -> None:
        started = time.monotonic()
        pages, pairs = self.monitor.check_group(members)
        for page in pages:
            where = f"{page.label} [{page.language}]" if page.language else page.label
            if page.failed:
                log.warning("%s failed (%s): %s", where, page.reason, page.error)
            elif page.deferred:
                log.info("%s deferred: %s", where, page.error)
            elif page.outcome == "changed":
                log.info("%s changed: %s", where,
                         ", ".join(f"{c.field} ({c.severity})" for c in page.changes))
            else:
                log.info("%s %s", where, page.outcome)
        for pair in pairs:
            log.info("%s ↔ %s: %s opened, %d resolved", pair.a.label, pair.b.label,
                     _count(len(pair.opened), "disagreement", "disagreements"),
                     len(pair.closed))
        job = self.scheduler.get_job(key)
        ends = [page.until for page in pages if page.deferred and page.until]
        if ends and job is not None:
            job = self._retry_after_pause(job, min(ends))
        if job is not None and job.next_run_time is not None:
            watched = [row.id for row in self.monitor.store.trials.many(members)
                       if row.watched]
            self.monitor.set_next_check(watched, job.next_run_time.timestamp())
        log.debug("check of %s took %.1fs", job.name if job else key,
                  time.monotonic() - started)
        self._deliver()

    def _retry_after_pause(self, job: Any, until: float) -> Any:
        """A check held by a paused host runs again soon after the pause ends (spread
        over a minute; the host's pace orders them), not a whole interval later: a
        15-minute firewall block must not cost its trials six hours. The job as it now
        is; None if a resync removed it meanwhile."""
        retry = max(until, self.clock()) + random.uniform(0, PAUSE_RETRY_SPREAD)
        if job.next_run_time is None or retry < job.next_run_time.timestamp():
            try:
                return job.modify(next_run_time=datetime.fromtimestamp(retry, UTC))
            except JobLookupError:  # unwatched meanwhile: nothing to retry
                return None
        return job

    def _deliver(self) -> None:
        if self.stop_event.is_set():
            return
        report = self.monitor.deliver_alerts()
        if report.anything:
            log.info(report.summary())

    def _watchdog(self) -> None:
        self.heap.trim()  # once a minute at most: what the checks since then freed
        if self.clock() - self._started < self._grace:
            return
        for row in self.monitor.watchdog():
            log.warning("%s is overdue: not checked successfully since %s", row.label,
                        row.last_success_at or "it was added")

    def _listings(self) -> None:
        from monitor.check.listing import refresh_listings

        self.monitor.restore_hosts()
        for outcome in refresh_listings(self.monitor)[0]:
            log.info("%s listing: %s (%d rows)%s", outcome.registry, outcome.outcome,
                     outcome.rows, f": {outcome.error}" if outcome.error else "")

    def _prune(self) -> None:
        folded = self.monitor.prune_fetch_log_if_due()
        if folded:
            log.info("fetch log: %d old rows folded into daily summaries", folded)


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
