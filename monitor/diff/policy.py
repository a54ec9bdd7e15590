"""The diff policy: what changed between two records, and how much it matters.

Built once from the config (the user's ``[severity]`` overrides) and the registries'
own rules, and used by every path that compares records — a check, a reparse, ``diff``,
``record`` — so that a change has the same severity whichever path found it. Pure.

"Changed" is decided on the normalized record in its comparison form (NFKC), never on
page text, so markup, whitespace and full-width/half-width variants are no change. A raw
field that a canonical field is built from is never reported itself: the canonical field
carries the change, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache

from monitor.diff.changes import Change, flatten_fields, most_severe_first
from monitor.diff.severity import Severity
from monitor.normalize.record import CANONICAL_FIELDS, TrialRecord
from monitor.normalize.values import comparable
from monitor.parse.html import label_key

# Where a record came from, in which language, and under which registry keys, is not
# trial content; the raw status words are reported through ``status``.
_NOT_COMPARED = {"url", "language", "registry", "registry_ids", "status_raw"}

DEFAULT_SEVERITY_RULES: tuple[tuple[str, Severity], ...] = (
    ("status", Severity.HIGH),
    ("target_sample_size", Severity.HIGH),
    ("date_start", Severity.HIGH),
    ("date_completion", Severity.HIGH),
    ("date_registered", Severity.HIGH),
    ("date_disclosed", Severity.HIGH),
    ("trial_id", Severity.HIGH),
    ("consistency.status", Severity.HIGH),
    ("consistency.target_sample_size", Severity.MEDIUM),
    ("date_last_modified", Severity.MEDIUM),
    ("*outcome*", Severity.MEDIUM),
    ("*Outcome*", Severity.MEDIUM),
    ("*", Severity.LOW),
)


@dataclass(frozen=True)
class DiffRules:
    """A registry's part of the diff policy.

    ``canonical_sources`` maps a raw field path to the canonical field built from it, so a
    change is reported once, under its canonical name; ``severity`` are ``(glob, severity)``
    rules on its raw field paths, tried after the user's overrides.
    """

    canonical_sources: Mapping[str, str] = field(default_factory=dict)
    severity: tuple[tuple[str, Severity], ...] = ()


def source_key(path: str) -> str:
    """A raw field path in the form sources are matched in: the label by meaning."""
    head, _, label = path.rpartition(".")
    return f"{head}.{label_key(label)}" if head else path


class DiffPolicy:
    """Severity rules (the user's, then each registry's, then the defaults) and each
    registry's canonical sources."""

    def __init__(self, user_rules: Sequence[tuple[str, Severity]] = (),
                 registry_rules: Mapping[str, DiffRules] | None = None) -> None:
        self.user_rules = tuple(user_rules)
        self._registries = dict(registry_rules or {})
        self._sources = {name: {source_key(path): field
                                for path, field in rules.canonical_sources.items()}
                         for name, rules in self._registries.items()}

    def severity(self, path: str, registry: str | None = None) -> Severity:
        return _severity(path, self._rules(registry))

    def _rules(self, registry: str | None) -> tuple[tuple[str, Severity], ...]:
        own = self._registries[registry].severity if registry in self._registries else ()
        return (*self.user_rules, *own, *DEFAULT_SEVERITY_RULES)

    def is_source(self, registry: str, path: str) -> bool:
        return source_key(path) in self._sources.get(registry, {})

    def diff(self, old: TrialRecord, new: TrialRecord) -> list[Change]:
        """Changes from ``old`` to ``new``, most severe first, page order within a
        severity."""
        registry = new.registry
        rules = self._rules(registry)
        changes: list[Change] = []
        for name in CANONICAL_FIELDS:
            if name in _NOT_COMPARED:
                continue
            before, after = old.get(name), new.get(name)
            if comparable(before) != comparable(after):
                changes.append(Change(name, before, after, _severity(name, rules)))
        if old.status == new.status == "unknown" and \
                comparable(old.status_raw) != comparable(new.status_raw):
            # Words no vocabulary knows: the only trace of a status change.
            changes.append(Change("status_raw", old.status_raw, new.status_raw,
                                  _severity("status", rules)))
        sources = self._sources.get(registry, {})
        old_raw, new_raw = flatten_fields(old.fields), flatten_fields(new.fields)
        for path in [*new_raw, *(p for p in old_raw if p not in new_raw)]:
            if source_key(path) in sources:
                continue
            before, after = old_raw.get(path), new_raw.get(path)
            if comparable(before) != comparable(after):
                changes.append(Change(path, before, after, _severity(path, rules)))
        return most_severe_first(changes)


@lru_cache(maxsize=8192)
def _severity(path: str, rules: tuple[tuple[str, Severity], ...]) -> Severity:
    for pattern, severity in rules:
        if fnmatchcase(path, pattern):
            return severity
    return Severity.LOW


def repeat_key(change: Change) -> str | None:
    """What makes a change the same fact on another language page, seen in another check:
    a canonical field (the same on every page) with the same values. Raw fields are
    written per language, so they are never taken for repeats."""
    if change.field.startswith("fields."):
        return None
    return json.dumps([change.field, comparable(change.old), comparable(change.new)],
                      sort_keys=True, ensure_ascii=False, default=str)


def merge_languages(pages: Iterable[tuple[str, Sequence[Change]]]) -> list[Change]:
    """One list for a trial's check or period: a change seen on several language pages
    is one change, with its languages noted.

    Two changes are the same when they are on the same field and, after taking the
    English side of bilingual values, have the same old and new values; otherwise the
    field's change on the first page stands and later pages only add their language.
    """
    merged: dict[str, Change] = {}
    for language, changes in pages:
        for change in changes:
            found = merged.get(change.field)
            if found is None:
                merged[change.field] = Change(change.field, change.old, change.new,
                                              change.severity, (language,))
            elif language not in found.languages:
                merged[change.field] = Change(found.field, found.old, found.new,
                                              min(found.severity, change.severity,
                                                  key=lambda s: s.rank),
                                              (*found.languages, language))
    return most_severe_first(list(merged.values()))
