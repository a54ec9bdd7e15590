"""What a report says, gathered from the store into plain data (the renderers format it).

Every change in the period, grouped by trial, most severe first; each trial's status over
time; its open UMIN↔jRCT disagreements; whether its checks are failing; overdue flags.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from monitor.report.overdue import OverdueRules, overdue_flags
from monitor.store import Store, TrialRow

_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass
class TrialReport:
    registry: str
    trial_id: str
    title: str | None
    url: str | None
    status: str | None
    date_last_modified: str | None
    changes: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    failing: dict[str, Any] | None = None
    overdue: list[str] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)

    @property
    def rank(self) -> tuple:
        worst = min((_RANK[c["severity"]] for c in self.changes), default=3)
        flagged = bool(self.disagreements or self.failing or self.overdue)
        return (worst, -len(self.changes), not flagged, self.trial_id)

    @property
    def newsworthy(self) -> bool:
        return bool(self.changes or self.disagreements or self.failing or self.overdue)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect_report(store: Store, rows: Sequence[TrialRow], *, since: str, today: date,
                   overdue_rules: OverdueRules | None = None,
                   include_quiet: bool = False) -> list[TrialReport]:
    """Reports for ``rows`` and their linked twins, most newsworthy first; trials with
    nothing to report are left out unless ``include_quiet``."""
    seen: set[int] = set()
    ordered: list[TrialRow] = []
    for row in rows:
        for each in (row, *store.linked(row.id)):
            if each.id not in seen:
                seen.add(each.id)
                ordered.append(each)
    rules = overdue_rules or OverdueRules()
    reports = [_trial_report(store, row, since, today, rules) for row in ordered]
    kept = [r for r in reports if include_quiet or r.newsworthy]
    return sorted(kept, key=lambda r: r.rank)


def _trial_report(store: Store, row: TrialRow, since: str, today: date,
                  rules: OverdueRules) -> TrialReport:
    versions = store.versions(row.id)
    latest = max(versions, key=lambda v: (v.seen_at, v.number), default=None)
    record = latest.record if latest else {}
    changes = []
    for version in versions:
        if version.seen_at < since:
            continue
        for change in store.changes(version.id):
            changes.append({"version": version.number, "language": version.language,
                            "seen_at": version.seen_at, **change.to_dict()})
    changes.sort(key=lambda c: (_RANK[c["severity"]], c["seen_at"]))
    timeline, last = [], None
    for version in sorted(versions, key=lambda v: v.seen_at):
        status = version.record.get("status")
        if status != last:
            timeline.append({"seen_at": version.seen_at, "status": status,
                             "status_raw": version.record.get("status_raw"),
                             "language": version.language})
            last = status
    disagreements = []
    linked = store.linked(row.id)
    for other in linked:
        for d in store.open_disagreements(row.id, other.id).values():
            disagreements.append({"with": other.label, "field": d["field"],
                                  "values": json.loads(d["values"]), "severity": d["severity"],
                                  "note": d["note"], "since": d["opened_at"]})
    failing = None
    if row.consecutive_failures:
        failing = {"consecutive_failures": row.consecutive_failures,
                   "last_error": row.last_error, "last_success_at": row.last_success_at}
    return TrialReport(
        registry=row.registry, trial_id=row.label, title=row.title, url=record.get("url"),
        status=record.get("status"), date_last_modified=record.get("date_last_modified"),
        changes=changes, timeline=timeline, disagreements=disagreements, failing=failing,
        overdue=overdue_flags(record, today, rules) if record else [],
        linked_to=[other.label for other in linked])
