"""The daemon's schedule and watchdog, in process: linked groups as units of work,
restarts, new watches, overdue alarms."""

from __future__ import annotations

import time

import pytest
from conftest import make_monitor

from monitor.daemon import Daemon, DaemonLock
from monitor.errors import MonitorError
from monitor.registries.base import TrialRef
from monitor.store import iso_time

CONFIG = """
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
"""


@pytest.fixture
def monitor(tmp_path):
    with make_monitor(tmp_path, CONFIG, owner="daemon") as m:
        m.sync_config_watches()
        yield m


def jobs(daemon):
    return {job.id: job for job in daemon.scheduler.get_jobs() if job.id.startswith("group-")}


def test_restart_keeps_future_checks_and_spreads_overdue_ones(monitor):
    store = monitor.store
    first, second = store.trials.watched()
    now = time.time()
    with store.transaction():
        store.trials.record_health(first, failed=False)
        store.trials.record_health(second, failed=False)
        store.trials.set_next_check([first.id], iso_time(now + 1800))   # due in 30 minutes
        store.trials.set_next_check([second.id], iso_time(now - 86400))  # overdue
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    scheduled = jobs(daemon)
    kept = scheduled[f"group-{first.id}"].next_run_time.timestamp()
    assert kept == pytest.approx(now + 1800, abs=1)
    soon = scheduled[f"group-{second.id}"].next_run_time.timestamp()
    assert now <= soon <= now + 600  # within the jitter window, not skipped, not all at once
    assert scheduled[f"group-{second.id}"].trigger.interval.total_seconds() == 7200  # per watch
    assert store.trials.get(second.id).next_check_at is not None


def test_a_new_watch_is_checked_within_seconds(monitor):
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    now = time.time()
    for job in jobs(daemon).values():  # never checked: not spread over the jitter window
        assert job.next_run_time.timestamp() <= now + 6
    monitor.store.trials.watch(TrialRef("jrct", trial_id="jRCT2063200014"), source="cli",
                               typed="jRCT2063200014")
    daemon._resync()  # what the housekeeping pool does every few seconds
    [new] = [job for key, job in jobs(daemon).items() if job.name == "jRCT2063200014"]
    assert new.next_run_time.timestamp() <= time.time() + 6
    assert new.executor == "checks"
    assert {job.executor for job in daemon.scheduler.get_jobs()
            if not job.id.startswith("group-")} <= {"housekeeping"}


def test_a_linked_pair_is_one_unit_however_many_of_it_are_watched(monitor):
    store = monitor.store
    umin = store.trials.find(TrialRef("umin", keys=(("receipt_number", "R000047329"),)))
    twin, _ = store.trials.watch(TrialRef("jrct", trial_id="jRCT2063200014"), source="cli",
                                 typed="x")
    with store.transaction():
        store.links.link(umin.id, twin.id)
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    keys = sorted(jobs(daemon))
    assert f"group-{umin.id}-{twin.id}" in keys
    assert not any(key == f"group-{twin.id}" for key in keys)
    assert len(keys) == 2  # the pair, and the other watch


def test_housekeeping_runs_apart_from_checks(monitor):
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    daemon._add_housekeeping()
    executors = {job.id: job.executor for job in daemon.scheduler.get_jobs()}
    assert {executors[name] for name in ("resync", "deliver", "watchdog", "prune")} == {
        "housekeeping"}
    assert {executor for key, executor in executors.items() if key.startswith("group-")} == {
        "checks"}


def test_watchdog_alarms_once_per_episode(monitor):
    store = monitor.store
    row = store.trials.watched()[0]
    clock = [time.time() + 3 * 3600]  # three hours after being added, never checked
    monitor.clock = lambda: clock[0]
    daemon = Daemon(monitor, clock=lambda: clock[0])
    daemon._started -= 3600  # past the start-up grace
    daemon._watchdog()
    daemon._watchdog()

    def overdue():
        return [a.trial for a in store.outbox.with_status(("pending",))
                if a.event == "trial.overdue"]

    assert overdue() == [row.id]  # 3h > 2 × 1h; the 2h watch is not late yet
    clock[0] += 2 * 3600  # five hours: now the 2h watch is late too; no repeat for the first
    daemon._watchdog()
    assert sorted(overdue()) == [t.id for t in store.trials.watched()]
    assert store.trials.get(row.id).overdue_since is not None
    notifier = monitor.notifier(store)
    with store.transaction():  # a success ends the episode, and says so
        before = store.trials.get(row.id)
        after = store.trials.record_health(before, failed=False)
        notifier.trial_checked(before, after, [])
    assert store.trials.get(row.id).overdue_since is None
    assert [a.event for a in store.outbox.with_status(("pending",))].count(
        "trial.overdue_recovered") == 1


def test_no_overdue_alarm_in_the_start_up_grace(monitor):
    """After downtime, a restart spreads overdue checks over the jitter window: "is the
    monitor stuck?" waits until they had their chance."""
    clock = [time.time() + 3 * 3600]
    monitor.clock = lambda: clock[0]
    daemon = Daemon(monitor, clock=lambda: clock[0])
    daemon._watchdog()
    assert monitor.store.outbox.with_status(("pending",)) == []


def test_no_overdue_alarm_for_a_paused_host(monitor):
    from monitor.store import HostRow

    store = monitor.store
    with store.transaction():
        store.hosts.save(HostRow(host="center6.umin.ac.jp", kind="blocked",
                                 since=iso_time(time.time()), until=iso_time(time.time() + 900),
                                 cooldown=900))
    clock = [time.time() + 3 * 3600]
    monitor.clock = lambda: clock[0]
    assert monitor.watchdog() == []


def test_second_daemon_refused(monitor):
    first = DaemonLock(monitor.config.database)
    first.acquire()
    try:
        with pytest.raises(MonitorError, match="another ctr-monitor daemon"):
            DaemonLock(monitor.config.database).acquire()
        assert DaemonLock(monitor.config.database).holder() is not None
    finally:
        first.release()
    assert DaemonLock(monitor.config.database).holder() is None


def test_daemon_exits_non_zero_if_its_scheduler_dies(monitor, monkeypatch):
    import threading

    daemon = Daemon(monitor)
    monkeypatch.setattr("monitor.daemon.signal.signal", lambda *args: None)
    threading.Timer(1.5, lambda: daemon.scheduler.shutdown(wait=False)).start()
    assert daemon.run() == 1
    assert DaemonLock(monitor.config.database).holder() is None  # the lock is released


def test_many_new_watches_start_at_the_hosts_pace_not_all_at_once(monitor):
    """300 watches added at once: their first checks start a few seconds apart (as their
    host would serve them anyway), not all due now and queued in the workers."""
    from dataclasses import replace

    umin = monitor.registries["umin"]
    umin.settings = replace(umin.settings, min_interval=5.0)  # the public host's pace
    jrct = monitor.registries["jrct"]  # a slower registry none of them is in: no matter
    jrct.settings = replace(jrct.settings, min_interval=60.0)
    with monitor.store.transaction():
        for n in range(300):
            monitor.store.trials.watch(TrialRef("umin", trial_id=f"UMIN{n + 1:09d}"),
                                       source="cli", typed="x")
    daemon = Daemon(monitor)
    now = time.time()
    daemon._schedule_groups()
    starts = sorted(job.next_run_time.timestamp() - now for job in jobs(daemon).values())
    assert len(starts) == 302
    assert starts[-1] <= 3600 + 1  # never beyond the interval (302 × 5 s is within it)
    assert starts[-1] > 1000  # spread over about 302 × 5 s = 1,510 s
    assert sum(start <= 6 for start in starts) < 10  # a few due now, not 302


def test_resync_reads_the_watches_only_when_they_changed(monitor, monkeypatch):
    """Every few seconds the daemon looks for new watches: a few aggregate numbers say
    "nothing new" without reading thousands of rows; a watch added, removed, or a new
    link changes them."""
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    reads = []
    original = monitor.schedule_groups
    monkeypatch.setattr(monitor, "schedule_groups", lambda: reads.append(1) or original())
    daemon._resync()
    daemon._resync()
    assert reads == []
    store = monitor.store
    twin, _ = store.trials.watch(TrialRef("jrct", trial_id="jRCT2063200014"), source="cli",
                                 typed="x")
    daemon._resync()
    assert len(reads) == 1 and f"group-{twin.id}" in jobs(daemon)
    umin = store.trials.watched()[0]
    with store.transaction():
        store.links.link(umin.id, twin.id)
    daemon._resync()
    assert len(reads) == 2 and f"group-{umin.id}-{twin.id}" in jobs(daemon)
    assert f"group-{twin.id}" not in jobs(daemon)
    with store.transaction():
        store.trials.unwatch(store.trials.get(twin.id))
    daemon._resync()
    daemon._resync()
    assert len(reads) == 3 and f"group-{umin.id}" in jobs(daemon)
    assert f"group-{umin.id}-{twin.id}" not in jobs(daemon)


def test_the_watchdog_reads_only_late_watches(monitor):
    """The watchdog asks the database for watches late against the shortest interval;
    one checked recently is not even read."""
    store = monitor.store
    first, second = store.trials.watched()
    with store.transaction():
        store.trials.record_health(first, failed=False)
        store.trials.set_overdue(second.id, None)
    now = time.time()
    assert store.trials.stale(iso_time(now - 60)) == []  # all checked or added just now
    with store.transaction():
        store.trials.set_overdue(first.id, iso_time(now))  # an open episode: not again
    assert [row.id for row in store.trials.stale(iso_time(now + 60))] == [second.id]


def test_a_resync_that_failed_is_tried_again(monitor, monkeypatch):
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    store = monitor.store
    twin, _ = store.trials.watch(TrialRef("jrct", trial_id="jRCT2063200014"), source="cli",
                                 typed="x")
    original = monitor.schedule_groups
    failures = [RuntimeError("database is locked")]

    def flaky():
        if failures:
            raise failures.pop()
        return original()

    monkeypatch.setattr(monitor, "schedule_groups", flaky)
    with pytest.raises(RuntimeError):
        daemon._resync()
    daemon._resync()
    assert f"group-{twin.id}" in jobs(daemon)


def test_the_watch_fingerprint_tells_sets_apart_that_sums_would_not(monitor):
    """Unwatching 4, 8, 9 and watching 5, 6, 10 keeps count, sum and sum of squares."""
    store = monitor.store
    with store.transaction():
        rows = [store.trials.watch(TrialRef("umin", trial_id=f"UMIN{n:09d}"), source="cli",
                                   typed="x")[0] for n in range(1, 13)]
        ids = [row.id for row in rows]
        for row in rows:
            store.trials.unwatch(row)
        for n in (1, 2, 3, 4, 7, 8, 9, 11, 12):
            store.trials.watch(TrialRef("umin", trial_id=f"UMIN{n:09d}"), source="cli",
                               typed="x")
    before = store.trials.watch_fingerprint()
    with store.transaction():
        for n in (4, 8, 9):
            store.trials.unwatch(store.trials.get(ids[n - 1]))
        for n in (5, 6, 10):
            store.trials.watch(TrialRef("umin", trial_id=f"UMIN{n:09d}"), source="cli",
                               typed="x")
    assert store.trials.watch_fingerprint() != before


def test_a_check_held_by_a_paused_host_runs_again_when_the_pause_ends(monitor, monkeypatch):
    """A 15-minute block must not cost its trials a whole interval (here 1 hour)."""
    from monitor.check.outcome import PageOutcome
    from monitor.store import HostRow

    store = monitor.store
    first, second = store.trials.watched()
    daemon = Daemon(monitor)
    daemon._schedule_groups()
    now = time.time()
    with store.transaction():
        store.hosts.save(HostRow(host="center6.umin.ac.jp", kind="blocked",
                                 since=iso_time(now), until=iso_time(now + 900),
                                 cooldown=900))
    held = PageOutcome(first, None, "deferred", error="paused", reason="blocked",
                       host="center6.umin.ac.jp", until=now + 900)
    monkeypatch.setattr(monitor, "check_group", lambda members: ([held], []))
    key = f"group-{first.id}"
    from datetime import UTC, datetime

    for job in jobs(daemon).values():  # as when a run has begun: the next is an interval on
        job.modify(next_run_time=datetime.fromtimestamp(now + 3600, UTC))
    daemon._check(key, [first.id])
    retry = jobs(daemon)[key].next_run_time.timestamp()
    assert now + 899 <= retry <= now + 961
    assert store.trials.get(first.id).next_check_at == iso_time(retry)
    # a check that went through keeps its interval
    done = PageOutcome(second, "en", "unchanged")
    monkeypatch.setattr(monitor, "check_group", lambda members: ([done], []))
    before = jobs(daemon)[f"group-{second.id}"].next_run_time
    daemon._check(f"group-{second.id}", [second.id])
    assert jobs(daemon)[f"group-{second.id}"].next_run_time == before
    # the host's row already gone (a probe succeeded meanwhile): the pause's end the
    # check met is enough; a job a resync removed meanwhile is no error
    with store.transaction():
        store.hosts.clear("center6.umin.ac.jp")
    job = jobs(daemon)[f"group-{second.id}"]
    assert daemon._retry_after_pause(job, now + 300).next_run_time.timestamp() <= now + 361
    daemon.scheduler.remove_job(f"group-{second.id}")
    assert daemon._retry_after_pause(job, now + 100) is None
