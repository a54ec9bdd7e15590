"""What every command needs, built lazily from the global options: the config, the
registries, the store (config watches synced into it), the fetcher and the checker."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import httpx

from monitor.alert import Channel, Outbox, build_channels
from monitor.config import AlertRules, Config, load_config
from monitor.errors import InputError
from monitor.fetch.cassette import RecordingTransport, ReplayTransport
from monitor.fetch.client import Fetcher
from monitor.fetch.post import Poster
from monitor.pipeline import Checker
from monitor.registries import build_registries, parse_trial_input
from monitor.registries.base import Registry, TrialRef
from monitor.store import Store, TrialRow


@dataclass
class App:
    config_path: Path | None = None
    record_dir: Path | None = None
    replay_dir: Path | None = None
    _closers: list = field(default_factory=list)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @cached_property
    def registries(self) -> dict[str, Registry]:
        return build_registries(self.config.registries)

    @cached_property
    def store(self) -> Store:
        store = Store(self.config.database)
        self._closers.append(store.close)
        self._sync_config_watches(store)
        return store

    @cached_property
    def fetcher(self) -> Fetcher:
        transport: httpx.BaseTransport | None = None
        settings = self.config.http
        if self.replay_dir is not None:
            transport = ReplayTransport(self.replay_dir)
            # Replayed responses come from disk: no host to be polite to.
            settings = dataclasses.replace(settings, min_interval=0.0)
        elif self.record_dir is not None:
            try:
                transport = RecordingTransport(self.record_dir)
            except OSError as error:
                raise InputError(f"cannot write cassettes to {self.record_dir}: "
                                 f"{error.strerror or error}") from None
        fetcher = Fetcher(settings, transport=transport)
        self._closers.append(fetcher.close)
        return fetcher

    @cached_property
    def poster(self) -> Poster:
        poster = Poster(user_agent=self.config.http.user_agent)
        self._closers.append(poster.close)
        return poster

    @cached_property
    def channels(self) -> list[Channel]:
        return build_channels(self.config.alerts, self.poster)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.store, self.channels, self.config.alerts, rules_for=self.rules_for)

    @cached_property
    def checker(self) -> Checker:
        return Checker(self.store, self.fetcher, self.registries,
                       severity_rules=self.config.severity_rules,
                       consistency_rules=self.config.consistency, sink=self.outbox)

    def rules_for(self, row: TrialRow) -> AlertRules:
        """A watch's own alert rules where it has them, else the global ones."""
        for watch in self.config.watches:
            if watch.alert_rules is None:
                continue
            try:
                if self._same(self.parse_ref(watch.id), row):
                    return watch.alert_rules
            except InputError:
                continue
        return self.config.alerts.rules

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()

    # --- trials by any ID form -----------------------------------------------------

    def parse_ref(self, text: str) -> TrialRef:
        return parse_trial_input(text, self.registries)

    def find(self, text: str) -> TrialRow:
        """The stored trial that ``text`` names, in any ID form."""
        ref = self.parse_ref(text)
        row = self.store.find_trial(ref)
        if row is None:
            raise InputError(f"{text} is not watched: add it with `ctr-monitor add {text}`")
        return row

    def languages_for(self, row: TrialRow) -> tuple[str, ...] | None:
        for watch in self.config.watches:
            try:
                ref = self.parse_ref(watch.id)
            except InputError:
                continue
            if watch.languages and self._same(ref, row):
                return watch.languages
        return None

    @staticmethod
    def _same(ref: TrialRef, row: TrialRow) -> bool:
        return ref.registry == row.registry and (
            (ref.trial_id is not None and ref.trial_id == row.trial_id)
            or (ref.receipt_number is not None and ref.receipt_number == row.receipt_number))

    def is_config_watch(self, row: TrialRow) -> bool:
        for watch in self.config.watches:
            try:
                if self._same(self.parse_ref(watch.id), row):
                    return True
            except InputError:
                continue
        return False

    def interval_for(self, row: TrialRow) -> float | None:
        """A watch's own check interval, if its [[watch]] entry sets one."""
        for watch in self.config.watches:
            try:
                if watch.interval and self._same(self.parse_ref(watch.id), row):
                    return watch.interval
            except InputError:
                continue
        return None

    def sync_config_watches(self, store: Store) -> None:
        self._sync_config_watches(store)

    def _sync_config_watches(self, store: Store) -> None:
        """``[[watch]]`` entries are watched trials; validate them all before any run."""
        refs = []
        for number, watch in enumerate(self.config.watches, start=1):
            try:
                refs.append((watch.id, parse_trial_input(watch.id, self.registries)))
            except InputError as error:
                where = f"{self.config.path}: " if self.config.path else ""
                raise InputError(f"{where}[[watch]] #{number}: {error}") from None
        for typed, ref in refs:
            store.watch(ref, source="config", typed=typed)


def app_of(ctx) -> App:
    """The App of the command being run (built by the ``ctr-monitor`` group)."""
    return ctx.obj["app"]
