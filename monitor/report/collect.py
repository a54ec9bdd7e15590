"""What a report says, gathered from the store into plain data (the renderers format it).

Every change in the period, grouped by trial, most severe first — a change seen on
several language pages of a trial counted once, with its languages noted; each trial's
status over time, by the registry's own dates; its open disagreements with linked
records; whether its checks are failing or its host is paused; overdue flags. The cost
follows the window: only versions seen in the period are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from monitor.diff.changes import Change
from monitor.diff.policy import merge_languages, repeat_key
from monitor.normalize.record import TrialRecord
from monitor.registries.base import page_host
from monitor.report.overdue import OverdueFlag, overdue_flags
from monitor.report.views import PairState, columns_overdue, pair_states
from monitor.store import HostRow, TrialRow, VersionRow
from monitor.store.versions import VersionColumns, pick_language

if TYPE_CHECKING:
    from monitor.core import Monitor


@dataclass
class ReportChange:
    """One change of a trial, once however many language pages showed it."""

    change: Change
    seen_at: str
    versions: dict[str, int]  # language → version number

    def to_dict(self) -> dict[str, Any]:
        return {**self.change.to_dict(), "seen_at": self.seen_at, "versions": self.versions}


@dataclass
class StatusPoint:
    """The status a version showed, dated by the registry's last-modified date where the
    page gives one (else the day the monitor saw it)."""

    date: str
    status: str | None
    status_raw: str | None
    registry_dated: bool


@dataclass
class TrialReport:
    row: TrialRow
    registry_title: str
    record: TrialRecord | None
    changes: list[ReportChange] = field(default_factory=list)
    timeline: list[StatusPoint] = field(default_factory=list)
    pairs: list[PairState] = field(default_factory=list)
    overdue: list[OverdueFlag] = field(default_factory=list)
    paused: HostRow | None = None
    linked_to: list[TrialRow] = field(default_factory=list)
    title_ja: str | None = None  # from whichever language page gives one

    @property
    def disagreements(self) -> list[PairState]:
        return [pair for pair in self.pairs if pair.disagreements]

    @property
    def failing(self) -> bool:
        return bool(self.row.consecutive_failures)

    @property
    def trial_id(self) -> str:
        return self.record.trial_id if self.record else self.row.label

    @property
    def rank(self) -> tuple[int, int, bool, str]:
        worst = min((c.change.severity.rank for c in self.changes), default=3)
        flagged = bool(self.disagreements or self.failing or self.overdue or self.paused)
        return (worst, -len(self.changes), not flagged, self.trial_id)

    @property
    def newsworthy(self) -> bool:
        return bool(self.changes or self.disagreements or self.failing or self.overdue
                    or self.paused)

    def to_dict(self) -> dict[str, Any]:
        record = self.record
        return {
            "registry": self.row.registry, "trial_id": self.trial_id,
            "title": record.title_public or record.title_scientific if record else self.row.title,
            "url": record.url if record else None,
            "status": record.status if record else self.row.status,
            "date_last_modified": record.date_last_modified if record else None,
            "changes": [change.to_dict() for change in self.changes],
            "timeline": [point.__dict__ for point in self.timeline],
            "disagreements": [
                {"with": pair.other.label, "registry": pair.other.registry,
                 "field": d.field, "values": d.values, "severity": d.severity.value,
                 "since": d.opened_at}
                for pair in self.disagreements for d in pair.disagreements],
            "failing": {"consecutive_failures": self.row.consecutive_failures,
                        "last_error": self.row.last_error,
                        "last_success_at": self.row.last_success_at} if self.failing else None,
            "paused": {"host": self.paused.host, "kind": self.paused.kind,
                       "until": self.paused.until} if self.paused else None,
            "overdue": [{"kind": flag.kind, "days": flag.days, "since": flag.since}
                        for flag in self.overdue],
            "linked_to": [row.label for row in self.linked_to],
        }


def collect_report(monitor: Monitor, rows: Sequence[TrialRow], *, since: str, today: date,
                   include_quiet: bool = False) -> list[TrialReport]:
    """Reports for ``rows`` and their linked twins, most newsworthy first; trials with
    nothing to report are left out unless ``include_quiet``.

    Which trials have something to report is found in bulk first, from plain columns and
    indexes: versions that changed something seen in the window, open disagreements,
    failing checks, paused hosts, overdue flags from the latest versions' columns. Only
    those trials are then read whole (records decompressed, changes, timelines), so the
    report's cost follows its window and its flags, not the number of versions."""
    store = monitor.store
    linked = store.links.all_linked()
    twins = {row.id: row for row in store.trials.many(sorted(
        {other for row in rows for other, _ in linked.get(row.id, ())}))}
    seen: set[int] = set()
    ordered: list[TrialRow] = []
    for row in rows:
        for each in (row, *(twins[other] for other, _ in linked.get(row.id, ())
                            if other in twins)):
            if each.id not in seen:
                seen.add(each.id)
                ordered.append(each)
    paused = {row.host: row for row in store.hosts.all()}
    latest = store.versions.latest_columns(row.id for row in ordered)
    if include_quiet:
        candidates = ordered
    else:
        changed = store.versions.changed_trials_since(since)
        disagreeing = {trial for pair in store.links.all_open_disagreements() for trial in pair}
        candidates = [row for row in ordered if row.id in changed or row.id in disagreeing
                      or row.consecutive_failures or _paused_host(monitor, row, paused)
                      or _overdue(monitor, row, latest, today)]
    reports = [_trial_report(monitor, row, since, today, paused, latest.get(row.id, {}))
               for row in candidates]
    kept = [r for r in reports if include_quiet or r.newsworthy]
    return sorted(kept, key=lambda r: r.rank)


def check_key(version: VersionRow | VersionColumns) -> str:
    """Versions found by one check share a key: changes seen on each language page of a
    trial in one check are one change. Versions stored before checks had an ID are
    grouped by the ten minutes they were seen in."""
    return version.check_id or version.seen_at[:15]


def merged_changes(monitor: Monitor, versions: Sequence[VersionRow | VersionColumns]
                   ) -> list[ReportChange]:
    store = monitor.store
    by_check: dict[str, list[VersionRow | VersionColumns]] = {}
    for version in versions:
        if version.change_count:
            by_check.setdefault(check_key(version), []).append(version)
    found: list[ReportChange] = []
    repeats: dict[str, ReportChange] = {}  # one fact seen on another page in a later check
    for group in sorted(by_check.values(), key=lambda g: min(v.seen_at for v in g)):
        merged = merge_languages((v.language, store.versions.changes(v.id)) for v in group)
        numbers = {v.language: v.number for v in group}
        seen_at = min(v.seen_at for v in group)
        for change in merged:
            key = repeat_key(change)
            earlier = repeats.get(key) if key else None
            if earlier is not None:
                languages = tuple(dict.fromkeys((*earlier.change.languages,
                                                 *change.languages)))
                earlier.change = replace(earlier.change, languages=languages)
                earlier.versions.update({lang: numbers[lang] for lang in change.languages})
                continue
            item = ReportChange(change, seen_at, {lang: numbers[lang]
                                                  for lang in change.languages})
            found.append(item)
            if key:
                repeats[key] = item
    return sorted(found, key=lambda c: (c.change.severity.rank, c.seen_at))


def _paused_host(monitor: Monitor, row: TrialRow, paused: dict[str, HostRow]
                 ) -> HostRow | None:
    """The pause holding this trial's checks: its registry's page host's (a paused bulk
    listing host only means pages are fetched instead)."""
    return paused.get(page_host(monitor.registries[row.registry]))


def _overdue(monitor: Monitor, row: TrialRow, latest: dict[int, dict[str, VersionColumns]],
             today: date) -> list[OverdueFlag]:
    languages = monitor.registries[row.registry].settings.languages
    return columns_overdue(pick_language(latest.get(row.id), languages), row.registry, today,
                           monitor.config.overdue)


def _trial_report(monitor: Monitor, row: TrialRow, since: str, today: date,
                  paused: dict[str, HostRow], latest: dict[str, VersionColumns]
                  ) -> TrialReport:
    store = monitor.store
    registry = monitor.registries[row.registry]
    record = store.versions.latest_record(row.id, registry.settings.languages)
    japanese = pick_language(latest, ("ja",))
    title_ja = next((value for value in (
        record and (record.title_public_ja or record.title_scientific_ja),
        japanese and (japanese.title_public_ja or japanese.title_scientific_ja)) if value),
        None)
    if title_ja is None and row.trial_id:  # no Japanese page fetched: the daily listing's
        listed = store.listings.get(row.registry, row.trial_id)
        title_ja = listed and (listed.title_public_ja or listed.title_ja) or None
    timeline: list[StatusPoint] = []
    for point in store.versions.status_timeline(row.id):
        day = point["date_last_modified"] or point["seen_at"][:10]
        if timeline and timeline[-1].status == point["status"]:
            continue
        timeline.append(StatusPoint(day, point["status"], point["status_raw"],
                                    bool(point["date_last_modified"])))
    return TrialReport(
        row=row, registry_title=registry.title, record=record,
        changes=merged_changes(monitor, store.versions.columns_since(row.id, since)),
        timeline=timeline, pairs=pair_states(store, row),
        overdue=overdue_flags(record, today, monitor.config.overdue) if record else [],
        paused=_paused_host(monitor, row, paused),
        linked_to=store.trials.many(store.links.linked(row.id)), title_ja=title_ja)
