"""Checking a linked group: each trial's pages fetched, derived, compared and stored;
the registry twins they name followed; the linked records compared with each other.

One check of one trial is one transaction: its fetch log, versions, health and alert
events commit together, so a crash leaves the database as it was before the check or
as it is after it. Faults are not changes: a page that cannot be fetched or read whole
is a recorded failure, never a version; a paused host (blocked, unreachable) defers the
check without blaming the trial.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as _replace

from monitor.check.derive import Derived, derive
from monitor.check.notify import Notifier
from monitor.check.outcome import PageOutcome, PairOutcome
from monitor.config.model import ConsistencyRules
from monitor.diff.changes import Change
from monitor.diff.consistency import compare_linked
from monitor.diff.policy import DiffPolicy
from monitor.errors import (
    FetchError,
    HostUnavailableError,
    MonitorError,
    NotFoundError,
    ParseError,
    WrongPageError,
)
from monitor.fetch import Fetcher, Page
from monitor.normalize.record import TrialRecord
from monitor.registries.base import Registry, TrialRef
from monitor.store import FetchEntry, Store, TrialRow, VersionRow, utc_now

log = logging.getLogger(__name__)

# Canonical values a real page never drops: if one had a value in the last good version
# and has none now, the page is held (suspected layout drift or a half-served page).
KEY_FIELDS = ("status", "target_sample_size", "date_registered", "date_last_modified",
              "date_start", "date_completion", "title_public", "title_scientific")
# A page that loses more than this share of the raw fields its last version filled is
# held too, whatever they were.
LOST_FIELDS_SHARE = 0.2
HELD = "lost_fields"


@dataclass
class CheckSettings:
    """What a checker needs besides its store: shared by every thread of a pass."""

    fetcher: Fetcher
    registries: Mapping[str, Registry]
    policy: DiffPolicy
    consistency: ConsistencyRules
    follow_links: bool
    languages_for: Callable[[TrialRow], tuple[str, ...] | None]
    hold_limit: int = 3  # the same held page this many times in a row is accepted
    gates: Mapping[str, ListingGate] = field(default_factory=dict)
    check_id: str = ""


class ListingGate:
    """A registry's listing, deciding whether a trial's pages need fetching (see
    ``monitor.check.listing``); this base fetches always."""

    def needs_pages(self, store: Store, row: TrialRow) -> bool:
        return True

    def cross_check(self, store: Store, row: TrialRow, version: VersionRow | None,
                    record: TrialRecord, now: str) -> None:
        return None


@dataclass
class _Fetched:
    """One page as fetched and derived, before anything is stored."""

    language: str
    url: str
    started_at: str
    duration_ms: int
    page: Page | None
    derived: Derived | None = None
    error: MonitorError | None = None


class Checker:
    """Checks trials for one thread, with that thread's store."""

    def __init__(self, store: Store, settings: CheckSettings, notifier: Notifier) -> None:
        self.store = store
        self.settings = settings
        self.notifier = notifier

    # --- a linked group -----------------------------------------------------------------

    def check_group(self, members: Sequence[int], claim: Callable[[int], bool]
                    ) -> tuple[list[PageOutcome], list[PairOutcome]]:
        """Check every member the caller lets us ``claim`` (each trial once per pass,
        however many groups name it), follow the links they reveal, then compare the
        group's linked pairs."""
        pages: list[PageOutcome] = []
        queue, touched = list(members), set()
        while queue:
            trial = queue.pop(0)
            if trial in touched or not claim(trial):
                continue
            touched.add(trial)
            row = self.store.trials.get_or_none(trial)
            if row is None:  # merged into the trial it duplicated: checked as that one
                continue
            pages += self.check_trial(row)
            if self.settings.follow_links:
                queue += [other for other in self._follow(row) if other not in touched]
        unread = {outcome.trial.id for outcome in pages if outcome.failed or outcome.deferred}
        pairs = self._compare(touched, unread)
        return pages, pairs

    def _follow(self, row: TrialRow) -> list[int]:
        """The trial's twins in other registries: the links known, plus any secondary ID
        of its latest versions that another registry recognises."""
        refs: list[TrialRef] = []
        for language in self.store.versions.languages(row.id):
            latest = self.store.versions.latest(row.id, language)
            for text in latest.record.secondary_ids if latest else []:
                for name, registry in self.settings.registries.items():
                    ref = registry.parse_input(text) if name != row.registry else None
                    if ref is not None and ref not in refs:
                        refs.append(ref)
        if refs:
            with self.store.transaction():
                for ref in refs:
                    self.store.links.link(row.id, self.store.trials.add_linked(ref).id)
        return self.store.links.linked(row.id)

    def _compare(self, trials: set[int], unread: set[int]) -> list[PairOutcome]:
        """New and resolved disagreements of the linked pairs among ``trials``.

        A pair with a member whose page went unread this pass (failed, or its host
        deferred) waits for a pass that reads both: its stored record may be older than
        its twin's, and comparing them would report a disagreement, or an agreement,
        that neither registry states now."""
        pairs = sorted({tuple(sorted((trial, other)))
                        for trial in trials for other in self.store.links.linked(trial)
                        if trial not in unread and other not in unread})
        outcomes = []
        for first, second in pairs:
            a, b = self.store.trials.get(first), self.store.trials.get(second)
            records = [self.latest_record(a), self.latest_record(b)]
            if records[0] is None or records[1] is None:
                continue
            current = compare_linked(records[0], records[1], self.settings.consistency)
            with self.store.transaction():
                opened, closed = self.store.links.sync_disagreements(first, second, current)
                outcome = PairOutcome(a, b, opened, closed)
                if outcome.news:
                    self.notifier.pair_changed(outcome, records[0], records[1])
            if outcome.news:
                outcomes.append(outcome)
        return outcomes

    def latest_record(self, row: TrialRow) -> TrialRecord | None:
        """The trial's latest record, in its registry's first configured language if
        stored, else in any."""
        registry = self.settings.registries[row.registry]
        return self.store.versions.latest_record(row.id, registry.settings.languages)

    # --- one trial ----------------------------------------------------------------------

    def check_trial(self, row: TrialRow) -> list[PageOutcome]:
        """Check every configured language page of one trial. A trial added under two of
        its IDs is found to be one when its page names both: the second row is merged into
        the first, and a check of the second that was under way gives way."""
        try:
            return self._check_trial(row)
        except (KeyError, sqlite3.IntegrityError):
            if self.store.trials.get_or_none(row.id) is None:
                return []
            raise

    def _check_trial(self, row: TrialRow) -> list[PageOutcome]:
        registry = self.settings.registries[row.registry]
        gate = self.settings.gates.get(row.registry)
        if gate is not None and self.store.versions.count(row.id) and \
                not gate.needs_pages(self.store, row):
            return self._listed(row)
        try:
            ref = self._resolve(row, registry)
        except HostUnavailableError as error:
            return [self._deferred(row, None, None, error)]
        except MonitorError as error:
            log.warning("%s lookup failed: %s", row.label, error)
            outcome = PageOutcome(row, None, "failed", error=str(error), reason=_reason(error))
            with self.store.transaction():
                self._finish(row, [outcome])
            return [outcome]
        row = self.store.trials.get(row.id)
        languages = self.settings.languages_for(row) or registry.settings.languages
        fetched: list[_Fetched] = []
        for language in languages:
            one = self._fetch_page(registry, ref, language)
            fetched.append(one)
            if isinstance(one.error, HostUnavailableError):
                break  # the host is paused: its other pages would be refused too
        paused = next((f for f in fetched if isinstance(f.error, HostUnavailableError)), None)
        if paused is not None:
            return [self._deferred(row, paused.language, paused.url, paused.error, paused)]
        with self.store.transaction():
            outcomes = [self._store_page(row, registry, one) for one in fetched]
            self._finish(row, outcomes)
        for outcome in outcomes:
            if outcome.failed:
                log.warning("%s [%s] check failed: %s", row.label, outcome.language,
                            outcome.error)
        return outcomes

    def _listed(self, row: TrialRow) -> list[PageOutcome]:
        """Unchanged by the registry's listing: no request, a successful check."""
        with self.store.transaction():
            after = self.store.trials.record_health(row, failed=False, pages_fetched=False)
            self.notifier.trial_checked(row, after, [])
        record = self.latest_record(row)
        languages = self.settings.registries[row.registry].settings.languages
        latest = next((v for v in (self.store.versions.latest(row.id, lang)
                                   for lang in languages) if v), None)
        return [PageOutcome(after, None, "listed", record=record,
                            version=latest.number if latest else None)]

    def _deferred(self, row: TrialRow, language: str | None, url: str | None,
                  error: MonitorError | None, fetched: _Fetched | None = None) -> PageOutcome:
        """The host is paused: log the request that met the pause (if one was made),
        leave the trial's health alone."""
        assert isinstance(error, HostUnavailableError)
        if fetched is not None and not error.deferred:  # a request met the block itself
            with self.store.transaction():
                self.store.fetches.record(FetchEntry(
                    trial=row.id, url=fetched.url, language=language,
                    started_at=fetched.started_at, outcome="deferred",
                    duration_ms=fetched.duration_ms, status_code=error.status_code,
                    reason=error.reason, error=str(error)))
        return PageOutcome(row, language, "deferred", url, error=str(error),
                           reason=error.reason, host=error.host, until=error.until)

    def _finish(self, row: TrialRow, outcomes: list[PageOutcome]) -> None:
        """Update the trial's health and queue its alerts, inside the check's
        transaction."""
        before = self.store.trials.get(row.id)
        failures = [o for o in outcomes if o.failed]
        after = self.store.trials.record_health(
            before, failed=bool(failures), error=failures[0].error if failures else None)
        self.notifier.trial_checked(before, after, outcomes)

    def _resolve(self, row: TrialRow, registry: Registry) -> TrialRef:
        """Fill in the IDs a page URL needs; each lookup request is logged once, with
        the outcome of the lookup as a whole."""
        ref = row.ref()
        lookups: list[tuple[str, str, float, Page | None]] = []

        def fetch_text(url: str) -> str:
            lookups.append((url, utc_now(), time.monotonic(), None))
            page = self.settings.fetcher.get_html(url)
            lookups[-1] = (*lookups[-1][:3], page)
            return page.text

        try:
            resolved = registry.resolve(ref, fetch_text)
        except MonitorError as error:
            if not isinstance(error, HostUnavailableError) or not error.deferred:
                url, started, begin, _ = lookups[-1] if lookups else \
                    ("(lookup)", utc_now(), time.monotonic(), None)
                with self.store.transaction():
                    self.store.fetches.record(FetchEntry(
                        trial=row.id, url=url, language=None, started_at=started,
                        outcome="deferred" if isinstance(error, HostUnavailableError) else "failed",
                        duration_ms=_ms(begin), status_code=getattr(error, "status_code", None),
                        attempts=getattr(error, "attempts", None), reason=_reason(error),
                        error=str(error)))
            raise
        with self.store.transaction():
            for url, started, _, page in lookups:
                assert page is not None
                self.store.fetches.record(FetchEntry(
                    trial=row.id, url=url, language=None, started_at=started,
                    outcome="lookup", duration_ms=page.elapsed_ms, attempts=page.attempts,
                    status_code=page.status_code, size=len(page.content)))
            if resolved != ref:
                self.store.trials.learn_ids(row, resolved.trial_id, dict(resolved.keys))
        return resolved

    def _fetch_page(self, registry: Registry, ref: TrialRef, language: str) -> _Fetched:
        """Fetch and derive one page; no database writes."""
        url = registry.page_url(ref, language)
        started, begin = utc_now(), time.monotonic()
        page = None
        try:
            page = self.settings.fetcher.get_html(url)
            derived = derive(registry, page.text, language, url, ref)
        except NotFoundError as error:
            missing = NotFoundError(f"{registry.title} has no page for {ref.label}: {error} "
                                    "(check the ID)", status_code=error.status_code)
            missing.attempts = error.attempts
            return _Fetched(language, url, started, _ms(begin), page, error=missing)
        except MonitorError as error:
            return _Fetched(language, url, started, _ms(begin), page, error=error)
        return _Fetched(language, url, started, _ms(begin), page, derived=derived)

    def _store_page(self, row: TrialRow, registry: Registry, fetched: _Fetched) -> PageOutcome:
        """Record one fetched page: a failure, an unchanged check, or a new version."""
        language, url, page = fetched.language, fetched.url, fetched.page
        entry = FetchEntry(trial=row.id, url=url, language=language,
                           started_at=fetched.started_at, outcome="",
                           duration_ms=fetched.duration_ms,
                           attempts=page.attempts if page else None,
                           status_code=page.status_code if page else None,
                           size=len(page.content) if page else None)
        if fetched.derived is None:
            error = fetched.error
            assert error is not None
            self.store.fetches.record(_replace(
                entry, outcome="failed", reason=_reason(error), error=str(error),
                attempts=getattr(error, "attempts", None) or entry.attempts,
                status_code=getattr(error, "status_code", None) or entry.status_code))
            return PageOutcome(row, language, "failed", url, error=str(error),
                               reason=_reason(error))
        assert page is not None
        record, digest = fetched.derived.record, fetched.derived.content_hash
        now = utc_now()
        if fetched.derived.unknown_labels:
            self.store.health.saw_labels(registry.name, language,
                                         fetched.derived.unknown_labels, row.id, now)
        row = self.store.trials.learn_ids(row, record.trial_id, record.registry_ids)
        previous = self.store.versions.latest(row.id, language)
        gate = self.settings.gates.get(row.registry)
        changes: list[Change] = []
        if previous is not None:
            if previous.content_hash == digest:
                return self._unchanged(row, previous, entry, record, gate, now)
            base = self._comparable(previous, registry, language)
            changes = self.settings.policy.diff(base, record)
            if not changes:
                return self._unchanged(row, previous, entry, record, gate, now)
            lost = lost_values(base, record)
            if lost and not self._accept_held(row, language, digest):
                held = (f"{url} parsed, but lost what its last version had ({lost}): held "
                        "as suspected layout drift or a half-served page, not stored")
                self.store.fetches.record(_replace(entry, outcome="failed", reason=HELD,
                                                   error=held, content_hash=digest))
                return PageOutcome(row, language, "failed", url, error=held, reason=HELD)
        version = self.store.versions.add(
            row.id, language, record, digest, page.content, page.content_type, changes,
            check_id=self.settings.check_id, parser=registry.parser_version)
        self.store.trials.set_latest(
            row.id, title=record.title_public or record.title_scientific,
            status=record.status, date_last_modified=record.date_last_modified)
        outcome = "changed" if previous is not None else "new"
        self.store.fetches.record(_replace(entry, outcome=outcome, version=version.id,
                                           content_hash=digest))
        if gate is not None:
            gate.cross_check(self.store, row, version, record, now)
        return PageOutcome(row, language, outcome, url, version=version.number,
                           changes=changes, record=record)

    def _unchanged(self, row: TrialRow, previous: VersionRow, entry: FetchEntry,
                   record: TrialRecord, gate: ListingGate | None, now: str) -> PageOutcome:
        self.store.fetches.record(_replace(entry, outcome="unchanged",
                                           content_hash=previous.content_hash))
        if gate is not None:
            gate.cross_check(self.store, row, previous, record, now)
        return PageOutcome(row, entry.language, "unchanged", entry.url,
                           version=previous.number, record=record)

    def _comparable(self, previous: VersionRow, registry: Registry,
                    language: str) -> TrialRecord:
        """The last version as today's parser reads its stored page: a parser upgrade
        that reads a field better is no change of the trial. Falls back to the stored
        record when the old page cannot be read."""
        if previous.parser == registry.parser_version or not previous.page:
            return previous.record
        raw = self.store.versions.raw_page(previous.page)
        if raw is None:
            return previous.record
        from monitor.fetch import decode_html

        try:
            text = decode_html(raw, self.store.versions.page_content_type(previous.page),
                               previous.record.url)
            return derive(registry, text, language, previous.record.url).record
        except MonitorError:
            return previous.record

    def _accept_held(self, row: TrialRow, language: str, digest: str) -> bool:
        """The same page held ``hold_limit`` times in a row is the registry's real
        content (a registrant did clear the field): stored, and its changes reported."""
        held = self.store.fetches.held_in_a_row(row.id, language, HELD)
        limit = self.settings.hold_limit
        return len(held) >= limit - 1 and all(h == digest for h in held[: limit - 1])


def lost_values(old: TrialRecord, new: TrialRecord) -> str:
    """What the new record lost that the old one had, in words; "" when nothing."""
    lost = []
    for name in KEY_FIELDS:
        before, after = old.get(name), new.get(name)
        if before not in (None, "", "unknown") and after in (None, "", "unknown"):
            lost.append(name)
    before_raw, after_raw = _filled(old), _filled(new)
    if before_raw:
        share = len(before_raw - after_raw) / len(before_raw)
        if share > LOST_FIELDS_SHARE:
            lost.append(f"{share:.0%} of its filled fields")
    return ", ".join(lost)


def _filled(record: TrialRecord) -> set[str]:
    return {f"{section}.{label}" for section, labels in (record.fields or {}).items()
            for label, value in labels.items() if value not in ("", None, [], {})}


def _ms(begin: float) -> int:
    return int((time.monotonic() - begin) * 1000)


def _reason(error: BaseException) -> str:
    if isinstance(error, FetchError):
        return error.reason
    if isinstance(error, WrongPageError):
        return "wrong_page"
    if isinstance(error, ParseError):
        return "parse_error"
    return type(error).__name__


class Claims:
    """Which trials this pass has taken: each is checked once, by one worker."""

    def __init__(self) -> None:
        self._taken: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, trial: int) -> bool:
        with self._lock:
            if trial in self._taken:
                return False
            self._taken.add(trial)
            return True
