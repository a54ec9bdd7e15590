"""Re-derive history from the stored raw pages with the current parser.

Raw pages are kept so that a better parser can rebuild history: after an upgrade that
reads a field better, every stored version can be parsed again. A rebuild rewrites the
records and their diffs, is marked as such (``versions.reparsed_at``), and never alerts.
A stored page the current parser cannot read leaves that history untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.diff.changes import Change, diff_versions
from monitor.errors import MonitorError
from monitor.fetch.decode import decode_html
from monitor.normalize.values import content_hash
from monitor.registries.base import Registry
from monitor.store import Store, TrialRow


@dataclass
class ReparseResult:
    """What re-parsing one trial's history in one language found (and did)."""

    trial: str
    registry: str
    language: str
    versions: int
    changed: dict[int, list[Change]] = field(default_factory=dict)  # number → differences
    error: str | None = None
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"trial": self.trial, "registry": self.registry, "language": self.language,
                "versions": self.versions, "error": self.error, "applied": self.applied,
                "changed": {str(n): [c.to_dict() for c in cs] for n, cs in
                            self.changed.items()}}


def reparse_trial(store: Store, registries: Mapping[str, Registry], row: TrialRow, *,
                  apply: bool = False) -> list[ReparseResult]:
    registry = registries[row.registry]
    results = []
    for language in store.languages(row.id):
        versions = store.versions(row.id, language)
        result = ReparseResult(row.label, row.registry, language, len(versions))
        fresh: list[dict[str, Any]] = []
        try:
            for version in versions:
                raw = store.raw_page(version.page) if version.page else None
                if raw is None:
                    raise MonitorError(f"version {version.number} has no stored page")
                url = version.record.get("url") or registry.page_url(row.ref(), language)
                text = decode_html(raw, store.page_content_type(version.page), url)
                record = registry.normalize(registry.parse_page(text, language), url).to_dict()
                fresh.append(record)
                differences = diff_versions(version.record, record,
                                            rules=registry.severity_rules())
                if differences:
                    result.changed[version.number] = differences
        except MonitorError as error:
            result.error = f"{error} (history left as it was)"
            results.append(result)
            continue
        if apply and result.changed:
            rebuilt = []
            previous: dict[str, Any] | None = None
            for record in fresh:
                changes = [] if previous is None else diff_versions(
                    previous, record, rules=registry.severity_rules(),
                    canonical_sources=registry.canonical_sources())
                rebuilt.append((record, content_hash(record), changes))
                previous = record
            with store.transaction():
                store.rewrite_history(row, language, [v.id for v in versions], rebuilt)
            result.applied = True
        results.append(result)
    return results
