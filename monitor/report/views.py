"""What the read commands show, gathered from the store into plain typed data: the
watch list, a trial's history, a diff between versions, linked pairs, the daemon's
status. The CLI renders these; nothing here prints or formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from monitor.config.model import OverdueRules
from monitor.diff.changes import Change
from monitor.errors import InputError, MonitorError
from monitor.normalize.record import TrialRecord
from monitor.registries.base import page_host
from monitor.registries.listing import ListingEntry
from monitor.report.overdue import OverdueFlag, facts_overdue
from monitor.store import DisagreementRow, HostRow, Store, TrialRow, VersionRow
from monitor.store.versions import VersionColumns, pick_language

if TYPE_CHECKING:
    from monitor.core import Monitor


@dataclass
class PairState:
    """A linked pair: whether it was ever compared, and what it disagrees on now."""

    trial: TrialRow
    other: TrialRow
    compared_at: str | None
    disagreements: list[DisagreementRow] = field(default_factory=list)
    # The other record's page, as last fetched: reports link to it. The list shows no
    # links and leaves it None rather than decompress a record per pair to find it.
    other_url: str | None = None

    @property
    def state(self) -> str:
        """``disagree``, ``agree``, or ``not_compared`` (one side has no version yet)."""
        if self.disagreements:
            return "disagree"
        return "agree" if self.compared_at else "not_compared"


@dataclass
class TrialOverview:
    """One line of ``list``: a watched trial, or a twin it links to.

    ``record`` is the canonical fields of its latest version (in the registry's first
    configured language it has), read from the plain columns: the list of thousands of
    trials decompresses no record."""

    row: TrialRow
    linked_from: TrialRow | None
    versions: int
    record: VersionColumns | None
    pairs: list[PairState]
    overdue: list[OverdueFlag]
    paused: HostRow | None = None
    note: str = ""

    @property
    def health(self) -> str:
        """``never_checked``, ``ok``, ``failing``, ``paused`` (its host is), or
        ``overdue`` (not checked successfully within twice its interval)."""
        if self.paused is not None:
            return "paused"
        if self.row.consecutive_failures:
            return "failing"
        if self.row.overdue_since:
            return "overdue"
        if self.row.last_checked_at is None:
            return "never_checked"
        return "ok"


def _host_of(monitor: Monitor, row: TrialRow, paused: dict[str, HostRow]) -> HostRow | None:
    registry = monitor.registries.get(row.registry)
    if registry is None:
        return None
    return paused.get(page_host(registry))


def pair_states(store: Store, row: TrialRow) -> list[PairState]:
    states = []
    for other_id in store.links.linked(row.id):
        other = store.trials.get(other_id)
        record = store.versions.latest_record(other_id)
        states.append(PairState(row, other, store.links.compared_at(row.id, other_id),
                                store.links.open_disagreements(row.id, other_id),
                                record.url if record else None))
    return states


def columns_overdue(columns: VersionColumns | None, registry: str, today: date,
                    rules: OverdueRules) -> list[OverdueFlag]:
    """:func:`overdue_flags` of a latest version, from its plain columns: the flags read
    only its status and dates, which the columns hold as the record does."""
    if columns is None:
        return []
    return facts_overdue(columns.status or "unknown", columns.date_completion,
                         columns.date_last_modified, today, rules)


def overview(monitor: Monitor, today: date) -> list[TrialOverview]:
    """Watched trials in the order they were added, each followed by the twins it links
    to; a trial is listed once (a watched twin at its own place).

    A handful of queries whatever the number of trials: versions counted, latest
    versions, links and open disagreements each read in one go."""
    store = monitor.store
    watched = monitor.watched()
    counts = store.versions.counts()
    latest = store.versions.latest_columns()
    linked = store.links.all_linked()
    disagreements = store.links.all_open_disagreements()
    paused = {row.host: row for row in store.hosts.all()}
    watched_ids = {row.id for row in watched}
    twins = {other for row in watched for other, _ in linked.get(row.id, ())}
    rows = {row.id: row for row in store.trials.many(sorted(
        twins | {other for twin in twins - watched_ids for other, _ in linked.get(twin, ())}))}
    shown: set[int] = set()
    entries: list[TrialOverview] = []

    def pairs_of(row: TrialRow) -> list[PairState]:
        return [PairState(row, rows[other], compared,
                          list(disagreements.get((min(row.id, other), max(row.id, other)), ())))
                for other, compared in linked.get(row.id, ())]

    def add(row: TrialRow, parent: TrialRow | None) -> None:
        shown.add(row.id)
        registry = monitor.registries.get(row.registry)
        languages = registry.settings.languages if registry else ()
        record = pick_language(latest.get(row.id), languages)
        entries.append(TrialOverview(
            row=row, linked_from=parent, versions=counts.get(row.id, 0), record=record,
            pairs=pairs_of(row),
            overdue=columns_overdue(record, row.registry, today, monitor.config.overdue),
            paused=_host_of(monitor, row, paused), note=monitor.watches.note_for(row)))

    for row in watched:
        if row.id in shown:
            continue
        add(row, None)
        for other, _ in linked.get(row.id, ()):
            if other in rows and other not in shown and other not in watched_ids:
                add(rows[other], row)
    return entries


@dataclass
class HistoryEntry:
    version: VersionRow
    changes: list[Change]


@dataclass
class TrialHistory:
    row: TrialRow
    registry_title: str
    entries: list[HistoryEntry]


def history(monitor: Monitor, row: TrialRow) -> list[TrialHistory]:
    """Every stored version of the trial and of its linked twins, with what changed."""
    store = monitor.store
    result = []
    for each in (row, *store.trials.many(store.links.linked(row.id))):
        versions = store.versions.of_trial(each.id)
        if not versions and each.id != row.id:
            continue
        result.append(TrialHistory(each, monitor.registries[each.registry].title,
                                   [HistoryEntry(v, store.versions.changes(v.id))
                                    for v in versions]))
    return result


@dataclass
class DiffPart:
    row: TrialRow
    registry_title: str
    language: str
    older: VersionRow
    newer: VersionRow
    changes: list[Change]

    @property
    def only_one_version(self) -> bool:
        return self.older.id == self.newer.id


def diff(monitor: Monitor, row: TrialRow, *, language: str | None = None,
         from_version: int | None = None, to_version: int | None = None) -> list[DiffPart]:
    """What changed between two versions (default: the last change), re-derived with
    the one diff policy; without explicit versions, the last change of each twin too."""
    store = monitor.store
    if not store.versions.languages(row.id):
        raise InputError(f"{row.label} has no stored versions yet: run "
                         f"`ctr-monitor check {row.label}` first")
    parts = [_diff_part(monitor, row, language, from_version, to_version)]
    if from_version is None and to_version is None:
        parts += [_diff_part(monitor, other, None, None, None)
                  for other in store.trials.many(store.links.linked(row.id))
                  if store.versions.languages(other.id)]
    return parts


def _diff_part(monitor: Monitor, row: TrialRow, language: str | None,
               from_version: int | None, to_version: int | None) -> DiffPart:
    store = monitor.store
    languages = store.versions.languages(row.id)
    registry = monitor.registries[row.registry]
    if language is None:
        language = next((lang for lang in registry.settings.languages if lang in languages),
                        languages[0])
    elif language not in languages:
        raise InputError(f"{row.label} has no {language} versions; it has: "
                         + ", ".join(languages))
    latest = store.versions.latest(row.id, language)
    assert latest is not None
    for flag, number in (("--from", from_version), ("--to", to_version)):
        if number is not None and not 1 <= number <= latest.number:
            raise InputError(f"{flag} {number}: {row.label} [{language}] has versions 1 to "
                             f"{latest.number}")
    to_number = to_version or latest.number
    from_number = from_version or max(to_number - 1, 1)
    if from_number > to_number:
        raise InputError(f"--from {from_number} is after --to {to_number}: give the older "
                         "version first")
    older = store.versions.get(row.id, language, from_number)
    newer = store.versions.get(row.id, language, to_number)
    assert older is not None and newer is not None
    changes = [] if older.id == newer.id else monitor.policy.diff(older.record, newer.record)
    return DiffPart(row, registry.title, language, older, newer, changes)


def consistency(monitor: Monitor, rows: list[TrialRow]) -> list[PairState]:
    """Each linked pair of ``rows`` once."""
    seen: set[tuple[int, int]] = set()
    states = []
    for row in rows:
        for state in pair_states(monitor.store, row):
            key = (min(row.id, state.other.id), max(row.id, state.other.id))
            if key not in seen:
                seen.add(key)
                states.append(state)
    return states


@dataclass
class StatusReport:
    daemon_pid: int | None
    database: str
    watches: list[TrialRow]
    alerts: dict[str, int]
    paused: list[HostRow]
    listings: list[dict[str, Any]] = field(default_factory=list)


def status(monitor: Monitor, daemon_pid: int | None) -> StatusReport:
    store = monitor.store
    counts = store.outbox.counts()
    listings: list[dict[str, Any]] = []
    for name, registry in monitor.registries.items():
        if registry.bulk is not None and getattr(registry.settings, "use_csv", False):
            state = store.listings.state(name)
            listings.append({"registry": name, "url": registry.bulk.url,
                             "checked_at": state.checked_at, "fetched_at": state.fetched_at,
                             "rows": state.rows, "failures": state.consecutive_failures,
                             "last_error": state.last_error})
    return StatusReport(
        daemon_pid=daemon_pid, database=str(monitor.config.database),
        watches=monitor.watched(),
        alerts={name: counts.get(name, 0) for name in ("pending", "dead", "delivered")},
        paused=store.hosts.all(), listings=listings)


__all__ = ["DiffPart", "HistoryEntry", "OverdueRules", "PairState", "StatusReport",
           "TrialHistory", "TrialOverview", "columns_overdue", "consistency", "diff", "history",
           "overview", "pair_states", "status"]


@dataclass
class SearchHit:
    """A stored trial whose titles or conditions hold the words looked for."""

    trial_id: str
    registry: str
    status: str | None
    watched: bool
    record: TrialRecord | None
    listed: ListingEntry | None = None  # its row in the registry's daily listing

    def title(self, lang: str) -> str | None:
        from monitor.report.format import record_title

        listed = self.listed
        if lang == "ja" and listed and (listed.title_public_ja or listed.title_ja):
            japanese = record_title(self.record, "ja") if self.record else None
            if japanese is None or japanese == record_title(self.record, "en"):
                return listed.title_public_ja or listed.title_ja  # no Japanese page stored
        return record_title(self.record, lang) or (
            listed.title_public_en or listed.title_en if listed else None)

    def to_dict(self) -> dict[str, object]:
        record = self.record
        return {"trial_id": self.trial_id, "registry": self.registry, "status": self.status,
                "watched": self.watched,
                "title": record.title_public or record.title_scientific if record else None,
                "title_ja": (record.get("title_public_ja") or record.get("title_scientific_ja")
                             if record else None)
                or (self.listed.title_public_ja or self.listed.title_ja if self.listed else None)}


def search(monitor: Monitor, text: str) -> list[SearchHit]:
    """Stored trials by their ID, or by words of their titles or conditions in either
    language: in the pages stored, and in the registry's daily listing (which has both
    languages, where only one page is fetched)."""
    store = monitor.store
    ids: list[int] = []
    try:
        named = store.trials.find(monitor.ref(text))
    except MonitorError:
        named = None
    if named is not None:
        ids.append(named.id)
    ids += store.versions.search(text.strip())
    listed = dict(store.listings.stored_matching(text))
    ids += listed
    hits = []
    for row in store.trials.many(dict.fromkeys(ids)):
        registry = monitor.registries[row.registry]
        record = store.versions.latest_record(row.id, registry.settings.languages)
        entry = listed.get(row.id) or (store.listings.get(row.registry, row.trial_id)
                                       if row.trial_id else None)
        hits.append(SearchHit(record.trial_id if record else row.label, row.registry,
                              record.status if record else row.status, row.watched, record,
                              entry))
    return hits


@dataclass
class QuerySummary:
    name: str
    text: str
    statuses: tuple[str, ...]
    auto_watch: bool
    matches: int  # in the listings as last read
    announced: int  # new trials announced since the baseline

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class QueryMatch:
    entry: ListingEntry
    watched: bool

    @property
    def trial_id(self) -> str:
        return self.entry.trial_id

    @property
    def registry(self) -> str:
        return self.entry.registry

    @property
    def status(self) -> str | None:
        return self.entry.status

    @property
    def date_registered(self) -> str | None:
        return self.entry.date_registered

    def title(self, lang: str) -> str | None:
        entry = self.entry
        if lang == "ja":
            return entry.title_ja or entry.title_public_ja or entry.title
        return entry.title

    def to_dict(self) -> dict[str, object]:
        entry = self.entry
        return {"registry": entry.registry, "trial_id": entry.trial_id,
                "title": entry.title_en or entry.title_public_en,
                "title_ja": entry.title_ja or entry.title_public_ja, "status": entry.status,
                "date_registered": entry.date_registered,
                "date_last_modified": entry.date_last_modified,
                "conditions": list(entry.conditions_en or entry.conditions_ja),
                "first_seen_at": entry.first_seen_at, "watched": self.watched}


def query_summaries(monitor: Monitor) -> list[QuerySummary]:
    store = monitor.store
    announced = store.listings.match_counts(announced_only=True)
    return [QuerySummary(q.name, q.text, q.statuses, q.auto_watch,
                         len(store.listings.matching(None, q.text, q.statuses)),
                         announced.get(q.name, 0)) for q in monitor.config.queries]


def query_matches(monitor: Monitor, name: str) -> list[QueryMatch]:
    query = next((q for q in monitor.config.queries if q.name == name), None)
    if query is None:
        names = ", ".join(q.name for q in monitor.config.queries) or "none configured"
        raise InputError(f"no [[query]] named {name!r} in the config ({names})")
    store = monitor.store
    matches = []
    for entry in store.listings.matching(None, query.text, query.statuses):
        registry = monitor.registries.get(entry.registry)
        ref = registry.parse_input(entry.trial_id) if registry else None
        row = store.trials.find(ref) if ref else None
        matches.append(QueryMatch(entry, bool(row and row.watched)))
    return matches
