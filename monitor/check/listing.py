"""A registry's bulk listing as a change signal (UMIN-CTR's daily CSV).

At the start of a pass (and in the daemon, on its own schedule) the listing is fetched
with a conditional GET and read whole into the database. A watched trial's pages are
then fetched only when it has no stored version, when its listing row's last-modified
date, status or target size differs from its latest version, or when its pages are older
than ``max_page_age``: one request a day plus one page per trial that really changed.
The listing is never a version: versions still come from the pages. It also cross-checks
the parser, and tells which trials are new to the registry (``[[query]]``).
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.check.checker import ListingGate
from monitor.check.outcome import ListingOutcome
from monitor.errors import HostUnavailableError, MonitorError
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import parse_date
from monitor.registries.base import BulkListing, Registry
from monitor.registries.listing import ListingEntry
from monitor.store import ListingState, Store, TrialRow, VersionRow, iso_time, timestamp
from monitor.store.versions import VersionColumns, pick_language

if TYPE_CHECKING:
    from monitor.core import Monitor

log = logging.getLogger(__name__)

MAX_LISTING_BYTES = 2_000_000_000  # the whole registry, compressed: far below this
LISTING_DEADLINE = 1800.0  # seconds for the whole download


def refresh_listings(monitor: Monitor) -> tuple[list[ListingOutcome], dict[str, ListingGate]]:
    """Read every registry listing that is due; the outcomes, and a gate per registry
    whose listing can be trusted this pass."""
    outcomes: list[ListingOutcome] = []
    gates: dict[str, ListingGate] = {}
    for name, registry in monitor.registries.items():
        bulk = registry.bulk
        if bulk is None or not getattr(registry.settings, "use_csv", False):
            continue
        outcome = refresh_listing(monitor, registry, bulk)
        outcomes.append(outcome)
        if outcome.outcome in ("read", "unchanged"):
            gates[name] = ListingSignal(registry, bulk)
    return outcomes, gates


def refresh_listing(monitor: Monitor, registry: Registry, bulk: BulkListing) -> ListingOutcome:
    """Download the listing if it changed (ETag / Last-Modified), read it whole, merge it,
    announce new trials that match a query. Any failure is one recorded failure of the
    listing (alerted once per episode), and the pass falls back to pages."""
    store = monitor.store
    state = store.listings.state(registry.name)
    same_url = state.url == bulk.url
    now = iso_time(monitor.clock())
    with tempfile.TemporaryDirectory(prefix="ctr-monitor-listing-") as folder:
        try:
            download = monitor.fetcher.download(
                bulk.url, Path(folder) / "listing",
                etag=state.etag if same_url else None,
                last_modified=state.last_modified if same_url else None,
                max_bytes=MAX_LISTING_BYTES, deadline=LISTING_DEADLINE)
            if download.status == 304 and state.baseline_at:
                _saved(store, state, checked_at=now)
                _recovered(monitor, registry, bulk, state)
                return ListingOutcome(registry.name, "unchanged", rows=state.rows)
            store.listings.clear_staging(registry.name)
            rows = store.listings.stage(bulk.read(download.path))
        except HostUnavailableError as error:
            # its host is paused (blocked, unreachable): the host's episode, not the
            # listing's failure; pages are checked as they would be without it
            return ListingOutcome(registry.name, "deferred", error=str(error))
        except MonitorError as error:
            return _failed(monitor, registry, bulk, state,
                           str(error).replace(str(Path(folder) / "listing"), bulk.url), now)
    with store.transaction():
        from monitor.store.listings import search_form

        needles = [search_form(query.text) for query in monitor.config.queries]
        new_count, new = store.listings.merge_staged(registry.name, now, needles)
        baseline = state.baseline_at is None
        registered = announce(monitor, store, new, baseline=baseline, now=now)
        _saved(store, state, checked_at=now, url=bulk.url, etag=download.etag,
               last_modified=download.last_modified, fetched_at=now, rows=rows,
               baseline_at=state.baseline_at or now)
        _recovered(monitor, registry, bulk, state, store=store)
    log.info("%s listing read: %d rows, %d new", registry.title, rows, new_count)
    return ListingOutcome(registry.name, "read", rows=rows,
                          new_trials=0 if baseline else new_count, registered=registered)


def announce(monitor: Monitor, store: Store, new: list[ListingEntry], *, baseline: bool,
             now: str) -> list[dict[str, str | None]]:
    """Trials new to the listing (``new``: those whose text contains a query's words)
    that match a ``[[query]]``: one ``trial.registered`` alert each (none on the first
    read, the baseline), watched if ``auto_watch``."""
    from monitor.store.listings import search_form

    registered = []
    notifier = monitor.notifier(store)
    queries = [(query, search_form(query.text)) for query in monitor.config.queries]
    for entry in new if queries else []:
        text = search_form(" ".join(filter(None, (
            entry.title_ja, entry.title_en, entry.title_public_ja, entry.title_public_en,
            *entry.conditions_ja, *entry.conditions_en))))
        for query, needle in queries:
            if needle not in text or (query.statuses and entry.status not in query.statuses):
                continue
            if not store.listings.record_match(query.name, entry, now, baseline=baseline):
                continue
            if baseline:
                continue
            registry = monitor.registries[entry.registry]
            ref = registry.parse_input(entry.trial_id)
            url = None
            if ref is not None:
                ref = ref.with_ids(keys=entry.keys)
                try:
                    url = registry.page_url(ref, registry.settings.languages[0])
                except ValueError:
                    url = None
            notifier.registered(query.name, entry, url)
            registered.append({
                "query": query.name, "registry": entry.registry, "trial_id": entry.trial_id,
                "status": entry.status, "title_en": entry.title_en or entry.title_public_en,
                "title_ja": entry.title_ja or entry.title_public_ja, "url": url})
            if query.auto_watch and ref is not None:
                row = store.trials.find(ref)
                if row is None or not row.watched:
                    store.trials.watch(ref, source=f"query:{query.name}", typed=entry.trial_id)
    return registered


def _saved(store: Store, state: ListingState, **changes: Any) -> None:
    """The listing read (or found unchanged): its state saved, its failure episode over."""
    with store.transaction():
        store.listings.save_state(replace(state, consecutive_failures=0, last_error=None,
                                          **changes))


def _failed(monitor: Monitor, registry: Registry, bulk: BulkListing, state: ListingState,
            error: str, now: str) -> ListingOutcome:
    store = monitor.store
    failures = state.consecutive_failures + 1
    log.warning("%s listing could not be read (%s): checking pages instead",
                registry.title, error)
    with store.transaction():
        store.listings.save_state(replace(state, consecutive_failures=failures,
                                          last_error=error, checked_at=now))
        if failures == monitor.config.alerts.failure_threshold:
            monitor.notifier(store).listing_changed("listing.failing", registry=registry.name,
                                                    url=bulk.url, error=error,
                                                    failures=failures)
    return ListingOutcome(registry.name, "failed", error=error)


def _recovered(monitor: Monitor, registry: Registry, bulk: BulkListing, state: ListingState,
               store: Store | None = None) -> None:
    if state.consecutive_failures >= monitor.config.alerts.failure_threshold:
        monitor.notifier(store or monitor.store).listing_changed(
            "listing.recovered", registry=registry.name, url=bulk.url)


def standing_gates(monitor: Monitor) -> dict[str, ListingGate]:
    """Gates from the listings as last read (the daemon reads them on a schedule of their
    own): a listing that failed its last read, or was not read for two days, gates
    nothing, and pages are fetched."""
    gates: dict[str, ListingGate] = {}
    now = monitor.clock()
    for name, registry in monitor.registries.items():
        bulk = registry.bulk
        if bulk is None or not getattr(registry.settings, "use_csv", False):
            continue
        state = monitor.store.listings.state(name)
        fresh = state.checked_at and now - timestamp(state.checked_at) < 2 * 86400
        if fresh and not state.consecutive_failures and state.baseline_at:
            gates[name] = ListingSignal(registry, bulk)
    return gates


class ListingSignal(ListingGate):
    """Pages are fetched only when the listing says the trial changed, or when they are
    older than ``max_page_age``; a fresh page is compared with its listing row."""

    def __init__(self, registry: Registry, bulk: BulkListing) -> None:
        self.registry = registry
        self.bulk = bulk

    def needs_pages(self, store: Store, row: TrialRow) -> bool:
        if row.trial_id is None or row.last_page_at is None or row.consecutive_failures:
            return True  # a trial whose pages failed is read again until they are whole
        if timestamp(row.last_page_at) + self.bulk.max_page_age < time.time():
            return True
        languages = self.registry.settings.languages
        latest = store.versions.latest_columns([row.id]).get(row.id, {})
        if any(language not in latest for language in languages):
            return True
        entry = store.listings.get(self.registry.name, row.trial_id)
        if entry is None:
            return True
        # the plain columns (no record decompressed): a pass over thousands of unchanged
        # trials reads only what the listing is compared with
        columns = pick_language(latest, languages)
        return columns is None or bool(differences(columns, entry))

    def cross_check(self, store: Store, row: TrialRow, version: VersionRow | None,
                    record: TrialRecord, now: str) -> None:
        """A page that disagrees with its listing row is a live sign of a parser reading
        a wrong value (allowing for the listing's daily lag: a page modified after the
        listing's row is simply newer)."""
        entry = store.listings.get(self.registry.name, record.trial_id)
        if entry is None:
            return
        page_date, listed_date = record.date_last_modified, _day(entry.date_last_modified)
        if page_date and listed_date and page_date > listed_date:
            return  # the listing lags a day behind the page
        for field, page_value, listed in differences(record, entry):
            store.health.listing_disagrees(row.id, version.id if version else None, field,
                                           page_value, listed, now)


def differences(record: TrialRecord | VersionColumns, entry: ListingEntry
                ) -> list[tuple[str, Any, Any]]:
    """Where a record and its listing row differ: last-modified date, status, target
    size (only values the listing states)."""
    found: list[tuple[str, Any, Any]] = []
    listed_date = _day(entry.date_last_modified)
    if listed_date and record.date_last_modified != listed_date:
        found.append(("date_last_modified", record.date_last_modified, listed_date))
    if entry.status and entry.status != "unknown" and record.status != entry.status:
        found.append(("status", record.status, entry.status))
    if entry.target_sample_size is not None and \
            record.target_sample_size != entry.target_sample_size:
        found.append(("target_sample_size", record.target_sample_size,
                      entry.target_sample_size))
    return found


def _day(value: str | None) -> str | None:
    return parse_date(value) if value else None

