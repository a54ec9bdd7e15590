"""Plain row types and the small helpers every part of the store shares."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.registries.base import TrialRef


def iso_time(timestamp: float) -> str:
    """A UTC timestamp as stored: ISO 8601 to the millisecond, ``Z``-suffixed, so that
    stored times sort as text."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return iso_time(datetime.now(UTC).timestamp())


@dataclass(frozen=True)
class TrialRow:
    id: int
    registry: str
    trial_id: str | None
    receipt_number: str | None
    title: str | None
    status: str | None
    date_last_modified: str | None
    watched: bool
    watch_source: str | None
    added_input: str | None
    last_checked_at: str | None
    last_success_at: str | None
    consecutive_failures: int
    last_error: str | None
    next_check_at: str | None = None
    overdue_since: str | None = None

    @property
    def label(self) -> str:
        return self.trial_id or self.receipt_number or self.added_input or f"#{self.id}"

    def ref(self) -> TrialRef:
        return TrialRef(self.registry, self.trial_id, self.receipt_number)


@dataclass(frozen=True)
class VersionRow:
    id: int
    trial: int
    language: str
    number: int
    content_hash: str
    seen_at: str
    record: dict[str, Any]
    page: str | None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_or_none(value: Any) -> str | None:
    return None if value is None else _json(value)


def _trial(row: dict[str, Any]) -> TrialRow:
    return TrialRow(
        id=row["id"], registry=row["registry"], trial_id=row["trial_id"],
        receipt_number=row["receipt_number"], title=row["title"], status=row["status"],
        date_last_modified=row["date_last_modified"], watched=bool(row["watched"]),
        watch_source=row["watch_source"], added_input=row["added_input"],
        last_checked_at=row["last_checked_at"], last_success_at=row["last_success_at"],
        consecutive_failures=row["consecutive_failures"] or 0, last_error=row["last_error"],
        next_check_at=row.get("next_check_at"), overdue_since=row.get("overdue_since"),
    )


def _version_row(row: dict[str, Any], record: dict[str, Any]) -> VersionRow:
    return VersionRow(
        id=row["id"], trial=row["trial"], language=row["language"], number=row["number"],
        content_hash=row["content_hash"], seen_at=row["seen_at"], record=record,
        page=row["page"],
    )
