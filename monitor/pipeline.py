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
from typing import Any

from monitor.diff.changes import Change, diff_versions
from monitor.diff.consistency import ConsistencyRules, compare_linked
from monitor.errors import (
    FetchError,
    MonitorError,
    NotFoundError,
    ParseError,
    WrongPageError,
)
from monitor.fetch.client import Fetcher
from monitor.normalize.record import TrialRecord
from monitor.normalize.values import content_hash
from monitor.registries.base import Registry, TrialRef
from monitor.store.db import Store, TrialRow, utc_now

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
                 consistency_rules: ConsistencyRules | None = None) -> None:
        self.store = store
        self.fetcher = fetcher
        self.registries = registries
        self.severity_rules = list(severity_rules)
        self.consistency_rules = consistency_rules or ConsistencyRules()

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
            changes = [Change(f"consistency.{row['field']}", json.loads(row["values"]), None,
                              row["severity"]) for row in closed]
            changes += [Change(f"consistency.{d.field}", None, d.values, d.severity)
                        for d in opened]
            changes.sort(key=lambda c: ("high", "medium", "low").index(c.severity))
            yield CheckOutcome(f"{a.label} ↔ {b.label}", "consistency", None, "changed",
                               changes=changes)

    def latest_record(self, row: TrialRow) -> dict[str, Any] | None:
        """The trial's latest record, in its registry's first configured language if
        stored, else in any."""
        languages = self.store.languages(row.id)
        if not languages:
            return None
        preferred = [lang for lang in self.registries[row.registry].languages
                     if lang in languages]
        latest = self.store.latest_version(row.id, (preferred or languages)[0])
        return latest.record if latest else None

    def check(self, row: TrialRow, languages: Sequence[str] | None = None) -> list[CheckOutcome]:
        """Check every configured language page of one trial."""
        registry = self.registries[row.registry]
        try:
            ref = self._resolve(row, registry)
        except MonitorError as error:
            log.warning("%s lookup failed: %s", row.label, error)
            return [CheckOutcome(row.label, row.registry, None, "failed", None,
                                 error=str(error), reason=_reason(error))]
        row = self.store.get_trial(row.id)
        return [self._check_page(row, registry, ref, language)
                for language in (languages or registry.languages)]

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
            self._log_failure(row, None, url, started, error,
                              int((time.monotonic() - begin) * 1000))
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

    def _check_page(self, row: TrialRow, registry: Registry, ref: TrialRef,
                    language: str) -> CheckOutcome:
        url = registry.page_url(ref, language)
        started, begin = utc_now(), time.monotonic()
        try:
            page = self.fetcher.get_html(url)
            parsed = registry.parse_page(page.text, language)
            record = registry.normalize(parsed, url)
            _check_identity(record, ref, url)
        except NotFoundError as error:
            missing = NotFoundError(f"{registry.title} has no page for {ref.label}: {error} "
                                    "(check the ID)", status_code=error.status_code)
            missing.attempts = error.attempts
            return self._failed(row, language, url, started, missing, begin)
        except MonitorError as error:
            return self._failed(row, language, url, started, error, begin)
        elapsed = int((time.monotonic() - begin) * 1000)
        data = record.to_dict()
        digest = content_hash(data)
        fetch_info = dict(url=url, language=language, started_at=started, duration_ms=elapsed,
                          attempts=page.attempts, status_code=page.status_code,
                          size=len(page.content))
        with self.store.transaction():
            row = self.store.set_ids(row, record.trial_id, record.receipt_number)
            previous = self.store.latest_version(row.id, language)
            changes: list[Change] = []
            if previous is not None:
                if previous.content_hash == digest:
                    return self._unchanged(row, previous.number, fetch_info, data)
                changes = diff_versions(
                    previous.record, data,
                    rules=[*self.severity_rules, *registry.severity_rules()],
                    canonical_sources=registry.canonical_sources())
                if not changes:
                    return self._unchanged(row, previous.number, fetch_info, data)
                lost = _lost_share(previous.record, data)
                if lost > DRIFT_THRESHOLD:
                    error = ParseError(
                        f"{url} parsed, but {lost:.0%} of the fields its last version had "
                        "are gone: held as suspected layout drift, not stored")
                    self.store.record_fetch(row, outcome="failed", reason="layout_drift",
                                            error=str(error), **fetch_info)
                    return CheckOutcome(row.label, row.registry, language, "failed", url,
                                        error=str(error), reason="layout_drift")
            version = self.store.add_version(row, language, data, digest, page.content,
                                             page.content_type, changes)
            outcome = "changed" if previous is not None else "new"
            self.store.record_fetch(row, outcome=outcome, version=version.id, **fetch_info)
        return CheckOutcome(record.trial_id, row.registry, language, outcome, url,
                            version=version.number, changes=changes, record=data)

    def _unchanged(self, row: TrialRow, number: int, fetch_info: dict[str, Any],
                   data: dict[str, Any]) -> CheckOutcome:
        self.store.record_fetch(row, outcome="unchanged", **fetch_info)
        return CheckOutcome(data["trial_id"], row.registry, fetch_info["language"], "unchanged",
                            fetch_info["url"], version=number, record=data)

    def _failed(self, row: TrialRow, language: str, url: str, started: str,
                error: MonitorError, begin: float) -> CheckOutcome:
        self._log_failure(row, language, url, started, error,
                          int((time.monotonic() - begin) * 1000))
        log.warning("%s [%s] check failed: %s", row.label, language, error)
        return CheckOutcome(row.label, row.registry, language, "failed", url,
                            error=str(error), reason=_reason(error))

    def _log_failure(self, row: TrialRow, language: str | None, url: str, started: str,
                     error: MonitorError, elapsed: int) -> None:
        with self.store.transaction():
            self.store.record_fetch(
                row, url=url, language=language, started_at=started, outcome="failed",
                duration_ms=elapsed, status_code=getattr(error, "status_code", None),
                attempts=getattr(error, "attempts", None),
                reason=_reason(error), error=str(error))


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
