"""Typed rows the store returns, and the small helpers every part of the store shares."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.diff.changes import Change
from monitor.diff.severity import Severity
from monitor.normalize.record import TrialRecord
from monitor.registries.base import TrialRef
from monitor.registries.listing import ListingEntry  # noqa: F401 (re-exported)
from monitor.times import iso_time, timestamp, utc_now  # noqa: F401 (re-exported)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_or_none(value: Any) -> str | None:
    return None if value is None else to_json(value)


# The versions' columns that search reads. ``search_texts`` keeps each distinct set of
# them once per trial: they rarely change between versions, so indexing every version's
# copy made the full-text index cost more than the versions row itself.
SEARCH_COLUMNS = ("title_public", "title_scientific", "title_public_ja",
                  "title_scientific_ja", "conditions", "conditions_ja")


def search_hash(values: Sequence[str | None]) -> str:
    """The key of one set of :data:`SEARCH_COLUMNS` values, as the versions' columns hold
    them (conditions as JSON lists). The whole SHA-256: two different texts sharing a
    key would leave one unsearchable, and a key is only paid for per distinct text."""
    if len(values) != len(SEARCH_COLUMNS):
        raise ValueError(f"search_hash takes {len(SEARCH_COLUMNS)} values, not {len(values)}")
    return hashlib.sha256(to_json(list(values)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TrialRow:
    id: int
    registry: str
    trial_id: str | None
    keys: tuple[tuple[str, str], ...]
    title: str | None
    status: str | None
    date_last_modified: str | None
    watched: bool
    watch_source: str | None
    added_input: str | None
    added_at: str
    last_checked_at: str | None
    last_success_at: str | None
    consecutive_failures: int
    last_error: str | None
    next_check_at: str | None = None
    overdue_since: str | None = None
    last_page_at: str | None = None

    @property
    def label(self) -> str:
        return (self.trial_id or next((value for _, value in self.keys), None)
                or self.added_input or f"#{self.id}")

    def key(self, name: str) -> str | None:
        return dict(self.keys).get(name)

    def ref(self) -> TrialRef:
        return TrialRef(self.registry, self.trial_id, self.keys)


@dataclass(frozen=True)
class VersionRow:
    id: int
    trial: int
    language: str
    number: int
    content_hash: str
    seen_at: str
    record: TrialRecord
    page: str | None
    change_count: int = 0
    check_id: str | None = None
    parser: str | None = None
    reparsed_at: str | None = None


@dataclass(frozen=True)
class StoredChange:
    """A change as stored with the version that produced it."""

    version: VersionRow
    change: Change


@dataclass(frozen=True)
class DisagreementRow:
    id: int
    trial: int
    other_trial: int
    field: str
    values: dict[str, Any]
    severity: Severity
    note: str
    opened_at: str
    closed_at: str | None


@dataclass(frozen=True)
class AlertRow:
    id: int
    delivery_id: str
    channel: str
    event: str
    trial: int | None
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str
    last_attempt_at: str | None = None
    last_error: str | None = None
    delivered_at: str | None = None


@dataclass(frozen=True)
class HostRow:
    """A host that refused us (``blocked``) or could not be reached (``unreachable``),
    paused until ``until``."""

    host: str
    kind: str
    since: str
    until: str
    cooldown: float
    reason: str | None = None
    episodes: int = 1
    probe_at: str | None = None


@dataclass(frozen=True)
class ListingState:
    """Where a registry's bulk listing stands: its validators for the next conditional
    download, when it was last read, and whether its first read (the baseline) is done."""

    registry: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None
    checked_at: str | None = None
    rows: int = 0
    baseline_at: str | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
