"""One check of one trial: resolve → fetch → parse → normalize → compare → store.

This is the product's core loop, shared by the CLI's ``check`` and (later) the daemon.
Faults are not changes: a fetch or parse failure is logged as a failed fetch and
never becomes a version; a version is stored only when the normalized record differs
from the last one, together with its diff, in one transaction.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.diff.changes import Change, diff_versions
from monitor.diff.consistency import ConsistencyRules, compare_linked
from monitor.errors import (
    FetchError,
    MonitorError,
    NotFoundError,
    ParseError,
    WrongPageError,
)
from monitor.fetch.client import Fetcher, Page
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import content_hash
from monitor.registries.base import Registry, TrialRef
from monitor.store import Store, TrialRow, utc_now

log = logging.getLogger(__name__)

# A page that still parses but has lost more than this share of the non-empty fields
# its last version had is held as suspected layout drift, not stored as a change.
DRIFT_THRESHOLD = 0.5


@dataclass
class CheckOutcome:
    """What one check of one trial page came to: the CLI's and the alerts' input."""

    trial: str
    registry: str
    language: str | None
    outcome: str  # new | changed | unchanged | failed
    url: str | None = None
    version: int | None = None
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    reason: str | None = None
    record: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial, "registry": self.registry, "language": self.language,
            "outcome": self.outcome, "url": self.url, "version": self.version,
            "changes": [change.to_dict() for change in self.changes],
            "error": self.error, "reason": self.reason,
        }


class Checker:
    """Checks trials against their registries and records what it finds."""

    def __init__(self, store: Store, fetcher: Fetcher, registries: Mapping[str, Registry], *,
                 severity_rules: Sequence[tuple[str, str]] = (),
                 consistency_rules: ConsistencyRules | None = None,
                 sink: CheckSink | None = None) -> None:
        self.store = store
        self.fetcher = fetcher
        self.registries = registries
        self.severity_rules = list(severity_rules)
        self.consistency_rules = consistency_rules or ConsistencyRules()
        self.sink = sink

    def run(self, rows: Iterable[TrialRow], *,
            languages_for: Callable[[TrialRow], Sequence[str] | None] | None = None,
            follow_links: bool = True) -> Iterator[CheckOutcome]:
        """One pass: each trial once, and each registry twin their secondary IDs name
        (once, however many trials name it); then the consistency of every linked pair
        the pass touched. Outcomes are yielded as they come, for progress display."""
        checked: dict[int, TrialRow] = {}
        queue = list(rows)
        while queue:
            row = self.store.get_trial(queue.pop(0).id)
            if row.id in checked:
                continue
            checked[row.id] = row
            yield from self.check(row, languages_for(row) if languages_for else None)
            if follow_links:
                queue += [other for other in self._follow(row) if other.id not in checked]
        yield from self._consistency(checked)

    def _follow(self, row: TrialRow) -> list[TrialRow]:
        """The trial's twins in other registries: the links known, plus any secondary ID
        of its latest versions that another registry recognises."""
        refs: list[TrialRef] = []
        for language in self.store.languages(row.id):
            latest = self.store.latest_version(row.id, language)
            for text in (latest.record.get("secondary_ids") or []) if latest else []:
                for name, registry in self.registries.items():
                    ref = registry.parse_input(text) if name != row.registry else None
                    if ref is not None and ref not in refs:
                        refs.append(ref)
        with self.store.transaction():
            for ref in refs:
                self.store.link(row, self.store.add_linked(ref))
        return self.store.linked(row.id)

    def _consistency(self, checked: Mapping[int, TrialRow]) -> Iterator[CheckOutcome]:
        """New and resolved disagreements of the linked pairs touched, as changes."""
        pairs = sorted({tuple(sorted((trial, other.id)))
                        for trial in checked for other in self.store.linked(trial)})
        for first, second in pairs:
            a, b = self.store.get_trial(first), self.store.get_trial(second)
            records = [self.latest_record(a), self.latest_record(b)]
            if records[0] is None or records[1] is None:
                continue
            current = compare_linked(records[0], records[1], self.consistency_rules)
            with self.store.transaction():
                opened, closed = self.store.sync_disagreements(first, second, current)
                if not opened and not closed:
                    continue
                changes = [Change(f"consistency.{row['field']}", json.loads(row["values"]),
                                  None, row["severity"]) for row in closed]
                changes += [Change(f"consistency.{d.field}", None, d.values, d.severity)
                            for d in opened]
                changes.sort(key=lambda c: ("high", "medium", "low").index(c.severity))
                outcome = CheckOutcome(f"{a.label} ↔ {b.label}", "consistency", None,
                                       "changed", changes=changes)
                if self.sink is not None:
                    self.sink.pair_changed(a, b, outcome)
            yield outcome

    def latest_record(self, row: TrialRow) -> dict[str, Any] | None:
        """The trial's latest record, in its registry's first configured language if
        stored, else in any."""
        return self.store.latest_record(row.id, self.registries[row.registry].languages)

    def check(self, row: TrialRow, languages: Sequence[str] | None = None) -> list[CheckOutcome]:
        """Check every configured language page of one trial.

        All pages are fetched and parsed first; then everything the check found (fetch
        log, versions, health, alert events) is written in one transaction, so a crash
        leaves the database as it was before the check or as it is after it.
        """
        registry = self.registries[row.registry]
        try:
            ref = self._resolve(row, registry)
        except MonitorError as error:
            log.warning("%s lookup failed: %s", row.label, error)
            outcome = CheckOutcome(row.label, row.registry, None, "failed", None,
                                   error=str(error), reason=_reason(error))
            with self.store.transaction():
                self._finish(row, [outcome])
            return [outcome]
        row = self.store.get_trial(row.id)
        pages = [self._fetch_page(registry, ref, language)
                 for language in (languages or registry.languages)]
        with self.store.transaction():
            outcomes = [self._store_page(row, registry, page) for page in pages]
            self._finish(row, outcomes)
        for outcome in outcomes:
            if outcome.failed:
                log.warning("%s [%s] check failed: %s", row.label, outcome.language,
                            outcome.error)
        return outcomes

    def _finish(self, row: TrialRow, outcomes: list[CheckOutcome]) -> None:
        """Update the trial's health and hand the check to the sink (alerts), inside the
        check's transaction."""
        before = self.store.get_trial(row.id)
        failures = [o for o in outcomes if o.failed]
        self.store.record_health(before, failed=bool(failures),
                                 error=failures[0].error if failures else None)
        if self.sink is not None:
            self.sink.trial_checked(before, self.store.get_trial(row.id), outcomes)

    # --- steps -------------------------------------------------------------------------

    def _resolve(self, row: TrialRow, registry: Registry) -> TrialRef:
        """Fill in the IDs a page URL needs; each lookup request is logged once, with
        the outcome of the lookup as a whole."""
        ref = row.ref()
        lookups: list[tuple[str, str, float]] = []  # url, started_at, monotonic start
        pages = []

        def fetch_text(url: str) -> str:
            lookups.append((url, utc_now(), time.monotonic()))
            page = self.fetcher.get_html(url)
            pages.append(page)
            return page.text

        try:
            resolved = registry.resolve(ref, fetch_text)
        except MonitorError as error:
            url, started, begin = lookups[-1] if lookups else ("(lookup)", utc_now(),
                                                               time.monotonic())
            with self.store.transaction():
                self.store.record_fetch(
                    row, url=url, language=None, started_at=started, outcome="failed",
                    duration_ms=int((time.monotonic() - begin) * 1000),
                    status_code=getattr(error, "status_code", None),
                    attempts=getattr(error, "attempts", None), reason=_reason(error),
                    error=str(error))
            raise
        with self.store.transaction():
            for (url, started, _), page in zip(lookups, pages, strict=True):
                self.store.record_fetch(
                    row, url=url, language=None, started_at=started, outcome="lookup",
                    duration_ms=page.elapsed_ms, attempts=page.attempts,
                    status_code=page.status_code, size=len(page.content))
            if resolved != ref:
                self.store.set_ids(row, resolved.trial_id, resolved.receipt_number)
        return resolved

    def _fetch_page(self, registry: Registry, ref: TrialRef, language: str) -> FetchedPage:
        """Fetch, parse and normalize one page; no database writes."""
        url = registry.page_url(ref, language)
        started, begin = utc_now(), time.monotonic()
        page = None
        try:
            page = self.fetcher.get_html(url)
            parsed = registry.parse_page(page.text, language)
            record = registry.normalize(parsed, url)
            _check_identity(record, ref, url)
        except NotFoundError as error:
            missing = NotFoundError(f"{registry.title} has no page for {ref.label}: {error} "
                                    "(check the ID)", status_code=error.status_code)
            missing.attempts = error.attempts
            return FetchedPage(language, url, started, _ms(begin), page, error=missing)
        except MonitorError as error:
            return FetchedPage(language, url, started, _ms(begin), page, error=error)
        return FetchedPage(language, url, started, _ms(begin), page, record=record.to_dict())

    def _store_page(self, row: TrialRow, registry: Registry,
                    fetched: FetchedPage) -> CheckOutcome:
        """Record one fetched page: a failure, an unchanged check, or a new version."""
        language, url, page = fetched.language, fetched.url, fetched.page
        info: dict[str, Any] = dict(url=url, language=language, started_at=fetched.started_at,
                                    duration_ms=fetched.duration_ms)
        if page is not None:
            info.update(attempts=page.attempts, status_code=page.status_code,
                        size=len(page.content))
        if fetched.error is not None or fetched.record is None:
            error = fetched.error
            self.store.record_fetch(
                row, outcome="failed", reason=_reason(error), error=str(error),
                **{**info, "attempts": getattr(error, "attempts", None) or info.get("attempts"),
                   "status_code": getattr(error, "status_code", None)
                   or info.get("status_code")})
            return CheckOutcome(row.label, row.registry, language, "failed", url,
                                error=str(error), reason=_reason(error))
        assert page is not None
        data = fetched.record
        digest = content_hash(data)
        row = self.store.set_ids(row, data["trial_id"], data.get("receipt_number"))
        previous = self.store.latest_version(row.id, language)
        changes: list[Change] = []
        if previous is not None:
            if previous.content_hash == digest:
                return self._unchanged(row, previous.number, info, data)
            changes = diff_versions(
                previous.record, data,
                rules=[*self.severity_rules, *registry.severity_rules()],
                canonical_sources=registry.canonical_sources())
            if not changes:
                return self._unchanged(row, previous.number, info, data)
            lost = _lost_share(previous.record, data)
            if lost > DRIFT_THRESHOLD:
                error = (f"{url} parsed, but {lost:.0%} of the fields its last version had "
                         "are gone: held as suspected layout drift, not stored")
                self.store.record_fetch(row, outcome="failed", reason="layout_drift",
                                        error=error, **info)
                return CheckOutcome(row.label, row.registry, language, "failed", url,
                                    error=error, reason="layout_drift")
        version = self.store.add_version(row, language, data, digest, page.content,
                                         page.content_type, changes)
        outcome = "changed" if previous is not None else "new"
        self.store.record_fetch(row, outcome=outcome, version=version.id, **info)
        return CheckOutcome(data["trial_id"], row.registry, language, outcome, url,
                            version=version.number, changes=changes, record=data)

    def _unchanged(self, row: TrialRow, number: int, info: dict[str, Any],
                   data: dict[str, Any]) -> CheckOutcome:
        self.store.record_fetch(row, outcome="unchanged", **info)
        return CheckOutcome(data["trial_id"], row.registry, info["language"], "unchanged",
                            info["url"], version=number, record=data)


@dataclass
class FetchedPage:
    """One page as fetched and parsed, before anything is stored."""

    language: str
    url: str
    started_at: str
    duration_ms: int
    page: Page | None
    record: dict[str, Any] | None = None
    error: MonitorError | None = None


class CheckSink(Protocol):
    """Receives each trial check and each consistency change inside its transaction, so
    that what it writes (the alert outbox) commits or rolls back with them."""

    def trial_checked(self, before: TrialRow, after: TrialRow,
                      outcomes: list[CheckOutcome]) -> None: ...

    def pair_changed(self, a: TrialRow, b: TrialRow, outcome: CheckOutcome) -> None: ...


def _ms(begin: float) -> int:
    return int((time.monotonic() - begin) * 1000)


def _check_identity(record: TrialRecord, ref: TrialRef, url: str) -> None:
    """A page of another trial (a registry mix-up, a redirect) is a fault, not a change."""
    for name in ("trial_id", "receipt_number"):
        expected, found = getattr(ref, name), getattr(record, name)
        if expected and found and expected != found:
            raise WrongPageError(f"{url} shows {found}, not {expected}: "
                                 "the registry served another trial's page")


def _reason(error: BaseException) -> str:
    if isinstance(error, FetchError):
        return error.reason
    if isinstance(error, WrongPageError):
        return "wrong_page"
    if isinstance(error, ParseError):
        return "parse_error"
    return type(error).__name__


def _filled(record: Mapping[str, Any]) -> set[str]:
    fields = record.get("fields") or {}
    return {f"{section}.{label}" for section, labels in fields.items()
            for label, value in labels.items() if value not in ("", None, [], {})}


def _lost_share(old: Mapping[str, Any], new: Mapping[str, Any]) -> float:
    before = _filled(old)
    if not before:
        return 0.0
    return len(before - _filled(new)) / len(before)
