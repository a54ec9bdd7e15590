"""``Monitor``: the library core that the command line and the daemon share.

Opened from a config, it owns the store (one connection per thread), the fetcher, the
registries, the diff policy and the alert channels, and answers everything the product
does: watch, check, history, diff, consistency, report, feed, search, queries, reparse,
doctor, alerts, status. The CLI and the daemon only call it and render what it returns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.check.outcome import PageOutcome, PassResult
from monitor.config import Config, environment_problems, load_config
from monitor.config.model import AlertRules
from monitor.diff.policy import DiffPolicy, merge_languages, repeat_key
from monitor.errors import ConfigError, InputError
from monitor.normalize.vocabulary import phrase
from monitor.registries import Registry, TrialRef, build_registries, parse_trial_input
from monitor.registries.base import page_host
from monitor.report.format import record_title
from monitor.store import HostRow, Store, TrialRow, iso_time, timestamp, utc_now
from monitor.watches import WatchIndex

if TYPE_CHECKING:  # the fetcher, checker and channels load when a command uses them:
    # a command that only reads the database starts without HTTP or e-mail libraries
    from monitor.alert.channels import Channel
    from monitor.alert.outbox import DeliveryReport
    from monitor.check.checker import CheckSettings, ListingGate
    from monitor.check.notify import Notifier
    from monitor.fetch import Fetcher
    from monitor.fetch.post import Poster

log = logging.getLogger("monitor")

ProgressCallback = Callable[[PageOutcome], None]


class Monitor:
    """One monitor: a config, its database and its registries."""

    def __init__(self, config: Config, *, read_only: bool = False,
                 transport: Any = None, replaying: bool = False,
                 env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.time, owner: str = "cli",
                 fetcher: Fetcher | None = None) -> None:
        self.config = config
        self.read_only = read_only
        self.env = env if env is not None else os.environ
        self.clock = clock
        self.owner = f"{owner}:{os.getpid()}"
        self.registries: dict[str, Registry] = build_registries(config.registries)
        self.policy = DiffPolicy(config.severity_rules,
                                 {name: registry.rules
                                  for name, registry in self.registries.items()})
        self.watches = WatchIndex(config.watches, self.registries, config.path)
        self._transport = transport
        self._replaying = replaying
        self._local = threading.local()
        self._stores: list[Store] = []
        self._guard = threading.Lock()
        self._fetcher: Fetcher | None = fetcher  # tests give one with a fake clock
        if fetcher is not None and hasattr(fetcher, "on_host_event"):
            fetcher.on_host_event = self._host_events.put
        self._poster: Poster | None = None
        self._channels: list[Channel] | None = None
        self._host_events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        # open the database now: a bad path or a foreign file is reported at once
        self.store  # noqa: B018

    @classmethod
    def open(cls, config: Config | str | Path | None = None, *, read_only: bool = False,
             replay: Path | None = None, record: Path | None = None,
             env: Mapping[str, str] | None = None, owner: str = "cli",
             require_secrets: bool = False) -> Monitor:
        """A monitor for ``config`` (a Config, or the path of a config file; None for
        ./config.toml or the defaults). ``replay``/``record`` name a cassette directory
        to answer requests from, or to write them to. ``require_secrets``: refuse, before
        the database is touched, when a channel's secret variable is unset."""
        loaded = config if isinstance(config, Config) else load_config(config)
        for note in loaded.notes:
            log.warning("%s", note)
        if require_secrets:
            _refuse_missing_secrets(loaded, env if env is not None else os.environ)
        transport: Any = None
        if replay is not None:
            from monitor.fetch.cassette import ReplayTransport

            transport = ReplayTransport(replay)
        elif record is not None:
            from monitor.fetch.cassette import RecordingTransport

            try:
                transport = RecordingTransport(record, max_bytes=loaded.http.max_page_bytes)
            except OSError as error:
                raise InputError(f"cannot write cassettes to {record}: "
                                 f"{error.strerror or error}") from None
        return cls(loaded, read_only=read_only, transport=transport,
                   replaying=replay is not None, env=env, owner=owner)

    # --- plumbing -----------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """This thread's connection to the database (SQLite objects stay in theirs)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.config.database, read_only=self.read_only)
            self._local.store = store
            with self._guard:
                self._stores.append(store)
        return store

    @property
    def fetcher(self) -> Fetcher:
        with self._guard:
            if self._fetcher is None:
                from monitor.fetch import Fetcher

                settings = self.config.http
                intervals = self.host_intervals()
                if self._replaying:  # answers come from disk: no host to be polite to
                    settings = replace(settings, min_interval=0.0)
                    intervals = dict.fromkeys(intervals, 0.0)
                self._fetcher = Fetcher(settings, transport=self._transport,
                                        host_intervals=intervals, wall_clock=self.clock,
                                        on_host_event=self._host_events.put)
            return self._fetcher

    def host_intervals(self) -> dict[str, float]:
        """Each registry host's pace; a host two registries share takes the slower."""
        intervals: dict[str, float] = {}
        for registry in self.registries.values():
            for host in registry.fetch_hosts:
                intervals[host] = max(intervals.get(host, 0.0), registry.settings.min_interval)
        return intervals

    @property
    def channels(self) -> list[Channel]:
        with self._guard:
            if self._channels is None:
                from monitor.alert.channels import ChannelContext, build_channels
                from monitor.fetch.post import Poster

                self._poster = Poster(user_agent=self.config.http.user_agent)
                context = ChannelContext(self._poster, self.env, self.config.alerts.language)
                self._channels = build_channels(self.config.alerts.channels, context)
            return self._channels

    def require_secrets(self) -> None:
        """Refuse to start when a configured channel's secret variable is unset: found now,
        not when the first alert fails hours later."""
        _refuse_missing_secrets(self.config, self.env)

    def close(self) -> None:
        with self._guard:
            stores, self._stores = self._stores, []
            fetcher, self._fetcher = self._fetcher, None
            poster, self._poster = self._poster, None
        if fetcher is not None:
            fetcher.close()
        if poster is not None:
            poster.close()
        for store in stores:
            store.close()
        self._local = threading.local()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- trials by any ID form ----------------------------------------------------------

    def ref(self, text: str) -> TrialRef:
        return parse_trial_input(text, self.registries)

    def find(self, text: str) -> TrialRow:
        """The stored trial that ``text`` names, in any ID form."""
        ref = self.ref(text)
        row = self.store.trials.find(ref)
        if row is None:
            if self.watches.lists(ref):
                raise InputError(f"{text} is listed under [[watch]] but not checked yet: run "
                                 "`ctr-monitor check` first")
            raise InputError(f"{text} is not watched: add it with `ctr-monitor add {text}`")
        return row

    def watch(self, texts: Sequence[str], *, source: str = "cli"
              ) -> list[tuple[TrialRow, bool]]:
        """Watch trials (all IDs checked before any is added); each row and whether it
        was newly watched."""
        refs = [(text, self.ref(text)) for text in texts]
        return [self.store.trials.watch(ref, source=source, typed=text) for text, ref in refs]

    def unwatch(self, text: str) -> tuple[TrialRow, bool]:
        """Stop watching (history is kept); the row and whether it was watched."""
        ref = self.ref(text)
        if self.watches.lists(ref):
            raise InputError(f"{text} is listed under [[watch]] in {self.config.path}: "
                             "delete it there to stop watching it")
        row = self.find(text)
        if self.watches.is_config_watch(row):
            raise InputError(f"{row.label} is listed under [[watch]] in {self.config.path}: "
                             "delete it there to stop watching it")
        if not row.watched:
            return row, False
        self.store.trials.unwatch(row)
        return row, True

    def sync_config_watches(self) -> None:
        """``[[watch]]`` entries are watched trials."""
        for watch, ref in self.watches.entries:
            self.store.trials.watch(ref, source="config", typed=watch.id)

    def watched(self) -> list[TrialRow]:
        """Watched trials; a read-only monitor also shows ``[[watch]]`` entries no check
        has stored yet (as never checked), since it may not add them itself."""
        rows = self.store.trials.watched()
        if not self.read_only:
            return rows
        for number, (watch, ref) in enumerate(self.watches.entries, start=1):
            if self.store.trials.find(ref) is None:
                rows.append(TrialRow(id=-number, registry=ref.registry, trial_id=ref.trial_id,
                                     keys=ref.keys, title=None, status=None,
                                     date_last_modified=None, watched=True,
                                     watch_source="config", added_input=watch.id,
                                     added_at="", last_checked_at=None, last_success_at=None,
                                     consecutive_failures=0, last_error=None))
        return rows

    def rules_for(self, row: TrialRow) -> AlertRules:
        return self.watches.rules_for(row, self.config.alerts.rules)

    def interval_for(self, row: TrialRow) -> float:
        return self.watches.interval_for(row) or self.config.schedule.interval

    def registry_of(self, row: TrialRow) -> Registry:
        return self.registries[row.registry]

    # --- checking -----------------------------------------------------------------------

    def notifier(self, store: Store) -> Notifier:
        from monitor.alert.outbox import AlertQueue
        from monitor.check.notify import Notifier

        queue_ = AlertQueue(store, [channel.key for channel in self.channels],
                            self.config.alerts, clock=self.clock) if self.channels else None
        return Notifier(queue_, self.registries,
                        failure_threshold=self.config.alerts.failure_threshold,
                        rules_for=self.rules_for)

    def groups(self, rows: Iterable[TrialRow]) -> list[list[int]]:
        """The linked groups of ``rows``: a trial and its twins are one unit of work."""
        return self.store.links.groups(row.id for row in rows)

    def check(self, texts: Sequence[str] = (), *, full: bool = False,
              progress: ProgressCallback | None = None) -> PassResult:
        """One pass now over every watched trial (or the ones named), with the registry
        twins they link to. Groups run on several workers, so every host is kept busy
        at its own pace: a pass costs the slowest host, not the sum of all."""
        self.sync_config_watches()
        rows = [self.find(text) for text in texts] if texts else self.watched()
        if not rows:
            raise InputError("no trials watched: add one with `ctr-monitor add UMIN000041461`,"
                             " or list it under [[watch]] in the config"
                             + ("" if self.config.path else " " + phrase("no_config_here",
                                                                          "en")))
        result = self.run_pass(self.groups(rows), full=full or bool(texts), progress=progress)
        self.prune_fetch_log_if_due()
        return result

    def run_pass(self, groups: Sequence[Sequence[int]], *, full: bool = False,
                 progress: ProgressCallback | None = None,
                 workers: int | None = None) -> PassResult:
        from monitor.check.checker import Checker, Claims

        result = PassResult()
        self.restore_hosts()
        gates: dict[str, ListingGate] = {}
        if not full:
            from monitor.check.listing import refresh_listings

            listings, gates = refresh_listings(self)
            result.listings += listings
        settings = self.check_settings(gates)
        claims = Claims()

        def work(group: Sequence[int]) -> tuple[list[Any], list[Any]]:
            store = self.store
            try:
                return Checker(store, settings, self.notifier(store)).check_group(group,
                                                                                  claims)
            finally:
                self.record_host_events(store)

        def collect(pages: list[Any], pairs: list[Any]) -> None:
            result.pages += pages
            result.pairs += pairs
            if progress is not None:
                for page in pages:
                    progress(page)

        count = max(1, min(workers or self.config.schedule.workers, len(groups)))
        if count == 1:  # one group, or one worker: no thread to start
            for group in groups:
                collect(*work(group))
        else:
            with ThreadPoolExecutor(count, thread_name_prefix="check") as pool:
                for future in as_completed([pool.submit(work, group) for group in groups]):
                    collect(*future.result())
        self.record_host_events(self.store)
        # a replay asks no host: pauses a live run saw are not this run's news
        result.paused = [] if self._replaying else self.store.hosts.all()
        return result

    def check_settings(self, gates: Mapping[str, ListingGate] | None = None) -> CheckSettings:
        from monitor.check.checker import CheckSettings

        return CheckSettings(
            fetcher=self.fetcher, registries=self.registries, policy=self.policy,
            consistency=self.config.consistency, follow_links=self.config.follow_links,
            languages_for=self.watches.languages_for,
            hold_limit=self.config.alerts.failure_threshold, gates=dict(gates or {}),
            check_id=uuid.uuid4().hex[:12])

    # --- hosts --------------------------------------------------------------------------

    def registry_of_host(self, host: str) -> str | None:
        return next((name for name, registry in self.registries.items()
                     if host in registry.fetch_hosts or host in registry.hosts), None)

    def restore_hosts(self) -> None:
        """Pauses another process saw (the daemon, an earlier check) hold here too."""
        from monitor.fetch.hosts import HostState

        if self._replaying:
            return
        rows = self.store.hosts.all()
        if rows:
            self.fetcher.restore_host_states(
                HostState(host=row.host, kind=row.kind,  # type: ignore[arg-type]
                          since=timestamp(row.since), until=timestamp(row.until),
                          cooldown=row.cooldown, last_reason=row.reason or "",
                          count=row.episodes) for row in rows)

    def record_host_events(self, store: Store) -> None:
        """Persist the fetcher's host episodes and alert once per episode (blocked and
        unblocked, unreachable and reachable)."""
        if self._replaying:  # answers from disk: no host was asked, none is paused
            return
        notifier: Notifier | None = None
        while True:
            try:
                event = self._host_events.get_nowait()
            except queue.Empty:
                break
            notifier = notifier or self.notifier(store)
            kind, state = event.kind, event.state
            registry = self.registry_of_host(event.host)
            with store.transaction():
                if kind in ("blocked", "unreachable"):
                    row = HostRow(host=event.host, kind=kind, since=iso_time(state.since),
                                  until=iso_time(state.until), cooldown=state.cooldown,
                                  reason=state.last_reason, episodes=state.count)
                    store.hosts.save(row)
                    if kind == "blocked":
                        notifier.host_changed("registry.blocked", host=event.host,
                                              registry=registry, until=row.until,
                                              reason=row.reason)
                    log.warning("%s %s (%s): requests to it paused until %s", event.host,
                                kind, state.last_reason, row.until)
                else:
                    previous = store.hosts.get(event.host)
                    store.hosts.clear(event.host)
                    if kind == "unblocked":
                        notifier.host_changed("registry.unblocked", host=event.host,
                                              registry=registry,
                                              since=previous.since if previous else None)
                    log.info("%s answers again", event.host)
        self._save_host_states(store)

    def _save_host_states(self, store: Store) -> None:
        """Every pause as the fetcher knows it now: a block met again within its episode
        doubles the pause without a new event, and the next process must see that."""
        if self._fetcher is None:
            return
        known = {row.host: row for row in store.hosts.all()}
        with store.transaction():
            for host, state in self._fetcher.host_states().items():
                row = HostRow(host=host, kind=state.kind, since=iso_time(state.since),
                              until=iso_time(state.until), cooldown=state.cooldown,
                              reason=state.last_reason, episodes=state.count)
                if known.get(host) != row:
                    store.hosts.save(row)

    # --- alerts -------------------------------------------------------------------------

    def deliver_alerts(self, *, waiting_too: bool = False) -> DeliveryReport:
        from monitor.alert.outbox import DeliveryReport, deliver_due

        if not self.channels:
            return DeliveryReport()
        return deliver_due(self.store, self.channels, self.config.alerts, owner=self.owner,
                           waiting_too=waiting_too, clock=self.clock)

    def test_alerts(self) -> list[tuple[str, bool, str]]:
        """A sample alert through every channel: (channel, delivered?, detail) each."""
        from monitor.alert.events import sample_event
        from monitor.errors import DeliveryError

        results = []
        for channel in self.channels:
            try:
                detail = channel.send(sample_event(utc_now()), f"test-{uuid.uuid4().hex}")
                results.append((channel.describe(), True, detail))
            except DeliveryError as error:
                results.append((channel.describe(), False, str(error)))
        return results

    def retry_alerts(self) -> tuple[int, DeliveryReport]:
        """Revive given-up alerts and try every waiting one now, backoff or not."""
        revived = self.store.outbox.revive_dead(utc_now())
        return revived, self.deliver_alerts(waiting_too=True)

    def take_over_leases(self, owner_kind: str) -> int:
        """Release the leases a dead process of ``owner_kind`` held (call while holding
        the lock that proves no such process runs)."""
        return self.store.outbox.release_leases(f"{owner_kind}:")

    # --- housekeeping -------------------------------------------------------------------

    def prune_fetch_log_if_due(self) -> int:
        """Prune once a day whoever runs: the daemon, or a `check` from cron."""
        last = self.store.meta("pruned_at")
        if last and self.clock() - timestamp(last) < 86400:
            return 0
        folded = self.prune_fetch_log()
        with self.store.transaction():
            self.store.set_meta("pruned_at", iso_time(self.clock()))
        return folded

    def prune_fetch_log(self) -> int:
        """Fold fetch-log rows older than ``[storage] keep_fetch_log`` into daily
        summaries."""
        before = iso_time(self.clock() - self.config.keep_fetch_log)
        with self.store.transaction():
            return self.store.fetches.prune(before)

    # --- reading ------------------------------------------------------------------------

    def search(self, text: str) -> list[Any]:
        """Stored trials whose titles or conditions, in either language, hold ``text``."""
        from monitor.report.views import search

        if not any(character.isalnum() for character in text):
            raise InputError(f"search for what? {text.strip()!r} has no letter or digit: give "
                             "a word of a title or a condition (cirrhosis, 肝硬変)")
        return search(self, text)

    def queries(self) -> list[Any]:
        from monitor.report.views import query_summaries

        return query_summaries(self)

    def query(self, name: str) -> list[Any]:
        from monitor.report.views import query_matches

        return query_matches(self, name)

    def report(self, since: str, texts: Sequence[str] = (), *,
               include_quiet: bool = False) -> list[Any]:
        """Every change since ``since`` of the trials named (default: every watched
        one) and their twins, with their flags."""
        from monitor.report.collect import collect_report

        rows = [self.find(text) for text in texts] if texts else self.watched()
        return collect_report(self, rows, since=since,
                              today=datetime.fromtimestamp(self.clock(), UTC).date(),
                              include_quiet=include_quiet)

    def feed(self, since: str, limit: int = 200, *, lang: str = "en") -> bytes:
        """An Atom feed of the changes since ``since``, newest first."""
        from monitor.report.atom import FeedEntry, atom_feed
        from monitor.report.collect import check_key

        store = self.store
        groups: dict[tuple[int, str], list[Any]] = {}
        for version in store.versions.changed_since(since, limit * 2):
            groups.setdefault((version.trial, check_key(version)), []).append(version)
        entries = []
        told: dict[int, set[str]] = {}  # per trial: facts an older entry already gave
        for (trial, _), versions in sorted(groups.items(),
                                           key=lambda item: min(v.seen_at for v in item[1])):
            row = store.trials.get(trial)
            first = min(versions, key=lambda v: (v.language, v.number))
            seen = told.setdefault(trial, set())
            changes = []
            for change in merge_languages((v.language, store.versions.changes(v.id))
                                          for v in versions):
                key = repeat_key(change)
                if key in seen:
                    continue  # the same fact, shown on another language page later
                if key:
                    seen.add(key)
                changes.append(change)
            if not changes:
                continue
            record = first.record
            entries.append(FeedEntry(
                entry_id=(f"tag:ctr-monitor.invalid,2026:{row.registry}/{record.trial_id}/"
                          f"{first.language}/v{first.number}"),
                registry=row.registry, trial_id=record.trial_id,
                title=record_title(record, lang), url=record.url,
                seen_at=max(v.seen_at for v in versions), changes=changes))
        entries = sorted(entries, key=lambda e: e.seen_at, reverse=True)[:limit]
        return atom_feed(entries, feed_id=store.meta("feed_id") or "ctr-monitor",
                         generated_at=utc_now(), self_url=self.config.report.feed_url,
                         lang=lang)

    # --- maintenance --------------------------------------------------------------------

    def reparse(self, texts: Sequence[str] = (), *, apply: bool = False) -> list[Any]:
        """Re-derive stored history with today's parser (``apply`` rewrites it, marked
        as a rebuild, and never alerts)."""
        from monitor.maintenance.reparse import reparse_trial

        rows = [self.find(text) for text in texts] if texts else self.store.trials.all()
        return [result for row in rows for result in reparse_trial(self, row, apply=apply)]

    def doctor(self, texts: Sequence[str] = (), *, live: bool = False,
               out: Path | None = None) -> Any:
        from monitor.maintenance import doctor

        if live:
            self._refuse_replay("doctor --live")
            return doctor.live(self, texts, out or Path("doctor"))
        return doctor.offline(self, texts)

    def record(self, texts: Sequence[str], out: Path,
               languages: Sequence[str] = ()) -> list[tuple[str, bool]]:
        """Fetch the named trials' pages into a cassette, each parsed as it comes."""
        from monitor.maintenance.recording import record_cassette

        self._refuse_replay("record")
        return record_cassette(self, texts, out, languages)

    def _refuse_replay(self, command: str) -> None:
        if self._replaying:
            raise InputError(f"`{command}` asks the registries themselves; --replay would "
                             "answer from a cassette: drop --replay")

    def alerts(self, *, include_delivered: bool = False) -> list[Any]:
        statuses = ("pending", "dead", "delivered") if include_delivered else \
            ("pending", "dead")
        return self.store.outbox.with_status(statuses)

    # --- the daemon's units of work ----------------------------------------------------

    def schedule_groups(self) -> list[ScheduledGroup]:
        """The watched trials as units of work: each linked group (a trial and its twins)
        once, however many of its members are watched, at the shortest interval of its
        watched members, due when its earliest member is."""
        watched = self.store.trials.watched()
        by_id = {row.id: row for row in watched}
        groups = []
        for members in self.groups(watched):
            rows = [by_id[m] for m in members if m in by_id]
            if not rows:
                continue
            dues = [row.next_check_at for row in rows if row.next_check_at]
            groups.append(ScheduledGroup(
                key="group-" + "-".join(str(row.id) for row in rows),
                members=members, watched=rows,
                interval=min(self.interval_for(row) for row in rows),
                next_check_at=min(dues) if dues else None,
                never_checked=any(row.last_checked_at is None for row in rows)))
        return groups

    def check_group(self, members: Sequence[int]) -> tuple[list[Any], list[Any]]:
        """Check one linked group now (the daemon's job), the registry listings' signals
        applied where they are fresh."""
        from monitor.check.checker import Checker, Claims
        from monitor.check.listing import standing_gates

        store = self.store
        settings = self.check_settings(standing_gates(self))
        try:
            return Checker(store, settings, self.notifier(store)).check_group(members,
                                                                              Claims())
        finally:
            self.record_host_events(store)

    def set_next_check(self, members: Sequence[int], when: float | None) -> None:
        with self.store.transaction():
            self.store.trials.set_next_check(members, iso_time(when) if when else None)

    def watchdog(self, *, alarm_after: float = 2.0) -> list[TrialRow]:
        """One ``trial.overdue`` alert per episode for any watch not checked successfully
        within ``alarm_after`` times its interval: the alarm for a monitor that has quietly
        stopped. A trial whose host is paused is the host's alert, not its own."""
        store = self.store
        now = self.clock()
        paused = {row.host for row in store.hosts.all()}
        shortest = min([self.config.schedule.interval,
                        *(watch.interval for watch, _ in self.watches.entries if watch.interval)])
        alarmed = []
        for row in store.trials.stale(iso_time(now - alarm_after * shortest)):
            registry = self.registries.get(row.registry)
            if registry is not None and page_host(registry) in paused:
                continue
            interval = self.interval_for(row)
            last = row.last_success_at or row.added_at
            if last and now - timestamp(last) > alarm_after * interval:
                with store.transaction():
                    store.trials.set_overdue(row.id, iso_time(now))
                    self.notifier(store).trial_overdue(store.trials.get(row.id), interval)
                alarmed.append(row)
        return alarmed


def _refuse_missing_secrets(config: Config, env: Mapping[str, str]) -> None:
    problems = environment_problems(config, env)
    if problems:
        raise ConfigError(problems[0] + (f" (and {len(problems) - 1} more)"
                                         if len(problems) > 1 else ""))


@dataclass(frozen=True)
class ScheduledGroup:
    key: str
    members: list[int]
    watched: list[TrialRow]
    interval: float
    next_check_at: str | None
    never_checked: bool
