"""The daemon's schedule and watchdog, in process: restarts, overdue alarms."""

from __future__ import annotations

import time

import pytest

from monitor.cli.app import App
from monitor.daemon import Daemon, DaemonLock
from monitor.errors import MonitorError
from monitor.store import iso_time


@pytest.fixture
def app(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("""
[schedule]
interval = "1h"
jitter = "10m"
[[alerts.webhook]]
url = "https://hooks.example.org/x"
[[watch]]
id = "R000047329"
[[watch]]
id = "UMIN000018001"
interval = "2h"
""", encoding="utf-8")
    application = App(config)
    yield application
    application.close()


def test_restart_keeps_future_checks_and_spreads_overdue_ones(app):
    store = app.store
    first, second = store.trials()
    now = time.time()
    store.set_next_check(first.id, iso_time(now + 1800))   # due in 30 minutes
    store.set_next_check(second.id, iso_time(now - 86400))  # overdue since yesterday
    daemon = Daemon(app)
    daemon._schedule_watches(store)
    jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
    kept = jobs[f"trial-{first.id}"].next_run_time.timestamp()
    assert kept == pytest.approx(now + 1800, abs=1)
    soon = jobs[f"trial-{second.id}"].next_run_time.timestamp()
    assert now <= soon <= now + 600  # within the jitter window, not skipped, not all at once
    assert jobs[f"trial-{second.id}"].trigger.interval.total_seconds() == 7200  # per watch
    assert store.get_trial(second.id).next_check_at is not None


def test_watchdog_alarms_once_per_episode(app):
    store = app.store
    row = store.trials()[0]
    clock = [time.time() + 3 * 3600]  # three hours after being added, never checked
    daemon = Daemon(app, clock=lambda: clock[0])
    daemon._watchdog()
    daemon._watchdog()

    def overdue():
        return [a["trial"] for a in store.alerts(("pending",)) if a["event"] == "trial.overdue"]

    assert overdue() == [row.id]  # 3h > 2 × 1h; the 2h watch is not late yet
    clock[0] += 2 * 3600  # five hours: now the 2h watch is late too; no repeat for the first
    daemon._watchdog()
    assert sorted(overdue()) == [t.id for t in store.trials()]
    assert store.get_trial(row.id).overdue_since is not None
    with store.transaction():
        store.record_health(row, failed=False)  # a success ends the episode
    assert store.get_trial(row.id).overdue_since is None


def test_second_daemon_refused(app):
    first = DaemonLock(app.config.database)
    first.acquire()
    try:
        with pytest.raises(MonitorError, match="another ctr-monitor daemon"):
            DaemonLock(app.config.database).acquire()
        assert DaemonLock(app.config.database).holder() is not None
    finally:
        first.release()
    assert DaemonLock(app.config.database).holder() is None


def test_daemon_exits_non_zero_if_its_scheduler_dies(app, monkeypatch):
    import threading

    daemon = Daemon(app)
    monkeypatch.setattr("monitor.daemon.signal.signal", lambda *args: None)
    threading.Timer(1.5, lambda: daemon.scheduler.shutdown(wait=False)).start()
    assert daemon.run() == 1
    assert DaemonLock(app.config.database).holder() is None  # the lock is released
