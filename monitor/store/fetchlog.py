"""The fetch log: every request made for a trial and its outcome, kept in detail for
``[storage] keep_fetch_log`` and as one summary row per trial and day beyond it, so a
year of checks stays small."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from monitor.store.database import Database


@dataclass(frozen=True)
class FetchEntry:
    """One request: a lookup, a page that was new, changed, unchanged, or failed."""

    trial: int
    url: str
    language: str | None
    started_at: str
    outcome: str
    duration_ms: int | None = None
    attempts: int | None = None
    status_code: int | None = None
    reason: str | None = None
    error: str | None = None
    size: int | None = None
    version: int | None = None
    content_hash: str | None = None


class FetchLog:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.db = database.db

    def record(self, entry: FetchEntry) -> None:
        self.db.table("fetches").insert({
            "trial": entry.trial, "language": entry.language, "url": entry.url,
            "started_at": entry.started_at, "duration_ms": entry.duration_ms,
            "attempts": entry.attempts, "status_code": entry.status_code,
            "outcome": entry.outcome, "reason": entry.reason, "error": entry.error,
            "bytes": entry.size, "version": entry.version, "content_hash": entry.content_hash,
        })

    def held_in_a_row(self, trial: int, language: str, reason: str) -> list[str | None]:
        """The content hashes of the latest fetches of a page, newest first, while they
        were held for ``reason`` (stops at the first fetch that was not)."""
        hashes = []
        for row in self.db.execute(
                "select reason, content_hash from fetches where trial = ? and language = ? "
                "and outcome != 'deferred' order by id desc limit 20", [trial, language]):
            if row[0] != reason:
                break
            hashes.append(row[1])
        return hashes

    def recent(self, trial: int, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.db.query("select * from fetches where trial = ? "
                                  "order by started_at desc limit ?", [trial, limit]))

    def prune(self, before: str) -> int:
        """Fold the rows older than ``before`` into daily summaries and delete them; the
        number of rows folded. Call inside a transaction."""
        rows = list(self.db.query(
            "select trial, substr(started_at, 1, 10) as day, outcome, reason, bytes "
            "from fetches where started_at < ?", [before]))
        if not rows:
            return 0
        days: dict[tuple[int, str], dict[str, Any]] = {}
        for row in rows:
            tally = days.setdefault((row["trial"], row["day"]), {
                "fetches": 0, "failed": 0, "changed": 0, "bytes": 0, "reasons": Counter()})
            tally["fetches"] += 1
            tally["bytes"] += row["bytes"] or 0
            if row["outcome"] == "failed":
                tally["failed"] += 1
                tally["reasons"][row["reason"] or "unknown"] += 1
            elif row["outcome"] in ("new", "changed"):
                tally["changed"] += 1
        for (trial, day), summary in days.items():
            existing = self.db.execute("select fetches, failed, changed, bytes, reasons from "
                                       "fetch_days where trial = ? and day = ?",
                                       [trial, day]).fetchone()
            reasons = summary["reasons"]
            if existing:
                reasons.update(json.loads(existing[4] or "{}"))
                for index, name in enumerate(("fetches", "failed", "changed", "bytes")):
                    summary[name] += existing[index] or 0
            self.db.table("fetch_days").upsert({
                "trial": trial, "day": day, "fetches": summary["fetches"],
                "failed": summary["failed"], "changed": summary["changed"],
                "bytes": summary["bytes"],
                "reasons": json.dumps(dict(reasons), sort_keys=True)},
                pk=("trial", "day"))
        # fetches.version points at versions, never the other way: safe to delete
        self.db.execute("delete from fetches where started_at < ?", [before])
        return len(rows)
