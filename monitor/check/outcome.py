"""What a check came to, as plain typed data: the CLI's, the daemon's and the alerts'
input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.diff.changes import Change
from monitor.diff.consistency import Disagreement
from monitor.normalize.record import TrialRecord
from monitor.store import DisagreementRow, HostRow, TrialRow

# new | changed | unchanged: a page read and compared; listed: unchanged by the
# registry's listing, no page fetched; failed: recorded as a failure of the trial;
# deferred: its host is paused (blocked or unreachable), the trial is not at fault.
OUTCOMES = ("new", "changed", "unchanged", "listed", "failed", "deferred")


@dataclass
class PageOutcome:
    trial: TrialRow
    language: str | None
    outcome: str
    url: str | None = None
    version: int | None = None
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    reason: str | None = None
    record: TrialRecord | None = None
    host: str | None = None  # deferred: the paused host that holds the check
    until: float | None = None  # deferred: when that host may be asked again

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    @property
    def deferred(self) -> bool:
        return self.outcome == "deferred"

    @property
    def label(self) -> str:
        return self.record.trial_id if self.record else self.trial.label

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.label, "registry": self.trial.registry, "language": self.language,
            "outcome": self.outcome, "url": self.url, "version": self.version,
            "changes": [change.to_dict() for change in self.changes],
            "error": self.error, "reason": self.reason, "host": self.host,
        }


@dataclass
class PairOutcome:
    """Two linked records compared: the disagreements that appeared and those that
    ended (those still open are not news)."""

    a: TrialRow
    b: TrialRow
    opened: list[Disagreement] = field(default_factory=list)
    closed: list[DisagreementRow] = field(default_factory=list)

    @property
    def news(self) -> bool:
        return bool(self.opened or self.closed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trials": [{"registry": row.registry, "trial_id": row.label}
                       for row in (self.a, self.b)],
            "opened": [d.to_dict() for d in self.opened],
            "resolved": [{"field": row.field, "values": row.values, "severity": row.severity.value}
                         for row in self.closed],
        }


@dataclass
class ListingOutcome:
    """A registry's bulk listing, read (or not) at the start of a pass."""

    registry: str
    outcome: str  # read | unchanged (304) | failed | deferred (its host is paused)
    rows: int = 0
    new_trials: int = 0
    error: str | None = None
    registered: list[dict[str, Any]] = field(default_factory=list)  # new query matches


@dataclass
class PassResult:
    pages: list[PageOutcome] = field(default_factory=list)
    pairs: list[PairOutcome] = field(default_factory=list)
    listings: list[ListingOutcome] = field(default_factory=list)
    paused: list[HostRow] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(page.failed for page in self.pages) or \
            any(listing.outcome == "failed" for listing in self.listings)

    @property
    def deferred(self) -> list[PageOutcome]:
        return [page for page in self.pages if page.deferred]
