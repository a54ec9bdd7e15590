"""``ctr-monitor run``: the background daemon, a thin shell over the check pipeline.

What it adds to a one-off check is time: each watch is checked every ``interval`` (per
watch or global), spread by ``jitter``; the next check of each watch is kept in the
database, so a restart neither re-checks everything at once nor skips what is overdue.
Watches run in a small thread pool, so a slow host never holds up another; the fetch
layer keeps one request at a time per host. It must never die quietly: every fetch has
a hard deadline, a crashing check is logged and the next one runs, and a watch not
checked successfully within twice its interval raises an "overdue" alert.
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.alert.outbox import Outbox
from monitor.errors import MonitorError
from monitor.fetch.client import Cancelled
from monitor.pipeline import Checker
from monitor.store import Store, TrialRow, iso_time

log = logging.getLogger("monitor.daemon")

STOP_GRACE = 5.0  # seconds a check in flight gets to finish once a stop is asked for
RESYNC_EVERY = 30.0  # seconds between looks for watches added or removed meanwhile


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
        fd = os.open(self.path, os.O_RDONLY)
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

    def __init__(self, app: Any, *, clock=time.time) -> None:
        self.app = app
        self.config = app.config
        self.clock = clock
        self.stop_event = threading.Event()
        self.lock = DaemonLock(self.config.database)
        self._local = threading.local()
        self._stores: list[Store] = []
        self._stores_guard = threading.Lock()
        self._running = 0
        self._idle = threading.Condition()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(self.config.workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    # --- lifecycle ----------------------------------------------------------------------

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; 0 after a clean stop."""
        store = self.app.store  # opens the database and syncs [[watch]] entries first
        self.lock.acquire()
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            watches = self._schedule_watches(store)
            every = max(1.0, min(60.0, self.config.interval / 2))
            self.scheduler.add_job(self._guarded, IntervalTrigger(seconds=every),
                                   args=[self._watchdog], id="watchdog",
                                   next_run_time=self._now())
            self.scheduler.add_job(self._guarded, IntervalTrigger(
                seconds=max(1.0, min(30.0, self.config.alerts.retry_base))),
                args=[self._deliver], id="deliver")
            self.scheduler.add_job(self._guarded, IntervalTrigger(seconds=RESYNC_EVERY),
                                   args=[self._resync], id="resync")
            self.scheduler.start()
            log.info("daemon started (pid %d): %d watches, interval %gs, jitter %gs, "
                     "%d workers, database %s", os.getpid(), watches, self.config.interval,
                     self.config.jitter, self.config.workers, self.config.database)
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
                self.app.fetcher.cancel()  # nothing half-written: each check is one transaction
                self._idle.wait_for(lambda: self._running == 0, timeout=STOP_GRACE)
        with self._stores_guard:
            for store in self._stores:
                store.close()

    # --- scheduling ---------------------------------------------------------------------

    def _interval(self, row: TrialRow) -> float:
        return self.app.interval_for(row) or self.config.interval

    def _schedule_watches(self, store: Store) -> int:
        rows = store.trials()
        now = self.clock()
        for row in rows:
            self._add_job(store, row, now)
        return len(rows)

    def _add_job(self, store: Store, row: TrialRow, now: float) -> None:
        """Schedule a watch from its stored next-check time: a future one is kept; an
        overdue or unknown one runs soon, spread over the jitter window so that a restart
        does not send every check at once."""
        interval = self._interval(row)
        window = min(self.config.jitter or 0, interval)
        due = _timestamp(row.next_check_at) if row.next_check_at else None
        first = due if due and due > now else now + random.uniform(0, window)
        self.scheduler.add_job(
            self._check_job, IntervalTrigger(seconds=interval, jitter=self.config.jitter or None),
            args=[row.id], id=f"trial-{row.id}", replace_existing=True,
            next_run_time=datetime.fromtimestamp(first, UTC), name=row.label)
        store.set_next_check(row.id, iso_time(first))

    def _resync(self) -> None:
        """Pick up watches added (or removed) with the CLI while the daemon runs."""
        store = self._store()
        self.app.sync_config_watches(store)
        watched = {row.id: row for row in store.trials()}
        scheduled = {int(job.id.split("-")[1]) for job in self.scheduler.get_jobs()
                     if job.id.startswith("trial-")}
        for trial in scheduled - set(watched):
            self.scheduler.remove_job(f"trial-{trial}")
            log.info("stopped checking trial #%d (no longer watched)", trial)
        for trial in set(watched) - scheduled:
            self._add_job(store, watched[trial], self.clock())
            log.info("now checking %s", watched[trial].label)

    # --- jobs ---------------------------------------------------------------------------

    def _store(self) -> Store:
        """One database connection per worker thread (SQLite objects stay in theirs)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.config.database)
            self._local.store = store
            with self._stores_guard:
                self._stores.append(store)
        return store

    def _outbox(self, store: Store) -> Outbox:
        return Outbox(store, self.app.channels, self.config.alerts,
                      rules_for=self.app.rules_for, clock=self.clock)

    def _guarded(self, job) -> None:
        """Run a housekeeping job; an exception is logged and the daemon goes on."""
        if self.stop_event.is_set():
            return
        try:
            job()
        except Exception:
            log.exception("%s failed; it will run again as scheduled", job.__name__)

    def _check_job(self, trial: int) -> None:
        if self.stop_event.is_set():
            return
        with self._idle:
            self._running += 1
        try:
            self._check(trial)
        except Cancelled:
            log.info("check of trial #%d abandoned: stopping", trial)
        except Exception:  # never let one check take the daemon down
            log.exception("check of trial #%d crashed; the next one will run as scheduled",
                          trial)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _check(self, trial: int) -> None:
        store = self._store()
        row = store.get_trial(trial)
        outbox = self._outbox(store)
        checker = Checker(store, self.app.fetcher, self.app.registries,
                          severity_rules=self.config.severity_rules,
                          consistency_rules=self.config.consistency, sink=outbox)
        started = time.monotonic()
        for outcome in checker.run([row], languages_for=self.app.languages_for,
                                   follow_links=self.config.follow_links):
            where = f"{outcome.trial} [{outcome.language}]" if outcome.language \
                else outcome.trial
            if outcome.failed:
                log.warning("%s failed (%s): %s", where, outcome.reason, outcome.error)
            elif outcome.outcome == "changed":
                log.info("%s changed: %s", where,
                         ", ".join(f"{c.field} ({c.severity})" for c in outcome.changes))
            else:
                log.info("%s %s", where, outcome.outcome)
        job = self.scheduler.get_job(f"trial-{trial}")
        if job is not None and job.next_run_time is not None:
            store.set_next_check(trial, iso_time(job.next_run_time.timestamp()))
        log.debug("check of %s took %.1fs", row.label, time.monotonic() - started)
        if self.app.channels:
            report = outbox.deliver_due()
            if report.delivered or report.failed or report.dead:
                log.info(report.summary())

    def _deliver(self) -> None:
        if self.app.channels and not self.stop_event.is_set():
            report = self._outbox(self._store()).deliver_due()
            if report.delivered or report.failed or report.dead:
                log.info(report.summary())

    def _watchdog(self) -> None:
        """Raise one "overdue" alert per episode for any watch not checked successfully
        within twice its interval: the alarm for a monitor that has quietly stopped."""
        store = self._store()
        now = self.clock()
        for row in store.trials():
            if row.overdue_since:
                continue
            interval = self._interval(row)
            last = row.last_success_at or self._added_at(store, row)
            if last and now - _timestamp(last) > 2 * interval:
                with store.transaction():
                    store.set_overdue(row.id, iso_time(now))
                    self._outbox(store).trial_overdue(store.get_trial(row.id), interval)
                log.warning("%s is overdue: not checked successfully since %s", row.label,
                            row.last_success_at or "it was added")

    @staticmethod
    def _added_at(store: Store, row: TrialRow) -> str | None:
        found = store.db.execute("select added_at from trials where id = ?", [row.id]).fetchone()
        return found[0] if found else None

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC) + timedelta(seconds=1)


def _timestamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
