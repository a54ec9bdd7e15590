"""Re-derive history from the stored raw pages with the current parser.

Raw pages are kept so that a better parser can rebuild history: after an upgrade that
reads a field better, every stored version can be parsed again. A rebuild rewrites the
records and their diffs (with the one diff policy: the user's severity overrides
included), is marked as such (``versions.reparsed_at``), and never alerts. A stored page
the current parser cannot read leaves that history untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from monitor.check.derive import derive
from monitor.diff.changes import Change
from monitor.errors import MonitorError
from monitor.fetch import decode_html
from monitor.normalize.record import TrialRecord
from monitor.store import TrialRow

if TYPE_CHECKING:
    from monitor.core import Monitor


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


def reparse_trial(monitor: Monitor, row: TrialRow, *, apply: bool = False
                  ) -> list[ReparseResult]:
    store = monitor.store
    registry = monitor.registries[row.registry]
    results = []
    for language in store.versions.languages(row.id):
        versions = store.versions.of_trial(row.id, language)
        result = ReparseResult(row.label, row.registry, language, len(versions))
        fresh = []
        try:
            for version in versions:
                raw = store.versions.raw_page(version.page) if version.page else None
                if raw is None:
                    raise MonitorError(f"version {version.number} has no stored page")
                url = version.record.url or registry.page_url(row.ref(), language)
                text = decode_html(raw, store.versions.page_content_type(version.page or ""),
                                   url)
                derived = derive(registry, text, language, url)
                fresh.append(derived)
                differences = monitor.policy.diff(version.record, derived.record)
                if differences:
                    result.changed[version.number] = differences
        except MonitorError as error:
            result.error = f"{error} (history left as it was)"
            results.append(result)
            continue
        if apply and result.changed:
            rebuilt = []
            previous: TrialRecord | None = None
            for derived in fresh:
                changes = [] if previous is None else monitor.policy.diff(previous,
                                                                          derived.record)
                rebuilt.append((derived.record, derived.content_hash, changes))
                previous = derived.record
            with store.transaction():
                store.versions.rewrite_history([v.id for v in versions], rebuilt,
                                               registry.parser_version)
                latest = rebuilt[-1][0]
                store.trials.set_latest(row.id,
                                        title=latest.title_public or latest.title_scientific,
                                        status=latest.status,
                                        date_last_modified=latest.date_last_modified)
            result.applied = True
        results.append(result)
    return results
