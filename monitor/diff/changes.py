"""``diff_versions``: what changed between two canonical records, and how much it matters.

Pure: two records in, a list of changes out. "Changed" is decided on the normalized
record in its comparison form (NFKC), never on page text, so markup, whitespace and
full-width/half-width variants are no change. A raw field that a canonical field is
built from is reported once, under the canonical name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

from monitor.normalize.record import CANONICAL_FIELDS
from monitor.normalize.values import comparable

SEVERITIES = ("high", "medium", "low")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

# Where a record came from, and in which language, is not trial content.
_NOT_COMPARED = {"url", "language", "registry"}

DEFAULT_SEVERITY_RULES: tuple[tuple[str, str], ...] = (
    ("status", "high"),
    ("target_sample_size", "high"),
    ("date_start", "high"),
    ("date_completion", "high"),
    ("date_registered", "high"),
    ("date_disclosed", "high"),
    ("trial_id", "high"),
    ("date_last_modified", "medium"),
    ("*outcome*", "medium"),
    ("*Outcome*", "medium"),
    ("*", "low"),
)


@dataclass(frozen=True)
class Change:
    """One field's change; ``old``/``new`` are None where the field was absent."""

    field: str
    old: Any
    new: Any
    severity: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def severity_of(path: str, rules: Iterable[tuple[str, str]]) -> str:
    """Severity of a field path by the first matching ``(glob, severity)`` rule."""
    for pattern, severity in rules:
        if fnmatchcase(path, pattern):
            return severity
    return "low"


def flatten_fields(fields: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``{section: {label: value}}`` → ``{"fields.<section>.<label>": value}``."""
    return {
        f"fields.{section}.{label}": value
        for section, labels in (fields or {}).items()
        for label, value in labels.items()
    }


def diff_versions(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    rules: Sequence[tuple[str, str]] = (),
    canonical_sources: Mapping[str, str] | None = None,
) -> list[Change]:
    """Changes from ``old`` to ``new``, most severe first, page order within a severity.

    ``rules`` are ``(glob, severity)`` pairs tried before the defaults (the registry's
    rules, then the user's overrides, go first). ``canonical_sources`` maps raw field
    paths to the canonical field built from them: such a raw change is left out when
    its canonical field changed too, so one fact is reported once.
    """
    all_rules = [*rules, *DEFAULT_SEVERITY_RULES]
    changes: list[Change] = []
    for name in CANONICAL_FIELDS:
        if name in _NOT_COMPARED:
            continue
        before, after = old.get(name), new.get(name)
        if comparable(before) != comparable(after):
            changes.append(Change(name, before, after, severity_of(name, all_rules)))
    changed_canonical = {change.field for change in changes}
    sources = canonical_sources or {}
    old_raw, new_raw = flatten_fields(old.get("fields", {})), flatten_fields(new.get("fields", {}))
    for path in [*new_raw, *(p for p in old_raw if p not in new_raw)]:
        before, after = old_raw.get(path), new_raw.get(path)
        if comparable(before) == comparable(after):
            continue
        if sources.get(path) in changed_canonical:
            continue
        changes.append(Change(path, before, after, severity_of(path, all_rules)))
    return sorted(changes, key=lambda change: _RANK.get(change.severity, len(SEVERITIES)))
