"""The ``[[watch]]`` entries of the config, indexed once by the trial they name, so that
a watch's own languages, interval and alert rules are found in constant time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.config.model import AlertRules, Watch
from monitor.errors import InputError
from monitor.registries import Registry, TrialRef, parse_trial_input
from monitor.store import TrialRow


class WatchIndex:
    def __init__(self, watches: Sequence[Watch], registries: Mapping[str, Registry],
                 config_path: object = None) -> None:
        self.entries: list[tuple[Watch, TrialRef]] = []
        self._by_key: dict[tuple[str, str, str], Watch] = {}
        for number, watch in enumerate(watches, start=1):
            try:
                ref = parse_trial_input(watch.id, registries)
            except InputError as error:
                where = f"{config_path}: " if config_path else ""
                raise InputError(f"{where}[[watch]] #{number}: {error}") from None
            self.entries.append((watch, ref))
            if ref.trial_id:
                self._by_key[(ref.registry, "id", ref.trial_id)] = watch
            for name, value in ref.keys:
                self._by_key[(ref.registry, name, value)] = watch

    def watch_for(self, row: TrialRow) -> Watch | None:
        if row.trial_id:
            found = self._by_key.get((row.registry, "id", row.trial_id))
            if found is not None:
                return found
        for name, value in row.keys:
            found = self._by_key.get((row.registry, name, value))
            if found is not None:
                return found
        return None

    def lists(self, ref: TrialRef) -> bool:
        """Whether a ``[[watch]]`` entry names the trial ``ref`` names (by ID or key)."""
        keys = [("id", ref.trial_id)] if ref.trial_id else []
        return any((ref.registry, name, value) in self._by_key
                   for name, value in [*keys, *ref.keys])

    def languages_for(self, row: TrialRow) -> tuple[str, ...] | None:
        watch = self.watch_for(row)
        return watch.languages if watch else None

    def interval_for(self, row: TrialRow) -> float | None:
        watch = self.watch_for(row)
        return watch.interval if watch else None

    def rules_for(self, row: TrialRow, default: AlertRules) -> AlertRules:
        watch = self.watch_for(row)
        return watch.alert_rules if watch and watch.alert_rules else default

    def note_for(self, row: TrialRow) -> str:
        watch = self.watch_for(row)
        return watch.note if watch else ""

    def is_config_watch(self, row: TrialRow) -> bool:
        return self.watch_for(row) is not None
